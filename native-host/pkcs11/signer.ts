// Signing with a token key, one operation from start to end (withSigningKey): take the token's kept
// session, or check the token in the slot is the certificate's and open one; log in with the PIN for
// this operation only, check the certificate is on the token and find its key by CKA_ID, sign with
// the mechanism the algorithm table picks, check the signature against the certificate, then log
// out and keep the session (or close it when anything went wrong). The session pool and the object
// searches are in session.ts, the signature check in signature-check.ts.
import { BoundedCache } from '../../shared/bounded-cache';
import type { PinState } from '../../shared/protocol';
import { PinLockedError, PinRequiredError, TokenRemovedError, UnsupportedAlgorithmError } from '../../shared/errors';
import { chooseDigestMechanism, chooseMechanism, digestMechanismInput, mechanismInput, type MechanismChoice, type SigningProfile } from './algorithms';
import type { TokenCertificate } from './certificate';
import { CKA_ALWAYS_AUTHENTICATE, CKR, CKU_USER } from './constants';
import { isCkr, toTokensignError, type ErrorContext } from './errors';
import type { Handle, Pkcs11Api } from './module';
import {
  forgetSlotSessions,
  hasCertificate,
  isSessionLost,
  openSession,
  privateKeyOf,
  readAttribute,
  releaseSession,
  reuseKeptSession,
  type KeptSession,
} from './session';
import { canCheckDigestSignature, signatureMatchesCertificate } from './signature-check';
import { isTokenBackSoon, isTokenStillPresent, readPinState, type TokenRef } from './token';

export { closeKeptSessions, keptSessionPinState } from './session';

/** CKU_CONTEXT_SPECIFIC: re-authentication for keys with CKA_ALWAYS_AUTHENTICATE (PIV signature keys). */
const CKU_CONTEXT_SPECIFIC = 2;
/** Large enough for RSA-16384 and any ECDSA/GOST signature; pkcs11js returns the used slice. */
const SIGNATURE_BUFFER_BYTES = 2048;
/** Output buffer of the synchronous C_Sign, allocated once. */
const syncSignatureBuffer = Buffer.alloc(SIGNATURE_BUFFER_BYTES);
/** Inputs up to this size are signed with the synchronous C_Sign (no thread-pool hop). */
const SYNC_SIGN_MAX_BYTES = 4096;

export type SignFunction = (toBeSigned: Uint8Array) => Promise<Uint8Array>;

/** For the IFCPlugin adapter's raw signatures (docs/PROTOCOL.md §2.4). */
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

const mechanismCache = new BoundedCache<string, ReadonlySet<number>>(256);
/** CKA_ALWAYS_AUTHENTICATE of the key of each certificate id (a property of the key, read once). */
const alwaysAuthenticateCache = new BoundedCache<string, boolean>(1024);

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
  const context = errorContext(token);
  const identity = new TokenIdentity(token, options);
  const loginPin = loginPinFor(identity.pinState, pin, token);
  // Without a login, nothing in the operation would tell a swapped token: check it now.
  if (loginPin === null) identity.verify();
  const mechanism = signingMechanism(target, algorithm, options.prehashed === true, context);

  let kept: KeptSession | undefined;
  let loggedIn = false;
  let clean = false;
  let foreign = false;
  try {
    // 1. The kept session (only when logging in: C_Login is then what tells a dead one).
    const reused = loginPin !== null ? reuseKeptSession(token) : null;
    // 2. Otherwise the token's identity, checked before a new session is opened: a card event the
    //    module handles during the check closes every session on the slot, a new one too (OpenSC).
    if (!reused) identity.verify();
    kept = reused ?? openSession(token);
    // 3. Log in; a kept session that died (card removed and maybe put back) is replaced once.
    if (loginPin !== null) {
      try {
        logIn(token.module.api, kept.session, loginPin);
      } catch (e) {
        if (!reused || !isSessionLost(e)) throw e;
        releaseSession(token.info.id, kept, false);
        kept = undefined;
        // The session died with its card; one put back at once may still be powering up.
        await identity.verifyReturned();
        kept = openSession(token);
        logIn(token.module.api, kept.session, loginPin);
      }
      loggedIn = true;
    }
    // 4. The certificate on the token, and its private key.
    ensureCertificateOnToken(kept, target);
    const key = privateKeyOf(kept, target);
    // 5. Sign.
    const sign = signFunction({ session: kept.session, key, target, algorithm, choice: mechanism, options, loginPin, onForeignSignature: () => (foreign = true) });
    const result = await operation(sign);
    clean = true;
    return result;
  } catch (e) {
    // The key may have changed under the same certificate: read its attribute again next time.
    alwaysAuthenticateCache.delete(target.info.id);
    throw toTokensignError(e, context);
  } finally {
    // 6. Log out, and keep the session for next time only when all went well.
    if (kept) endOperation(token, kept, loggedIn, clean, identity.pinState);
    // Another card signed: make the module forget its view of the old one, so the next scan sees the new card.
    if (foreign) forgetToken(token);
  }
}

