// Every algorithm-specific choice in ONE table keyed by the certificate's key algorithm:
// digest, PKCS#11 mechanisms (in preference order), what the token is given, how its output
// becomes the CMS signature, and the CMS OIDs. Adding an algorithm (GOST) is adding an entry.
import { OID } from '../../shared/oids';
import { nodeCrypto } from '../lazy-builtins';
import { streebog256, streebog512 } from '../../shared/gost/index';
import {
  CKM_ECDSA,
  CKM_GOSTR3410,
  CKM_GOSTR3410_512,
  CKM_GOSTR3410_WITH_GOSTR3411_12_256,
  CKM_GOSTR3410_WITH_GOSTR3411_12_512,
  CKM_RSA_PKCS,
  CKM_SHA256_RSA_PKCS,
} from './constants';

/** A digest as the host's CMS names it: its OID and the function. */
export interface CmsDigest {
  /** "SHA-256", "STREEBOG-256", ... */
  name: string;
  /** CMS digestAlgorithm OID (parameters absent). */
  oid: string;
  hash(data: Uint8Array): Uint8Array;
}

/**
 * What the token signs: the whole to-be-signed bytes (the mechanism hashes), the digest,
 * or the digest wrapped in a PKCS #1 DigestInfo (for CKM_RSA_PKCS).
 */
export type MechanismInput = 'message' | 'digest' | 'digest-info';

export interface MechanismChoice {
  mechanism: number;
  input: MechanismInput;
  /** Mechanism parameter, when one is needed (e.g. GOST hash OIDs). */
  parameter?: Buffer;
}

/** How the host signs with one kind of key (the relying party's SignatureAlgorithm verifies instead). */
export interface SigningProfile {
  /** Key algorithm names (CertificateDescription.keyAlgorithm) served; "RSA-*" matches any size. */
  keyAlgorithms: string[];
  digest: CmsDigest;
  /** CMS SignerInfo.signatureAlgorithm. */
  signatureOid: string;
  /** Encode NULL parameters (RSA, RFC 5754 §3.2) instead of leaving them absent. */
  signatureNullParams: boolean;
  /** Mechanisms by preference; the first one the token lists in C_GetMechanismList is used. */
  mechanisms: MechanismChoice[];
  /** Token output → SignerInfo.signature bytes. */
  encodeSignature(raw: Uint8Array): Uint8Array;
}

function nodeDigest(name: 'sha256' | 'sha384' | 'sha512'): (data: Uint8Array) => Uint8Array {
  return (data) => new Uint8Array(nodeCrypto().createHash(name).update(data).digest());
}

export const SHA256: CmsDigest = { name: 'SHA-256', oid: OID.sha256, hash: nodeDigest('sha256') };
export const SHA384: CmsDigest = { name: 'SHA-384', oid: OID.sha384, hash: nodeDigest('sha384') };
export const SHA512: CmsDigest = { name: 'SHA-512', oid: OID.sha512, hash: nodeDigest('sha512') };
/** GOST R 34.11-2012 (shared/gost), bytes in the order the hash outputs them (as OpenSSL and PKCS#11 tokens take them). */
export const STREEBOG256: CmsDigest = { name: 'STREEBOG-256', oid: OID.streebog256, hash: streebog256 };
export const STREEBOG512: CmsDigest = { name: 'STREEBOG-512', oid: OID.streebog512, hash: streebog512 };

/** DER prefixes of PKCS #1 DigestInfo, by digest OID (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<string, string> = {
  [SHA256.oid]: '3031300d060960864801650304020105000420',
  [SHA384.oid]: '3041300d060960864801650304020205000430',
  [SHA512.oid]: '3051300d060960864801650304020305000440',
};

export function digestInfo(digest: CmsDigest, hash: Uint8Array): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[digest.oid];
  if (!prefix) throw new Error(`no DigestInfo prefix for ${digest.name}`);
  return new Uint8Array(Buffer.concat([Buffer.from(prefix, 'hex'), hash]));
}

/** Where the minimal big-endian form of an unsigned integer starts (keeps one byte for zero). */
function integerStart(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to - 1 && bytes[i] === 0) i++;
  return i;
}

