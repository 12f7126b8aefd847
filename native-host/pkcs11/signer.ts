// Signing with a token key: log in for this operation only, find the key by CKA_ID, sign with
// the mechanism the algorithm table picks, log out and close the session in every case.
import { TokensignError, type PinState } from '../../shared/protocol';
import { chooseDigestMechanism, chooseMechanism, digestMechanismInput, mechanismInput, type SigningProfile } from './algorithms';
import type { TokenCertificate } from './certificate';
import { findFirstObject, findObjects, readAttribute, ulongOf } from './certificate';
import {
  CKA_ALWAYS_AUTHENTICATE,
  CKA_CLASS,
  CKA_ID,
  CKA_VALUE,
  CKF_SERIAL_SESSION,
  CKO_CERTIFICATE,
  CKO_PRIVATE_KEY,
  CKR,
  CKU_USER,
} from './constants';
import { ckrOf, isCkr, toTokensignError } from './errors';
import type { Handle, Pkcs11Api } from './module';
import { isTokenStillPresent, readPinState, type TokenRef } from './token';

/** CKU_CONTEXT_SPECIFIC: re-authentication for keys with CKA_ALWAYS_AUTHENTICATE (PIV signature keys). */
const CKU_CONTEXT_SPECIFIC = 2;
/** Large enough for RSA-16384 and any ECDSA/GOST signature; pkcs11js returns the used slice. */
const SIGNATURE_BUFFER_BYTES = 2048;
/** Output buffer of the synchronous C_Sign, allocated once. */
const syncSignatureBuffer = Buffer.alloc(SIGNATURE_BUFFER_BYTES);

export type SignFunction = (toBeSigned: Uint8Array) => Promise<Uint8Array>;

/** For the IFCPlugin adapter's raw signatures (docs/PROTOCOL-EXTENSIONS.md). */
export interface SigningOptions {
  /** `sign` receives the digest, not the message. */
  prehashed?: boolean;
  /** Return the token's output as is, not the CMS encoding of it. */
  rawSignature?: boolean;
  /**
   * PIN flags from a C_GetTokenInfo the caller made just now while checking that the token is the
   * certificate's (same serial and label): the presence check and flag read are then skipped.
   */
  pinState?: PinState;
  /**
   * False when `pinState` came from keptSessionPinState() rather than a check made just now: the
   * operation then relies on C_Login in the kept session to tell a removed token, and checks the
   * token's identity itself before any login in another session.
   */
  tokenIdentityVerified?: boolean;
}

const mechanismCache = new Map<string, ReadonlySet<number>>();

/** C_GetMechanismList of the token, cached per token id for the life of the host. */
export function tokenMechanisms(target: TokenCertificate): ReadonlySet<number> {
  const key = target.token.info.id;
  let set = mechanismCache.get(key);
  if (!set) {
    set = new Set(target.token.module.api.C_GetMechanismList(target.token.slot));
    mechanismCache.set(key, set);
  }
  return set;
}

