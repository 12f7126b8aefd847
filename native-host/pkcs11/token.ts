// Tokens: the §2 Token shape from C_GetTokenInfo, with ids stable across calls and restarts.
import { sha256Hex } from '../../shared/sha256';
import type { PinState, TokenInfo } from '../../shared/protocol';
import {
  CKF_LOGIN_REQUIRED,
  CKF_PROTECTED_AUTHENTICATION_PATH,
  CKF_TOKEN_INITIALIZED,
  CKF_USER_PIN_COUNT_LOW,
  CKF_USER_PIN_FINAL_TRY,
  CKF_USER_PIN_LOCKED,
} from './constants';
import type { Handle, Pkcs11Module } from './module';

/** A token found in a slot of a loaded module. */
export interface TokenRef {
  module: Pkcs11Module;
  slot: Handle;
  info: TokenInfo;
}

/** Stable token id: derived from module path, serial and label, never from the slot handle. */
export function tokenId(modulePath: string, serial: string, label: string): string {
  return sha256Hex(`tokensign-token\0${modulePath}\0${serial}\0${label}`).slice(0, 32);
}

/** Slot handles are native-endian CK_ULONGs (8 bytes here, 4 on Windows). */
export function slotNumber(handle: Handle): number {
  if (handle.length >= 8) {
    const v = handle.readBigUInt64LE(0);
    return Number(v <= BigInt(Number.MAX_SAFE_INTEGER) ? v : v & BigInt(0xffffffff));
  }
  if (handle.length >= 4) return handle.readUInt32LE(0);
  return handle.length > 0 ? handle.readUIntLE(0, handle.length) : 0;
}

export function pinStateFromFlags(flags: number): PinState {
  return {
    loginRequired: (flags & CKF_LOGIN_REQUIRED) !== 0,
    countLow: (flags & CKF_USER_PIN_COUNT_LOW) !== 0,
    finalTry: (flags & CKF_USER_PIN_FINAL_TRY) !== 0,
    locked: (flags & CKF_USER_PIN_LOCKED) !== 0,
    protectedPath: (flags & CKF_PROTECTED_AUTHENTICATION_PATH) !== 0,
  };
}

/** C_GetTokenInfo for the slot, as the §2 Token. Throws the pkcs11js error if the token is gone. */
export function readToken(module: Pkcs11Module, slot: Handle): TokenRef {
  const raw = module.api.C_GetTokenInfo(slot);
  const label = raw.label.trim();
  const serial = raw.serialNumber.trim();
  return {
    module,
    slot,
    info: {
      id: tokenId(module.path, serial, label),
      module: module.path,
      slot: slotNumber(slot),
      label,
      manufacturer: raw.manufacturerID.trim(),
      model: raw.model.trim(),
      serial,
      pin: pinStateFromFlags(raw.flags),
    },
  };
}

/** Current PIN flags of the token in `slot`, or null if it cannot be read. */
export function readPinState(module: Pkcs11Module, slot: Handle): PinState | null {
  try {
    return pinStateFromFlags(module.api.C_GetTokenInfo(slot).flags);
  } catch {
    return null;
  }
}

export interface TokenScan {
  tokens: TokenRef[];
  /** Per-module failures during the scan (module path → message); the scan goes on. */
  errors: Array<{ module: string; error: string }>;
}

/** Rescans every module's slots for present tokens. */
export function scanTokens(modules: Pkcs11Module[]): TokenScan {
  const tokens: TokenRef[] = [];
  const errors: TokenScan['errors'] = [];
  for (const module of modules) {
    let slots: Handle[];
    try {
      slots = module.slotsWithToken();
    } catch (e) {
      errors.push({ module: module.path, error: (e as Error).message });
      continue;
    }
    for (const slot of slots) {
      try {
        // Uninitialized tokens (SoftHSM's spare slot, a blank card) hold nothing to sign with.
        if ((module.api.C_GetTokenInfo(slot).flags & CKF_TOKEN_INITIALIZED) === 0) continue;
        tokens.push(readToken(module, slot));
      } catch (e) {
        // A token pulled out between C_GetSlotList and C_GetTokenInfo is simply not there.
        errors.push({ module: module.path, error: (e as Error).message });
      }
    }
  }
  return { tokens, errors };
}

/**
 * One C_GetTokenInfo: the token's current PIN flags if it is still in its slot with the same
 * identity (module, serial, label), else null. The warm signing path's only presence check.
 */
export function currentPinState(token: TokenRef): PinState | null {
  try {
    const raw = token.module.api.C_GetTokenInfo(token.slot);
    // The id is a hash of (module path, serial, label) and the module is the same object: comparing
    // serial and label says the same without hashing them again.
    if (raw.serialNumber.trim() !== token.info.serial || raw.label.trim() !== token.info.label) return null;
    return pinStateFromFlags(raw.flags);
  } catch {
    return null;
  }
}

/**
 * Pauses before looking again for a known token that is missing: a card just put back is still being
 * powered up by the reader and read by the module (OpenSC) for a moment, and the person who signs at
 * once would otherwise be told it was removed.
 */
const TOKEN_RETURN_PAUSES_MS: readonly number[] = [250, 500];

/** `look` now, and again after each of TOKEN_RETURN_PAUSES_MS while it finds nothing. */
export async function lookWhileTokenReturns<T>(look: () => T | undefined | Promise<T | undefined>): Promise<T | undefined> {
  for (const pause of [0, ...TOKEN_RETURN_PAUSES_MS]) {
    if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
    const found = await look();
    if (found !== undefined) return found;
  }
  return undefined;
}

/** isTokenStillPresent, asked again while a card put back may still be coming up (lookWhileTokenReturns). */
export async function isTokenBackSoon(token: TokenRef): Promise<boolean> {
  return (await lookWhileTokenReturns(() => (isTokenStillPresent(token) ? true : undefined))) === true;
}

/** True when `token` is still in its slot with the same identity (label, serial). */
export function isTokenStillPresent(token: TokenRef): boolean {
  try {
    const slots = token.module.slotsWithToken();
    if (!slots.some((s) => s.equals(token.slot))) return false;
    return readToken(token.module, token.slot).info.id === token.info.id;
  } catch {
    return false;
  }
}