/** Raw r‖s (PKCS#11 CKM_ECDSA output) → DER Ecdsa-Sig-Value, written into one buffer. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  if (raw.length === 0 || raw.length % 2 !== 0) throw new Error(`ECDSA signature of odd length ${raw.length}`);
  const half = raw.length / 2;
  const rStart = integerStart(raw, 0, half);
  const sStart = integerStart(raw, half, raw.length);
  // A 0x00 in front of an integer whose top bit is set keeps it positive.
  const rPad = raw[rStart]! & 0x80 ? 1 : 0;
  const sPad = raw[sStart]! & 0x80 ? 1 : 0;
  const rLength = half - rStart + rPad;
  const sLength = raw.length - sStart + sPad;
  const content = 2 + rLength + 2 + sLength;
  // Integers of P-521 are at most 67 bytes: every length fits in one byte, the SEQUENCE's maybe in 0x81 nn.
  if (rLength > 0x7f || sLength > 0x7f || content > 0xff) throw new Error(`ECDSA signature of length ${raw.length} is too long`);
  const header = content < 0x80 ? 2 : 3;
  const out = new Uint8Array(header + content);
  out[0] = 0x30;
  if (header === 2) out[1] = content;
  else {
    out[1] = 0x81;
    out[2] = content;
  }
  let at = header;
  out[at++] = 0x02;
  out[at++] = rLength;
  at += rPad;
  out.set(raw.subarray(rStart, half), at);
  at += half - rStart;
  out[at++] = 0x02;
  out[at++] = sLength;
  at += sPad;
  out.set(raw.subarray(sStart), at);
  return out;
}

const asIs = (raw: Uint8Array): Uint8Array => raw;

export const ALGORITHMS: SigningProfile[] = [
  {
    keyAlgorithms: ['RSA-*'],
    digest: SHA256,
    signatureOid: OID.sha256WithRsa, // sha256WithRSAEncryption
    signatureNullParams: true,
    mechanisms: [
      { mechanism: CKM_SHA256_RSA_PKCS, input: 'message' },
      { mechanism: CKM_RSA_PKCS, input: 'digest-info' },
    ],
    encodeSignature: asIs,
  },
  {
    keyAlgorithms: ['ECDSA-P256'],
    digest: SHA256,
    signatureOid: OID.ecdsaWithSha256, // ecdsa-with-SHA256
    signatureNullParams: false,
    mechanisms: [{ mechanism: CKM_ECDSA, input: 'digest' }],
    encodeSignature: ecdsaRawToDer,
  },
  {
    keyAlgorithms: ['ECDSA-P384'],
    digest: SHA384,
    signatureOid: OID.ecdsaWithSha384, // ecdsa-with-SHA384
    signatureNullParams: false,
    mechanisms: [{ mechanism: CKM_ECDSA, input: 'digest' }],
    encodeSignature: ecdsaRawToDer,
  },
  {
    keyAlgorithms: ['ECDSA-P521'],
    digest: SHA512,
    signatureOid: OID.ecdsaWithSha512, // ecdsa-with-SHA512
    signatureNullParams: false,
    mechanisms: [{ mechanism: CKM_ECDSA, input: 'digest' }],
    encodeSignature: ecdsaRawToDer,
  },
  // GOST R 34.10-2012: the token's hash-and-sign mechanism first, else Streebog here and the raw mechanism.
  // PKCS#11 returns s‖r big-endian, which is exactly the CMS signature value (RFC 4491 §2.2.2, RFC 9215).
  {
    keyAlgorithms: ['GOST-2012-256'],
    digest: STREEBOG256,
    signatureOid: OID.gost2012SignWithStreebog256, // id-tc26-signwithdigest-gost3410-12-256
    signatureNullParams: false,
    mechanisms: [
      { mechanism: CKM_GOSTR3410_WITH_GOSTR3411_12_256, input: 'message' },
      { mechanism: CKM_GOSTR3410, input: 'digest' },
    ],
    encodeSignature: asIs,
  },
  {
    keyAlgorithms: ['GOST-2012-512'],
    digest: STREEBOG512,
    signatureOid: OID.gost2012SignWithStreebog512, // id-tc26-signwithdigest-gost3410-12-512
    signatureNullParams: false,
    mechanisms: [
      { mechanism: CKM_GOSTR3410_WITH_GOSTR3411_12_512, input: 'message' },
      { mechanism: CKM_GOSTR3410_512, input: 'digest' },
    ],
    encodeSignature: asIs,
  },
];

/** The table entry for a certificate's key algorithm, or undefined when unsupported. */
export function algorithmForKey(keyAlgorithm: string): SigningProfile | undefined {
  return ALGORITHMS.find((a) =>
    a.keyAlgorithms.some((k) => (k.endsWith('*') ? keyAlgorithm.startsWith(k.slice(0, -1)) : k === keyAlgorithm)),
  );
}

/** First mechanism of the entry that the token lists, or undefined. */
export function chooseMechanism(algorithm: SigningProfile, available: ReadonlySet<number>): MechanismChoice | undefined {
  return algorithm.mechanisms.find((m) => available.has(m.mechanism));
}

/** First mechanism of the entry that takes a digest (not the whole message), or undefined. */
export function chooseDigestMechanism(algorithm: SigningProfile, available: ReadonlySet<number>): MechanismChoice | undefined {
  return algorithm.mechanisms.find((m) => m.input !== 'message' && available.has(m.mechanism));
}

/** The bytes handed to C_Sign when the caller already has the digest. */
export function digestMechanismInput(algorithm: SigningProfile, choice: MechanismChoice, digest: Uint8Array): Uint8Array {
  return choice.input === 'digest-info' ? digestInfo(algorithm.digest, digest) : digest;
}

/** The bytes handed to C_Sign for `toBeSigned` under `choice`. */
export function mechanismInput(algorithm: SigningProfile, choice: MechanismChoice, toBeSigned: Uint8Array): Uint8Array {
  switch (choice.input) {
    case 'message':
      return toBeSigned;
    case 'digest':
      return algorithm.digest.hash(toBeSigned);
    case 'digest-info':
      return digestInfo(algorithm.digest, algorithm.digest.hash(toBeSigned));
  }
}
