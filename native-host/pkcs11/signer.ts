// Signing with a token key: log in for this operation only, find the key by CKA_ID, sign with
// the mechanism the algorithm table picks, log out and close the session in every case.
import { TokensignError } from '../../shared/protocol';
import { chooseDigestMechanism, chooseMechanism, digestMechanismInput, mechanismInput, type SignatureAlgorithm } from './algorithms';
import type { TokenCertificate } from './certificate';
import { findObjects, readAttribute } from './certificate';
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
import { isCkr, toTokensignError } from './errors';
import type { Handle } from './module';
import { isTokenStillPresent, readPinState } from './token';

/** CKU_CONTEXT_SPECIFIC: re-authentication for keys with CKA_ALWAYS_AUTHENTICATE (PIV signature keys). */
const CKU_CONTEXT_SPECIFIC = 2;
/** Large enough for RSA-16384 and any ECDSA/GOST signature; pkcs11js returns the used slice. */
const SIGNATURE_BUFFER_BYTES = 2048;

export type SignFunction = (toBeSigned: Uint8Array) => Promise<Uint8Array>;

/** For the IFCPlugin adapter's raw signatures (docs/PROTOCOL-EXTENSIONS.md). */
export interface SigningOptions {
  /** `sign` receives the digest, not the message. */
  prehashed?: boolean;
  /** Return the token's output as is, not the CMS encoding of it. */
  rawSignature?: boolean;
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

/**
 * Runs `operation` with a sign function bound to the certificate's private key.
 * `pin` is used for C_Login only and is never stored or put in an error.
 * Limitation: pkcs11js cannot pass a NULL PIN, so for a protected authentication path (PIN pad)
 * C_Login gets an empty PIN (pointer to "", length 0), which PIN-pad modules treat as "ask the reader".
 */
export async function withSigningKey<T>(
  target: TokenCertificate,
  pin: string | undefined,
  algorithm: SignatureAlgorithm,
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
  if (!isTokenStillPresent(token)) throw new TokensignError('TOKEN_REMOVED', `The token "${token.info.label}" was removed.`);

  const pinState = readPinState(token.module, token.slot) ?? token.info.pin;
  if (pinState.locked) throw new TokensignError('PIN_LOCKED', 'The PIN is locked after too many wrong tries.');
  const hasPin = typeof pin === 'string' && pin.length > 0;
  if (pinState.loginRequired && !pinState.protectedPath && !hasPin) {
    throw new TokensignError('PIN_REQUIRED', `The token "${token.info.label}" needs its PIN to sign.`);
  }
  const shouldLogin = hasPin || (pinState.loginRequired && pinState.protectedPath);
  const loginPin = hasPin ? pin : '';

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

  let session: Handle | undefined;
  let loggedIn = false;
  try {
    session = api.C_OpenSession(token.slot, CKF_SERIAL_SESSION);
    if (shouldLogin) {
      try {
        api.C_Login(session, CKU_USER, loginPin);
      } catch (e) {
        // Logged in by someone else sharing the module: log out and log in again so the PIN is still checked.
        if (!isCkr(e, CKR.CKR_USER_ALREADY_LOGGED_IN)) throw e;
        api.C_Logout(session);
        api.C_Login(session, CKU_USER, loginPin);
      }
      loggedIn = true;
    }
    const openSession = session;
    assertSameCertificate(api, openSession, target);
    const key = findPrivateKey(api, openSession, target);
    const alwaysAuthenticate = readAttribute(api, openSession, key, CKA_ALWAYS_AUTHENTICATE)?.[0] === 1;
    const sign: SignFunction = async (toBeSigned) => {
      const input = options.prehashed ? digestMechanismInput(algorithm, choice, toBeSigned) : mechanismInput(algorithm, choice, toBeSigned);
      api.C_SignInit(openSession, choice.parameter ? { mechanism: choice.mechanism, parameter: choice.parameter } : { mechanism: choice.mechanism }, key);
      if (alwaysAuthenticate && shouldLogin) api.C_Login(openSession, CKU_CONTEXT_SPECIFIC, loginPin);
      const raw = await api.C_SignAsync(openSession, Buffer.from(input), Buffer.alloc(SIGNATURE_BUFFER_BYTES));
      return options.rawSignature ? new Uint8Array(raw) : algorithm.encodeSignature(new Uint8Array(raw));
    };
    return await operation(sign);
  } catch (e) {
    throw toTokensignError(e, context);
  } finally {
    if (session) {
      if (loggedIn) {
        try {
          api.C_Logout(session);
        } catch {
          // Session already gone (token removed): nothing to log out of.
        }
      }
      try {
        api.C_CloseSession(session);
      } catch {
        // As above.
      }
    }
  }
}

/** Guards against signing on a token that was swapped for another one with the same slot. */
function assertSameCertificate(api: TokenCertificate['token']['module']['api'], session: Handle, target: TokenCertificate): void {
  const candidates = findObjects(api, session, [
    { type: CKA_CLASS, value: CKO_CERTIFICATE },
    { type: CKA_ID, value: target.ckaId },
  ]);
  const same = candidates.some((c) => readAttribute(api, session, c, CKA_VALUE)?.equals(target.der));
  if (!same) throw new TokensignError('TOKEN_REMOVED', `The certificate is no longer on the token "${target.token.info.label}".`);
}

function findPrivateKey(api: TokenCertificate['token']['module']['api'], session: Handle, target: TokenCertificate): Handle {
  if (target.ckaId.length === 0) {
    throw new TokensignError('KEY_NOT_FOUND', `The certificate "${target.info.label}" has no CKA_ID, so its private key cannot be found.`);
  }
  const keys = findObjects(api, session, [
    { type: CKA_CLASS, value: CKO_PRIVATE_KEY },
    { type: CKA_ID, value: target.ckaId },
  ]);
  const key = keys[0];
  if (!key) throw new TokensignError('KEY_NOT_FOUND', `No private key for the certificate "${target.info.label}" on the token "${target.token.info.label}".`);
  return key;
}