/** What one operation knows of the token in the slot: its PIN flags, and whether its serial and label were seen there. */
class TokenIdentity {
  pinState: PinState;
  /** Whether this operation has seen the token's serial and label in its slot (or the caller did just now). */
  private verified: boolean;

  constructor(
    private readonly token: TokenRef,
    options: SigningOptions,
  ) {
    this.pinState = options.pinState ?? token.info.pin;
    this.verified = options.pinState !== undefined && options.tokenIdentityVerified !== false;
    if (!options.pinState) this.verify();
  }

  /** Checks (once per operation) that the token in the slot is the certificate's, and reads its PIN flags. */
  verify(): void {
    if (!this.verified) this.settle(isTokenStillPresent(this.token));
  }

  /** verify, after the token's kept session died: a card taken out and put back is given a moment to be read again. */
  async verifyReturned(): Promise<void> {
    if (!this.verified) this.settle(await isTokenBackSoon(this.token));
  }

  private settle(present: boolean): void {
    if (!present) throw new TokenRemovedError(`The token "${this.token.info.label}" was removed.`);
    this.pinState = readPinState(this.token.module, this.token.slot) ?? this.token.info.pin;
    this.verified = true;
  }
}

function errorContext(token: TokenRef): ErrorContext {
  return {
    action: `signing on token "${token.info.label}"`,
    pinFlags: () => readPinState(token.module, token.slot),
    tokenPresent: () => isTokenStillPresent(token),
  };
}

/** The PIN for C_Login ("" for a PIN pad), or null when the operation logs in not at all; refuses a locked or missing PIN. */
function loginPinFor(pinState: PinState, pin: string | undefined, token: TokenRef): string | null {
  if (pinState.locked) throw new PinLockedError('The PIN is locked after too many wrong tries.');
  const hasPin = typeof pin === 'string' && pin.length > 0;
  if (pinState.loginRequired && !pinState.protectedPath && !hasPin) {
    throw new PinRequiredError(`The token "${token.info.label}" needs its PIN to sign.`);
  }
  if (hasPin) return pin;
  return pinState.loginRequired && pinState.protectedPath ? '' : null;
}

/** The mechanism the algorithm table picks among the token's, or UNSUPPORTED_ALGORITHM. */
function signingMechanism(target: TokenCertificate, algorithm: SigningProfile, prehashed: boolean, context: ErrorContext): MechanismChoice {
  let mechanisms: ReadonlySet<number>;
  try {
    mechanisms = tokenMechanisms(target);
  } catch (e) {
    throw toTokensignError(e, context);
  }
  // A signature the host could not check never leaves it: refused before the PIN is used.
  if (prehashed && !canCheckDigestSignature(target)) {
    throw new UnsupportedAlgorithmError(`A ${target.info.keyAlgorithm} signature over a given hash cannot be checked against the certificate here.`);
  }
  const choice = prehashed ? chooseDigestMechanism(algorithm, mechanisms) : chooseMechanism(algorithm, mechanisms);
  if (!choice) {
    throw new UnsupportedAlgorithmError(`The token "${target.token.info.label}" offers no mechanism for ${target.info.keyAlgorithm} signatures.`);
  }
  return choice;
}

