// Signature and digest checks, one table entry per algorithm OID, on node:crypto.
// A new algorithm (GOST R 34.10-2012, say) is one more entry in SIGNATURE_ALGORITHMS
// (and its hash in DIGEST_ALGORITHMS); nothing else in the verifier changes.
import { BoundedCache } from '../shared/bounded-cache';
import { OID } from '../shared/oids';
import { constants, createPublicKey, hash as oneShotHash, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { DerError, TAG, children, expectTag, readAlgorithm, readRoot, readSmallInteger } from '../shared/der';
import { VerificationError } from './errors';
import { gostKeyOf, streebogHash, verifyGost } from './gost';

export interface DigestAlgorithm {
  name: string;
  hash(data: Uint8Array): Uint8Array;
}

function nodeDigest(name: string): DigestAlgorithm {
  // crypto.hash (Node ≥ 20.12) is several times cheaper than createHash for short inputs.
  return { name, hash: (data) => oneShotHash(name, data, 'buffer') };
}

/** Digest OID → algorithm. SHA-1 and MD5 are deliberately absent. */
export const DIGEST_ALGORITHMS = new Map<string, DigestAlgorithm>([
  [OID.sha224, nodeDigest('sha224')],
  [OID.sha256, nodeDigest('sha256')],
  [OID.sha384, nodeDigest('sha384')],
  [OID.sha512, nodeDigest('sha512')],
  // Streebog: OpenSSL's gost engine after enableGostEngine(), shared/gost otherwise.
  [OID.streebog256, { name: 'streebog256', hash: (data) => streebogHash(256, data) }],
  [OID.streebog512, { name: 'streebog512', hash: (data) => streebogHash(512, data) }],
]);

export interface SignatureCheck {
  /** signatureAlgorithm OID (SignerInfo or Certificate). */
  algorithmOid: string;
  /** Digest OID (SignerInfo.digestAlgorithm); may be omitted when the algorithm names its digest. */
  digestOid?: string;
  /** DER of the AlgorithmIdentifier parameters, when there are any (RSA-PSS). */
  parameters?: Uint8Array;
  /** DER SubjectPublicKeyInfo of the signer. */
  spki: Uint8Array;
  /** The exact bytes that were signed (DER signed attributes with the SET tag, a TBSCertificate, ...). */
  signedBytes: Uint8Array;
  signature: Uint8Array;
}

export interface SignatureAlgorithm {
  name: string;
  /** The digest this algorithm fixes (sha256WithRSAEncryption → SHA-256); absent when SignerInfo.digestAlgorithm decides. */
  digestOid?: string;
  /** True for a good signature, false for a bad one; throws VerificationError('FORMAT') for unusable input. */
  verify(check: SignatureCheck & { digestOid: string }): boolean;
}

const keyCache = new BoundedCache<string, KeyObject>(2000);
const keyByBytes = new WeakMap<Uint8Array, KeyObject>();

/** The node:crypto public key for a DER SPKI, cached (creating one costs more than an RSA verify). */
export function publicKeyOf(spki: Uint8Array): KeyObject {
  const known = keyByBytes.get(spki);
  if (known) return known;
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
  let key = keyCache.get(id);
  if (!key) {
    try {
      key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch (e) {
      throw new VerificationError('FORMAT', `the certificate's public key cannot be loaded: ${(e as Error).message}`);
    }
    keyCache.set(id, key);
  }
  keyByBytes.set(spki, key);
  return key;
}

/** Algorithms we know and refuse, so the message can say why. */
const REFUSED: Record<string, string> = {
  [OID.sha1]: 'SHA-1',
  [OID.md5]: 'MD5',
  [OID.md5WithRsa]: 'md5WithRSAEncryption',
  [OID.sha1WithRsa]: 'sha1WithRSAEncryption (SHA-1)',
  [OID.ecdsaWithSha1]: 'ecdsa-with-SHA1 (SHA-1)',
};

function unsupported(kind: string, oid: string): VerificationError {
  const refused = REFUSED[oid];
  return new VerificationError(
    'FORMAT',
    refused ? `${kind} ${refused} (${oid}) is too weak and not accepted` : `unsupported ${kind} ${oid}`,
  );
}

function digestName(oid: string): string {
  const digest = DIGEST_ALGORITHMS.get(oid);
  if (!digest) throw unsupported('digest algorithm', oid);
  return digest.name;
}

function requireKeyType(key: KeyObject, types: string[], algorithm: string): void {
  if (!types.includes(key.asymmetricKeyType ?? '')) {
    throw new VerificationError(
      'SIGNATURE_INVALID',
      `signature algorithm ${algorithm} does not fit the certificate's ${key.asymmetricKeyType ?? 'unknown'} key`,
    );
  }
}

function safeVerify(run: () => boolean): boolean {
  try {
    return run();
  } catch {
    // node:crypto throws on some malformed signatures (bad DER in ECDSA, wrong length): that is a bad signature.
    return false;
  }
}

function rsaPkcs1(name: string, digestOid?: string): SignatureAlgorithm {
  return {
    name,
    ...(digestOid ? { digestOid } : {}),
    verify(c) {
      const key = publicKeyOf(c.spki);
      requireKeyType(key, ['rsa'], name);
      const hash = digestName(c.digestOid);
      return safeVerify(() => cryptoVerify(hash, c.signedBytes, { key, padding: constants.RSA_PKCS1_PADDING }, c.signature));
    },
  };
}

function ecdsa(name: string, digestOid?: string): SignatureAlgorithm {
  return {
    name,
    ...(digestOid ? { digestOid } : {}),
    verify(c) {
      const key = publicKeyOf(c.spki);
      requireKeyType(key, ['ec'], name);
      const hash = digestName(c.digestOid);
      return safeVerify(() => cryptoVerify(hash, c.signedBytes, { key, dsaEncoding: 'der' }, c.signature));
    },
  };
}

/**
 * GOST R 34.10-2012: signature s‖r big-endian (RFC 4491 / RFC 9215), hash Streebog of the key's size; OpenSSL's gost
 * engine after enableGostEngine(), shared/gost otherwise (gost.ts).
 */
function gost(name: string, size: 256 | 512, digestOid?: string): SignatureAlgorithm {
  const streebogOid = size === 256 ? OID.streebog256 : OID.streebog512;
  return {
    name,
    ...(digestOid ? { digestOid } : {}),
    verify(c) {
      if (c.digestOid !== streebogOid) {
        throw new VerificationError('FORMAT', `${name} needs the digest ${streebogOid}, not ${c.digestOid}`);
      }
      let key;
      try {
        key = gostKeyOf(c.spki);
      } catch (e) {
        throw new VerificationError('SIGNATURE_INVALID', `signature algorithm ${name} does not fit the certificate's key: ${(e as Error).message}`);
      }
      if (key.size !== size) {
        throw new VerificationError('SIGNATURE_INVALID', `signature algorithm ${name} does not fit the certificate's ${key.size}-bit GOST key`);
      }
      return verifyGost(c.spki, c.signedBytes, c.signature);
    },
  };
}

interface PssParameters {
  hashOid: string;
  mgfHashOid: string;
  saltLength: number;
}

/** RSASSA-PSS-params (RFC 4055); the defaults are SHA-1, which the verifier then refuses. */
export function parsePssParameters(parameters: Uint8Array | undefined): PssParameters {
  const out: PssParameters = { hashOid: OID.sha1, mgfHashOid: OID.sha1, saltLength: 20 };
  if (!parameters) return out;
  try {
    for (const field of children(expectTag(readRoot(parameters), TAG.SEQUENCE, 'RSASSA-PSS-params'))) {
      const [inner] = children(field);
      if (field.tag === 0xa0) out.hashOid = readAlgorithm(inner, 'PSS hashAlgorithm').oid;
      else if (field.tag === 0xa1) {
        const mgf = readAlgorithm(inner, 'PSS maskGenAlgorithm');
        if (mgf.oid !== OID.mgf1 || !mgf.parameters) throw new DerError(`mask generation ${mgf.oid} is not OID.mgf1`);
        out.mgfHashOid = readAlgorithm(readRoot(mgf.parameters), 'OID.mgf1 hash').oid;
      } else if (field.tag === 0xa2) {
        if (!inner) throw new DerError('empty saltLength');
        out.saltLength = readSmallInteger(inner);
      }
      else if (field.tag === 0xa3 && inner && readSmallInteger(inner) !== 1) throw new DerError('PSS trailerField must be 1');
    }
  } catch (e) {
    if (e instanceof DerError) throw new VerificationError('FORMAT', `malformed RSA-PSS parameters: ${e.message}`);
    throw e;
  }
  return out;
}

const rsaPss: SignatureAlgorithm = {
  name: 'RSASSA-PSS',
  verify(c) {
    const p = parsePssParameters(c.parameters);
    if (c.digestOid !== p.hashOid) {
      throw new VerificationError('FORMAT', `RSA-PSS hash ${p.hashOid} differs from the digest algorithm ${c.digestOid}`);
    }
    if (p.mgfHashOid !== p.hashOid) {
      throw new VerificationError('FORMAT', `RSA-PSS with OID.mgf1 hash ${p.mgfHashOid} other than the message hash is not supported`);
    }
    const hash = digestName(p.hashOid);
    const key = publicKeyOf(c.spki);
    requireKeyType(key, ['rsa', 'rsa-pss'], 'RSASSA-PSS');
    return safeVerify(() =>
      cryptoVerify(hash, c.signedBytes, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.saltLength }, c.signature),
    );
  },
};

/** Signature algorithm OID → verifier. */
export const SIGNATURE_ALGORITHMS = new Map<string, SignatureAlgorithm>([
  // CMS often names just the key algorithm; SignerInfo.digestAlgorithm then decides the hash.
  [OID.rsaEncryption, rsaPkcs1('RSA PKCS#1 v1.5')],
  [OID.sha224WithRsa, rsaPkcs1('sha224WithRSAEncryption', OID.sha224)],
  [OID.sha256WithRsa, rsaPkcs1('sha256WithRSAEncryption', OID.sha256)],
  [OID.sha384WithRsa, rsaPkcs1('sha384WithRSAEncryption', OID.sha384)],
  [OID.sha512WithRsa, rsaPkcs1('sha512WithRSAEncryption', OID.sha512)],
  [OID.rsaPss, rsaPss],
  [OID.ecPublicKey, ecdsa('ECDSA')],
  [OID.ecdsaWithSha224, ecdsa('ecdsa-with-OID.sha224', OID.sha224)],
  [OID.ecdsaWithSha256, ecdsa('ecdsa-with-OID.sha256', OID.sha256)],
  [OID.ecdsaWithSha384, ecdsa('ecdsa-with-OID.sha384', OID.sha384)],
  [OID.ecdsaWithSha512, ecdsa('ecdsa-with-OID.sha512', OID.sha512)],
  // GOST R 34.10-2012: OpenSSL names the key OID in SignerInfo, the host and X.509 the signature OID.
  [OID.gost2012_256, gost('GOST R 34.10-2012 256', 256)],
  [OID.gost2012_512, gost('GOST R 34.10-2012 512', 512)],
  [OID.gost2012SignWithStreebog256, gost('GOST R 34.10-2012 with Streebog-256', 256, OID.streebog256)],
  [OID.gost2012SignWithStreebog512, gost('GOST R 34.10-2012 with Streebog-512', 512, OID.streebog512)],
]);

/**
 * Checks one signature. Returns false when the signature does not verify; throws
 * VerificationError FORMAT for an algorithm we do not accept or inconsistent algorithm fields.
 */
export function verifySignature(check: SignatureCheck): boolean {
  const algorithm = SIGNATURE_ALGORITHMS.get(check.algorithmOid);
  if (!algorithm) throw unsupported('signature algorithm', check.algorithmOid);
  let digestOid = check.digestOid ?? algorithm.digestOid;
  if (algorithm.digestOid && check.digestOid && algorithm.digestOid !== check.digestOid) {
    throw new VerificationError(
      'FORMAT',
      `signature algorithm ${algorithm.name} hashes with ${algorithm.digestOid} but the digest algorithm says ${check.digestOid}`,
    );
  }
  if (!digestOid && check.algorithmOid === OID.rsaPss) digestOid = parsePssParameters(check.parameters).hashOid;
  if (!digestOid) throw new VerificationError('FORMAT', `signature algorithm ${algorithm.name} needs a digest algorithm`);
  return algorithm.verify({ ...check, digestOid });
}

/** Hashes with the digest named by OID; FORMAT error when we do not accept it. */
export function digest(oid: string, data: Uint8Array): Uint8Array {
  const algorithm = DIGEST_ALGORITHMS.get(oid);
  if (!algorithm) throw unsupported('digest algorithm', oid);
  return algorithm.hash(data);
}