/** A session kept open on a token between operations (never logged in between them). */
interface KeptSession {
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
/** CKA_ALWAYS_AUTHENTICATE of the key of each certificate id (a property of the key, read once). */
const alwaysAuthenticateCache = new Map<string, boolean>();
/** Inputs up to this size are signed with the synchronous C_Sign (no thread-pool hop). */
const SYNC_SIGN_MAX_BYTES = 4096;
/**
 * Modules whose private key handles do not survive a logout (SoftHSM hands out new ones at each
 * login): the key is found by CKA_ID every time there, without trying a kept handle first.
 */
const unstableKeyHandles = new WeakSet<Pkcs11Api>();
const SESSION_LOST: ReadonlySet<number> = new Set([CKR.CKR_SESSION_HANDLE_INVALID, CKR.CKR_SESSION_CLOSED, CKR.CKR_DEVICE_REMOVED, CKR.CKR_TOKEN_NOT_PRESENT]);

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

/**
 * The kept session of the token if free, else a new session (kept for next time when none is kept).
 * Reuse is only allowed when the operation logs in first: C_Login is then the call that tells a
 * dead kept session, and the operation starts over in a new one.
 */
function acquireSession(tokenId: string, api: Pkcs11Api, slot: Handle, allowReuse: boolean): { kept: KeptSession; reused: boolean } {
  const existing = keptSessions.get(tokenId);
  if (allowReuse && existing && !existing.busy && existing.api === api && existing.slot.equals(slot)) {
    // The idle timer stays armed: it leaves a busy session alone, and is re-armed at release.
    existing.busy = true;
    return { kept: existing, reused: true };
  }
  if (existing && !existing.busy) dropKept(tokenId, existing);
  const kept: KeptSession = {
    session: api.C_OpenSession(slot, CKF_SERIAL_SESSION),
    slot,
    api,
    verified: new Set(),
    keys: new Map(),
    busy: true,
    idleTimer: undefined,
    pinState: undefined,
  };
  if (!keptSessions.has(tokenId)) keptSessions.set(tokenId, kept);
  return { kept, reused: false };
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
function releaseSession(tokenId: string, kept: KeptSession, clean: boolean, pinState?: PinState): void {
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

/**
 * Runs `operation` with a sign function bound to the certificate's private key.
 * `pin` is used for C_Login only and is never stored or put in an error.
 * Limitation: pkcs11js cannot pass a NULL PIN, so for a protected authentication path (PIN pad)
 * C_Login gets an empty PIN (pointer to "", length 0), which PIN-pad modules treat as "ask the reader".
 *
 * Speed (warm path): the caller may pass `pinState` read by its own C_GetTokenInfo that checked the
 * token's serial and label just now; the check is then not repeated here. One session per token is
 * kept open between operations (logged out), with the PIN flags it ended with. PKCS#11 closes every
 * session of a removed token, so while that session stays valid the token was not swapped: the
 * caller may then pass those kept flags (`tokenIdentityVerified: false`) and no token info is read; C_Login
 * in the kept session is the check, and before any login in a new session the token's serial and
 * label are read (so a PIN never reaches a token put in its place). A certificate whose bytes were
 * compared on the token in this session is not read back again. The key handle found in the kept
 * session is reused after a check of its class and CKA_ID, except on modules seen to change private
 * key handles across logins (SoftHSM), where it is found by CKA_ID each time.
 */
export async function withSigningKey<T>(
  target: TokenCertificate,
  pin: string | undefined,
  algorithm: SigningProfile,
  operation: (sign: SignFunction) => Promise<T>,
  options: SigningOptions = {},
): Promise<T> {
  const { token } = target;
  const api = token.module.api;
  const context = {
    action: `signing on token "${token.info.label}"`,
    pinFlags: () => readPinState(token.module, token.slot),
    tokenPresent: () => isTokenStillPresent(token),
  };
  let pinState: PinState;
  /** Whether this operation has seen the token's serial and label in its slot (or the caller did just now). */
  let identityChecked = false;
  const checkIdentity = (): void => {
    if (!isTokenStillPresent(token)) throw new TokensignError('TOKEN_REMOVED', `The token "${token.info.label}" was removed.`);
    pinState = readPinState(token.module, token.slot) ?? token.info.pin;
    identityChecked = true;
  };
  if (options.pinState) {
    pinState = options.pinState;
    identityChecked = options.tokenIdentityVerified !== false;
  } else {
    pinState = token.info.pin;
    checkIdentity();
  }
  if (pinState.locked) throw new TokensignError('PIN_LOCKED', 'The PIN is locked after too many wrong tries.');
  const hasPin = typeof pin === 'string' && pin.length > 0;
  if (pinState.loginRequired && !pinState.protectedPath && !hasPin) {
    throw new TokensignError('PIN_REQUIRED', `The token "${token.info.label}" needs its PIN to sign.`);
  }
  const shouldLogin = hasPin || (pinState.loginRequired && pinState.protectedPath);
  const loginPin = hasPin ? pin : '';
  // Without a login, nothing in the operation would tell a swapped token: check it now.
  if (!shouldLogin && !identityChecked) checkIdentity();

  let mechanisms: ReadonlySet<number>;
  try {
    mechanisms = tokenMechanisms(target);
  } catch (e) {
    throw toTokensignError(e, context);
  }
  const choice = options.prehashed ? chooseDigestMechanism(algorithm, mechanisms) : chooseMechanism(algorithm, mechanisms);
  if (!choice) {
    throw new TokensignError('UNSUPPORTED_ALGORITHM', `The token "${token.info.label}" offers no mechanism for ${target.info.keyAlgorithm} signatures.`);
  }

  const tokenId = token.info.id;
  let kept: KeptSession | undefined;
  let loggedIn = false;
  let clean = false;
  try {
    let acquired = acquireSession(tokenId, api, token.slot, shouldLogin);
    kept = acquired.kept;
    // A new session proves nothing about the token: see its identity before sending it the PIN.
    if (!acquired.reused && !identityChecked) checkIdentity();
    const login = (session: Handle): void => {
      try {
        api.C_Login(session, CKU_USER, loginPin);
      } catch (e) {
        // Logged in by someone else sharing the module: log out and log in again so the PIN is still checked.
        if (!isCkr(e, CKR.CKR_USER_ALREADY_LOGGED_IN)) throw e;
        api.C_Logout(session);
        api.C_Login(session, CKU_USER, loginPin);
      }
    };
    if (shouldLogin) {
      try {
        login(kept.session);
      } catch (e) {
        // A kept session that died (token removed and maybe put back): start over in a new one.
        const code = ckrOf(e);
        if (!acquired.reused || code === null || !SESSION_LOST.has(code)) throw e;
        releaseSession(tokenId, kept, false);
        kept = undefined;
        acquired = acquireSession(tokenId, api, token.slot, false);
        kept = acquired.kept;
        if (!identityChecked) checkIdentity();
        login(kept.session);
      }
      loggedIn = true;
    }
    const openSession = kept.session;
    if (!kept.verified.has(target.info.id)) {
      assertSameCertificate(api, openSession, target);
      kept.verified.add(target.info.id);
    }
    const key = keyFor(api, kept, target);
    let alwaysAuthenticate = alwaysAuthenticateCache.get(target.info.id);
    if (alwaysAuthenticate === undefined) {
      alwaysAuthenticate = readAttribute(api, openSession, key, CKA_ALWAYS_AUTHENTICATE)?.[0] === 1;
      alwaysAuthenticateCache.set(target.info.id, alwaysAuthenticate);
    }
    const contextLogin = alwaysAuthenticate && shouldLogin;
    const sign: SignFunction = async (toBeSigned) => {
      const input = options.prehashed ? digestMechanismInput(algorithm, choice, toBeSigned) : mechanismInput(algorithm, choice, toBeSigned);
      api.C_SignInit(openSession, choice.parameter ? { mechanism: choice.mechanism, parameter: choice.parameter } : { mechanism: choice.mechanism }, key);
      if (contextLogin) api.C_Login(openSession, CKU_CONTEXT_SPECIFIC, loginPin);
      // A view, not a copy: the input is this call's own bytes and stays unchanged while the token signs.
      const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      // The synchronous call writes into one buffer kept for it (nothing else runs meanwhile); the
      // thread-pool call gets its own. Either way the output is copied out at once below.
      const raw =
        data.length <= SYNC_SIGN_MAX_BYTES
          ? api.C_Sign(openSession, data, syncSignatureBuffer)
          : await api.C_SignAsync(openSession, data, Buffer.alloc(SIGNATURE_BUFFER_BYTES));
      return options.rawSignature ? new Uint8Array(raw) : algorithm.encodeSignature(new Uint8Array(raw));
    };
    const result = await operation(sign);
    clean = true;
    return result;
  } catch (e) {
    // The key may have changed under the same certificate: read its attribute again next time.
    alwaysAuthenticateCache.delete(target.info.id);
    throw toTokensignError(e, context);
  } finally {
    if (kept) {
      if (loggedIn) {
        try {
          api.C_Logout(kept.session);
        } catch {
          // Session already gone (token removed): nothing to log out of.
          clean = false;
        }
      }
      releaseSession(tokenId, kept, clean, pinState);
    }
  }
}

/** Guards against signing on a token that was swapped for another one with the same slot. */
function assertSameCertificate(api: Pkcs11Api, session: Handle, target: TokenCertificate): void {
  const candidates = findObjects(api, session, [
    { type: CKA_CLASS, value: CKO_CERTIFICATE },
    { type: CKA_ID, value: target.ckaId },
  ]);
  const same = candidates.some((c) => readAttribute(api, session, c, CKA_VALUE)?.equals(target.der));
  if (!same) throw new TokensignError('TOKEN_REMOVED', `The certificate is no longer on the token "${target.token.info.label}".`);
}

/**
 * The certificate's private key: the handle found earlier in this kept session if it still names a
 * private key with the certificate's CKA_ID (one C_GetAttributeValue), else found again by CKA_ID.
 */
function keyFor(api: Pkcs11Api, kept: KeptSession, target: TokenCertificate): Handle {
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
    throw new TokensignError('KEY_NOT_FOUND', `The certificate "${target.info.label}" has no CKA_ID, so its private key cannot be found.`);
  }
  const key = findFirstObject(api, session, [
    { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
    { type: CKA_ID, value: target.ckaId },
  ]);
  if (!key) throw new TokensignError('KEY_NOT_FOUND', `No private key for the certificate "${target.info.label}" on the token "${target.token.info.label}".`);
  return key;
}