function logIn(api: Pkcs11Api, session: Handle, pin: string): void {
  try {
    api.C_Login(session, CKU_USER, pin);
  } catch (e) {
    // Logged in by someone else sharing the module: log out and log in again so the PIN is still checked.
    if (!isCkr(e, CKR.CKR_USER_ALREADY_LOGGED_IN)) throw e;
    api.C_Logout(session);
    api.C_Login(session, CKU_USER, pin);
  }
}

/** Guards against signing on a token that was swapped for another one with the same slot. */
function ensureCertificateOnToken(kept: KeptSession, target: TokenCertificate): void {
  if (kept.verified.has(target.info.id)) return;
  if (!hasCertificate(kept.api, kept.session, target)) {
    throw new TokenRemovedError(`The certificate is no longer on the token "${target.token.info.label}".`);
  }
  kept.verified.add(target.info.id);
}

/** CKA_ALWAYS_AUTHENTICATE of the certificate's key, read once per certificate. */
function alwaysAuthenticate(api: Pkcs11Api, session: Handle, key: Handle, target: TokenCertificate): boolean {
  let value = alwaysAuthenticateCache.get(target.info.id);
  if (value === undefined) {
    value = readAttribute(api, session, key, CKA_ALWAYS_AUTHENTICATE)?.[0] === 1;
    alwaysAuthenticateCache.set(target.info.id, value);
  }
  return value;
}

/** What the sign function of one operation signs with. */
interface SigningKey {
  session: Handle;
  key: Handle;
  target: TokenCertificate;
  algorithm: SigningProfile;
  choice: MechanismChoice;
  options: SigningOptions;
  loginPin: string | null;
  /** Told when the token's signature does not match the certificate (another card in the reader). */
  onForeignSignature: () => void;
}

/**
 * The sign function handed to the operation: one C_SignInit and C_Sign per call (with the context
 * login PIV keys want), and the signature checked against the certificate before it is returned.
 */
function signFunction({ session, key, target, algorithm, choice, options, loginPin, onForeignSignature }: SigningKey): SignFunction {
  const api = target.token.module.api;
  const contextLogin = loginPin !== null && alwaysAuthenticate(api, session, key, target);
  const mechanism = choice.parameter ? { mechanism: choice.mechanism, parameter: choice.parameter } : { mechanism: choice.mechanism };
  return async (toBeSigned) => {
    const input = options.prehashed ? digestMechanismInput(algorithm, choice, toBeSigned) : mechanismInput(algorithm, choice, toBeSigned);
    api.C_SignInit(session, mechanism, key);
    if (contextLogin) api.C_Login(session, CKU_CONTEXT_SPECIFIC, loginPin);
    // A view, not a copy: the input is this call's own bytes and stays unchanged while the token signs.
    const data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    // The synchronous call writes into one buffer kept for it (nothing else runs meanwhile); the
    // thread-pool call gets its own. Either way the output is copied out at once below.
    const raw = new Uint8Array(
      data.length <= SYNC_SIGN_MAX_BYTES
        ? api.C_Sign(session, data, syncSignatureBuffer)
        : await api.C_SignAsync(session, data, Buffer.alloc(SIGNATURE_BUFFER_BYTES)),
    );
    const digest = options.prehashed ? toBeSigned : algorithm.digest.hash(toBeSigned);
    if (!signatureMatchesCertificate(target, algorithm, digest, raw, options.prehashed ? undefined : toBeSigned)) {
      onForeignSignature();
      throw new TokenRemovedError(`The card in the reader is not the one holding "${target.info.label}": its signature does not match the certificate.`);
    }
    return options.rawSignature ? raw : algorithm.encodeSignature(raw);
  };
}

function forgetToken(token: TokenRef): void {
  try {
    token.module.reinitialize();
  } catch {
    // The next operation reports what is wrong with the module.
  }
  forgetSlotSessions(token.module.api, null);
  mechanismCache.delete(token.info.id);
}

/** Logs out (a failure means the session is gone) and keeps the session only when the operation ended cleanly. */
function endOperation(token: TokenRef, kept: KeptSession, loggedIn: boolean, clean: boolean, pinState: PinState): void {
  let keep = clean;
  if (loggedIn) {
    try {
      token.module.api.C_Logout(kept.session);
    } catch {
      // Session already gone (token removed): nothing to log out of.
      keep = false;
    }
  }
  releaseSession(token.info.id, kept, keep, pinState);
}
