// Sessions and the objects found in them: the one session kept open on each token between
// operations (never logged in between them, closed after 30 s unused), and the object searches
// (certificates, private keys, attributes) every operation makes in a session.
import type { PinState } from '../../shared/protocol';
import { KeyNotFoundError } from '../../shared/errors';
import type { TokenCertificate } from './certificate';
import { CKA_CLASS, CKA_ID, CKA_VALUE, CKF_SERIAL_SESSION, CKO_CERTIFICATE, CKO_PRIVATE_KEY, CKR } from './constants';
import { ckrOf } from './errors';
import type { Handle, Pkcs11Api } from './module';
import type { TokenRef } from './token';

/** A C_FindObjectsInit template. */
export type ObjectTemplate = Array<{ type: number; value?: number | boolean | Buffer | string }>;

/** A session kept open on a token between operations (never logged in between them). */
export interface KeptSession {
  session: Handle;
  slot: Handle;
  api: Pkcs11Api;
  /** Certificates whose CKA_VALUE was compared on the token while this session stayed valid. */
  verified: Set<string>;
  /** Private key handles by certificate id, found in this session (used again only after a check). */
  keys: Map<string, Handle>;
  busy: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** The token's PIN flags as of the last operation that ended cleanly in this session. */
  pinState: PinState | undefined;
}

/** Kept sessions by token id. */
const keptSessions = new Map<string, KeptSession>();
/** A kept session is closed after this long unused, so the host holds no token open for long. */
const SESSION_IDLE_MS = 30_000;
/** Codes that say the session itself is gone (closed under us, or its token removed). */
const SESSION_LOST: ReadonlySet<number> = new Set([CKR.CKR_SESSION_HANDLE_INVALID, CKR.CKR_SESSION_CLOSED, CKR.CKR_DEVICE_REMOVED, CKR.CKR_TOKEN_NOT_PRESENT]);
/**
 * Modules whose private key handles do not survive a logout (SoftHSM hands out new ones at each
 * login): the key is found by CKA_ID every time there, without trying a kept handle first.
 */
const unstableKeyHandles = new WeakSet<Pkcs11Api>();

/** True when a PKCS#11 error says the session was closed under the caller or its token is gone. */
export function isSessionLost(error: unknown): boolean {
  const code = ckrOf(error);
  return code !== null && SESSION_LOST.has(code);
}

function closeQuietly(api: Pkcs11Api, session: Handle): void {
  try {
    api.C_CloseSession(session);
  } catch {
    // Session already gone (token removed): nothing to close.
  }
}

function dropKept(tokenId: string, kept: KeptSession): void {
  if (keptSessions.get(tokenId) === kept) keptSessions.delete(tokenId);
  if (kept.idleTimer) clearTimeout(kept.idleTimer);
  closeQuietly(kept.api, kept.session);
}

/** Closes every kept session (host exit, tests). */
export function closeKeptSessions(): void {
  for (const [tokenId, kept] of [...keptSessions]) if (!kept.busy) dropKept(tokenId, kept);
}

/** Forgets the kept sessions of a module that was re-initialized (their handles are void). */
export function forgetKeptSessions(api: Pkcs11Api): void {
  for (const [tokenId, kept] of [...keptSessions]) if (kept.api === api && !kept.busy) dropKept(tokenId, kept);
}

/** The token's kept session, taken for one operation, or null when there is none or it is busy. */
export function reuseKeptSession(token: TokenRef): KeptSession | null {
  const existing = keptSessions.get(token.info.id);
  if (!existing || existing.busy || existing.api !== token.module.api || !existing.slot.equals(token.slot)) return null;
  // The idle timer stays armed: it leaves a busy session alone, and is re-armed at release.
  existing.busy = true;
  return existing;
}

/** A new session on the token for one operation, kept for next time when the token has none kept. */
export function openSession(token: TokenRef): KeptSession {
  const tokenId = token.info.id;
  const api = token.module.api;
  const existing = keptSessions.get(tokenId);
  if (existing && !existing.busy) dropKept(tokenId, existing);
  const kept: KeptSession = {
    session: api.C_OpenSession(token.slot, CKF_SERIAL_SESSION),
    slot: token.slot,
    api,
    verified: new Set(),
    keys: new Map(),
    busy: true,
    idleTimer: undefined,
    pinState: undefined,
  };
  if (!keptSessions.has(tokenId)) keptSessions.set(tokenId, kept);
  return kept;
}

/**
 * The PIN flags kept with the token's idle kept session, or null when there is none. No PKCS#11
 * call: a later C_Login in that session tells whether the token is still the same one (PKCS#11
 * closes every session of a removed token), so the caller may skip its C_GetTokenInfo check.
 */
export function keptSessionPinState(token: TokenRef): PinState | null {
  const kept = keptSessions.get(token.info.id);
  if (!kept || kept.busy || kept.api !== token.module.api || !kept.slot.equals(token.slot)) return null;
  return kept.pinState ?? null;
}

