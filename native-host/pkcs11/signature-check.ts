// Every signature a token returns is checked against its certificate's public key before it
// leaves the host. A card swapped in the reader while the module kept its view of the old one
// (OpenSC after a card reset: nothing readable through PKCS#11 shows the swap) signs with another
// person's key, and a faulty token returns garbage: both are caught here (issue 15).
import type { KeyObject } from 'node:crypto';
import { readX509Fields } from '../../shared/certificate';
import { tlv } from '../../shared/der';
import { NIST_CURVES, verifyEcdsaDigest, type WeierstrassCurve } from '../../shared/ecdsa';
import { gostPublicKeyFromSpki, verifyGostDigest, type GostPublicKey } from '../../shared/gost/index';
import { nodeCrypto } from '../lazy-builtins';
import { digestInfo, type SigningProfile } from './algorithms';
import type { TokenCertificate } from './certificate';

type CheckKey =
  | { kind: 'rsa'; key: KeyObject }
  | { kind: 'ecdsa'; key: KeyObject; curve: WeierstrassCurve | undefined; point: { x: bigint; y: bigint } }
  | { kind: 'gost'; key: GostPublicKey };

/** The public key of each certificate, read once (certificates never change). */
const keys = new WeakMap<TokenCertificate, CheckKey>();

function bigintOf(base64url: string | undefined): bigint {
  return BigInt('0x' + (Buffer.from(base64url ?? '', 'base64url').toString('hex') || '0'));
}

function checkKeyOf(target: TokenCertificate): CheckKey {
  let key = keys.get(target);
  if (key) return key;
  const spki = tlv(readX509Fields(target.der).subjectPublicKeyInfo);
  if (target.info.keyAlgorithm.startsWith('GOST-')) key = { kind: 'gost', key: gostPublicKeyFromSpki(spki) };
  else {
    const publicKey = nodeCrypto().createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    if (publicKey.asymmetricKeyType === 'rsa') key = { kind: 'rsa', key: publicKey };
    else {
      const jwk = publicKey.export({ format: 'jwk' });
      key = { kind: 'ecdsa', key: publicKey, curve: NIST_CURVES[jwk.crv ?? ''], point: { x: bigintOf(jwk.x), y: bigintOf(jwk.y) } };
    }
  }
  keys.set(target, key);
  return key;
}

/** False when a signature over a given digest could not be checked for this key (ECDSA on a curve outside shared/ecdsa's table: P-521). */
export function canCheckDigestSignature(target: TokenCertificate): boolean {
  try {
    const key = checkKeyOf(target);
    return key.kind !== 'ecdsa' || key.curve !== undefined;
  } catch {
    return false;
  }
}

/**
 * Whether `raw` (the token's output, before any CMS encoding) is the certificate key's signature
 * of `digest` (the algorithm's digest of what was signed); `message` is what was signed when the
 * caller had it (then ECDSA on any curve is checked by node:crypto).
 */
export function signatureMatchesCertificate(
  target: TokenCertificate,
  algorithm: SigningProfile,
  digest: Uint8Array,
  raw: Uint8Array,
  message?: Uint8Array,
): boolean {
  try {
    const key = checkKeyOf(target);
    switch (key.kind) {
      case 'rsa': {
        // PKCS #1 v1.5: the public operation gives back the DigestInfo the token was asked to sign.
        const { publicDecrypt, constants } = nodeCrypto();
        return publicDecrypt({ key: key.key, padding: constants.RSA_PKCS1_PADDING }, raw).equals(digestInfo(algorithm.digest, digest));
      }
      case 'ecdsa':
        if (message) return nodeCrypto().verify(nodeDigestName(algorithm), message, { key: key.key, dsaEncoding: 'ieee-p1363' }, raw);
        return key.curve !== undefined && verifyEcdsaDigest(key.curve, key.point, digest, raw);
      case 'gost':
        return verifyGostDigest(key.key, digest, raw);
    }
  } catch {
    return false;
  }
}

function nodeDigestName(algorithm: SigningProfile): string {
  return algorithm.digest.name.replace('-', '').toLowerCase();
}
