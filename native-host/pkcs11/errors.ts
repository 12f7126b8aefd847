// CKR_* → docs/PROTOCOL.md §2 error codes. One place, so every command reports a token failure alike.
import { PinIncorrectError, PinInvalidError, PinLockedError, TokenOperationError, TokenRemovedError } from '../../shared/errors';
import { TokensignError } from '../../shared/protocol';
import { CKR, ckrName } from './constants';

/** The CKR_* code carried by a pkcs11js error, or null for anything else. */
export function ckrOf(error: unknown): number | null {
  if (!(error instanceof Error)) return null;
  const withCode = error as Error & { code?: unknown };
  if (/^CKR_/.test(error.message) && typeof withCode.code === 'number') return withCode.code;
  const m = /(CKR_\w+):(\d+)/.exec(error.message);
  return m ? Number(m[2]) : null;
}

export function isCkr(error: unknown, code: number): boolean {
  return ckrOf(error) === code;
}

const REMOVAL_CODES: ReadonlySet<number> = new Set([
  CKR.CKR_DEVICE_REMOVED,
  CKR.CKR_TOKEN_NOT_PRESENT,
  CKR.CKR_TOKEN_NOT_RECOGNIZED,
  CKR.CKR_SLOT_ID_INVALID,
]);
const SESSION_LOST_CODES: ReadonlySet<number> = new Set([CKR.CKR_SESSION_HANDLE_INVALID, CKR.CKR_SESSION_CLOSED]);

export interface PinFlags {
  countLow: boolean;
  finalTry: boolean;
  locked: boolean;
}

export interface ErrorContext {
  /** What was being done, for the message ("logging in to «Rutoken ECP»"). */
  action: string;
  /** Re-reads the PIN flags after a failed login (PIN_INCORRECT details). */
  pinFlags?: () => PinFlags | null;
  /** True when the token is still in its slot (tells removal from a plain session failure). */
  tokenPresent?: () => boolean;
}

/** Turns anything thrown during a token operation into a TokensignError with a §2 code. */
export function toTokensignError(error: unknown, context: ErrorContext): TokensignError {
  if (error instanceof TokensignError) return error;
  const code = ckrOf(error);
  if (code === null) {
    const message = error instanceof Error ? error.message : String(error);
    return new TokenOperationError(`${context.action} failed: ${message}`);
  }
  const name = ckrName(code);
  switch (code) {
    case CKR.CKR_PIN_INCORRECT: {
      const flags = safe(context.pinFlags) ?? { countLow: false, finalTry: false, locked: false };
      if (flags.locked) return new PinLockedError('The PIN is locked after too many wrong tries.', { ckr: name });
      const hint = flags.finalTry ? ' One try left before the PIN locks.' : flags.countLow ? ' Few tries left.' : '';
      return new PinIncorrectError(`Wrong PIN.${hint}`, {
        countLow: flags.countLow,
        finalTry: flags.finalTry,
        ckr: name,
      });
    }
    case CKR.CKR_PIN_LOCKED:
      return new PinLockedError('The PIN is locked after too many wrong tries.', { ckr: name });
    case CKR.CKR_PIN_LEN_RANGE:
    case CKR.CKR_PIN_INVALID:
      return new PinInvalidError('The token rejected the PIN: wrong length or characters.', { ckr: name });
    case CKR.CKR_PIN_EXPIRED:
      return new TokenOperationError('The PIN has expired: change it with the token vendor tool.', { ckr: name });
  }
  if (REMOVAL_CODES.has(code)) return new TokenRemovedError('The token was removed.', { ckr: name });
  if (SESSION_LOST_CODES.has(code)) {
    const present = safe(context.tokenPresent);
    if (present === false) return new TokenRemovedError('The token was removed.', { ckr: name });
  }
  return new TokenOperationError(`${context.action} failed: ${name}`, { ckr: name });
}

function safe<T>(fn: (() => T) | undefined): T | null {
  if (!fn) return null;
  try {
    return fn();
  } catch {
    return null;
  }
}