/** After an operation: keep the session when it is clean (with the PIN flags it ended with), close it otherwise. */
export function releaseSession(tokenId: string, kept: KeptSession, clean: boolean, pinState?: PinState): void {
  kept.busy = false;
  if (!clean || keptSessions.get(tokenId) !== kept) {
    dropKept(tokenId, kept);
    return;
  }
  kept.pinState = pinState;
  if (kept.idleTimer) {
    // One timer per kept session, restarted: no new timer per operation.
    kept.idleTimer.refresh();
    return;
  }
  kept.idleTimer = setTimeout(() => {
    if (!kept.busy) dropKept(tokenId, kept);
  }, SESSION_IDLE_MS);
  kept.idleTimer.unref();
}

/** A CK_ULONG attribute (CKA_CLASS, CKA_CERTIFICATE_TYPE, ...) in host byte order: 8 bytes on 64-bit systems, 4 on others. */
export function ulongOf(raw: Buffer | null): number | null {
  if (!raw || raw.length === 0) return null;
  if (raw.length >= 8) return Number(raw.readBigUInt64LE(0) & BigInt(0xffffffff));
  return raw.readUIntLE(0, Math.min(raw.length, 6));
}

/** One attribute, or null when the module will not give it. */
export function readAttribute(api: Pkcs11Api, session: Handle, object: Handle, type: number): Buffer | null {
  try {
    const [attr] = api.C_GetAttributeValue(session, object, [{ type }]);
    const value = attr?.value;
    return Buffer.isBuffer(value) ? value : null;
  } catch {
    return null;
  }
}

/** All objects matching `template`, in batches. */
export function findObjects(api: Pkcs11Api, session: Handle, template: ObjectTemplate): Handle[] {
  api.C_FindObjectsInit(session, template);
  const found: Handle[] = [];
  try {
    for (;;) {
      const batch = api.C_FindObjects(session, 64);
      if (batch.length === 0) break;
      found.push(...batch);
      if (found.length > 100_000) break;
    }
  } finally {
    api.C_FindObjectsFinal(session);
  }
  return found;
}

/** The first object matching `template`, or null: one C_FindObjects call, not a full listing. */
export function findFirstObject(api: Pkcs11Api, session: Handle, template: ObjectTemplate): Handle | null {
  api.C_FindObjectsInit(session, template);
  try {
    return api.C_FindObjects(session, 1)[0] ?? null;
  } finally {
    api.C_FindObjectsFinal(session);
  }
}

/** True when a certificate object with the target's CKA_ID holds exactly the target's bytes. */
export function hasCertificate(api: Pkcs11Api, session: Handle, target: TokenCertificate): boolean {
  const candidates = findObjects(api, session, [
    { type: CKA_CLASS, value: CKO_CERTIFICATE },
    { type: CKA_ID, value: target.ckaId },
  ]);
  return candidates.some((c) => readAttribute(api, session, c, CKA_VALUE)?.equals(target.der));
}

/**
 * The certificate's private key: the handle found earlier in this kept session if it still names a
 * private key with the certificate's CKA_ID (one C_GetAttributeValue), else found again by CKA_ID.
 */
export function privateKeyOf(kept: KeptSession, target: TokenCertificate): Handle {
  const { api } = kept;
  const cached = kept.keys.get(target.info.id);
  if (cached) {
    if (isPrivateKeyWithId(api, kept.session, cached, target.ckaId)) return cached;
    kept.keys.delete(target.info.id);
    unstableKeyHandles.add(api);
  }
  const key = findPrivateKey(api, kept.session, target);
  if (!unstableKeyHandles.has(api)) kept.keys.set(target.info.id, key);
  return key;
}

function isPrivateKeyWithId(api: Pkcs11Api, session: Handle, key: Handle, ckaId: Buffer): boolean {
  try {
    // CKA_CLASS and CKA_ID are never sensitive: one template for both is safe on every module.
    const [cls, id] = api.C_GetAttributeValue(session, key, [{ type: CKA_CLASS }, { type: CKA_ID }]);
    const clsValue = cls?.value;
    const idValue = id?.value;
    if (!Buffer.isBuffer(clsValue) || !Buffer.isBuffer(idValue)) return false;
    return ulongOf(clsValue) === CKO_PRIVATE_KEY && idValue.equals(ckaId);
  } catch {
    return false;
  }
}

function findPrivateKey(api: Pkcs11Api, session: Handle, target: TokenCertificate): Handle {
  if (target.ckaId.length === 0) {
    throw new KeyNotFoundError(`The certificate "${target.info.label}" has no CKA_ID, so its private key cannot be found.`);
  }
  const key = findFirstObject(api, session, [
    { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
    { type: CKA_ID, value: target.ckaId },
  ]);
  if (!key) throw new KeyNotFoundError(`No private key for the certificate "${target.info.label}" on the token "${target.token.info.label}".`);
  return key;
}
