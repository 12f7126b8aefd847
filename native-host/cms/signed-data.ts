// CMS SignedData exactly as docs/PROTOCOL.md §2.5: version 1, one
// SignerInfo by issuerAndSerialNumber, signer certificate included, signed attributes
// contentType, signingTime, messageDigest and signingCertificateV2, DER-sorted as a SET.
// Written straight as DER: the structure is fixed, and a general ASN.1 library here cost
// several times the token's own signing time per request.
import { BoundedCache } from '../../shared/bounded-cache';
import { derOid, derTree, encode, type Der } from '../../shared/der-writer';
import { OID } from '../../shared/oids';
import { nodeCrypto } from '../lazy-builtins';
import type { SigningProfile } from '../pkcs11/algorithms';

/** The part of an algorithm table entry CMS needs. */
export type CmsAlgorithm = Pick<SigningProfile, 'digest' | 'signatureOid' | 'signatureNullParams'>;

export interface BuildSignedDataOptions {
  certificateDer: Uint8Array;
  content: Uint8Array;
  /** No eContent when true. */
  detached: boolean;
  algorithm: CmsAlgorithm;
  /** Signs the DER SET of signed attributes; returns SignerInfo.signature bytes. */
  sign(toBeSigned: Uint8Array): Promise<Uint8Array> | Uint8Array;
  /** Defaults to now. */
  signingTime?: Date;
  /** The content's digest when the caller has only the hash (detached only); else it is computed. */
  contentDigest?: Uint8Array;
  /** eContentType and the contentType attribute; id-data unless given (logins: AUTH_CONTENT_TYPE_OID). */
  contentType?: string;
}

export interface SignedDataParts {
  /** ContentInfo DER. */
  cms: Uint8Array;
  /** The exact bytes that were signed (SET OF Attribute). */
  signedAttributes: Uint8Array;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER_ONE = Uint8Array.of(0x02, 0x01, 0x01);
const NULL = Uint8Array.of(0x05, 0x00);

/** The algorithm identifiers of one table entry, encoded once. */
interface AlgorithmParts {
  digestOid: string;
  signatureOid: string;
  signatureNullParams: boolean;
  digestAlgorithm: Uint8Array;
  /** SignedData.digestAlgorithms: the SET holding digestAlgorithm. */
  digestAlgorithms: Uint8Array;
  signatureAlgorithm: Uint8Array;
}
/** By table entry (the host passes the same entries each time), then by what the parts are made of. */
const algorithmPartsByEntry = new WeakMap<CmsAlgorithm, AlgorithmParts>();
const algorithmPartsCache = new BoundedCache<string, AlgorithmParts>(64);

function algorithmParts(algorithm: CmsAlgorithm): AlgorithmParts {
  const byEntry = algorithmPartsByEntry.get(algorithm);
  // The entry's fields are compared, so an entry changed since is never given its old parts.
  if (byEntry && byEntry.digestOid === algorithm.digest.oid && byEntry.signatureOid === algorithm.signatureOid && byEntry.signatureNullParams === algorithm.signatureNullParams) {
    return byEntry;
  }
  const key = `${algorithm.digest.oid} ${algorithm.signatureOid} ${algorithm.signatureNullParams}`;
  let parts = algorithmPartsCache.get(key);
  if (!parts) {
    const digestAlgorithm = encode(derTree(SEQUENCE, derOid(algorithm.digest.oid)));
    parts = {
      digestOid: algorithm.digest.oid,
      signatureOid: algorithm.signatureOid,
      signatureNullParams: algorithm.signatureNullParams,
      digestAlgorithm,
      digestAlgorithms: encode(derTree(SET, digestAlgorithm)),
      signatureAlgorithm: encode(algorithm.signatureNullParams ? derTree(SEQUENCE, derOid(algorithm.signatureOid), NULL) : derTree(SEQUENCE, derOid(algorithm.signatureOid))),
    };
    algorithmPartsCache.set(key, parts);
  }
  algorithmPartsByEntry.set(algorithm, parts);
  return parts;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, UTC. */
function timeValue(date: Date): Uint8Array {
  const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) throw new RangeError(`signing time ${date.toISOString()} is outside years 0000-9999`);
  const utc = year >= 1950 && year < 2050;
  // Tag, length, then YY or YYYY, MM DD hh mm ss and Z as ASCII digits.
  const out = new Uint8Array(utc ? 15 : 17);
  out[0] = utc ? 0x17 : 0x18;
  out[1] = out.length - 2;
  let at = 2;
  const digits = (value: number, width: number): void => {
    for (let i = width - 1; i >= 0; i--) {
      out[at + i] = 0x30 + (value % 10);
      value = Math.floor(value / 10);
    }
    at += width;
  };
  if (utc) digits(year % 100, 2);
  else digits(year, 4);
  digits(d.getUTCMonth() + 1, 2);
  digits(d.getUTCDate(), 2);
  digits(d.getUTCHours(), 2);
  digits(d.getUTCMinutes(), 2);
  digits(d.getUTCSeconds(), 2);
  out[at] = 0x5a; // Z
  return out;
}

// ---------- reading the two fields CMS needs from the certificate ----------

/** One DER element at `offset`: where its content starts and where it ends. */
function element(der: Uint8Array, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated certificate');
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new Error('unsupported DER length in certificate');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > der.length) throw new Error('truncated certificate');
  return { tag, start, end };
}

/** What the CMS says about its signer: fixed for a certificate, so encoded once per certificate. */
interface SignerParts {
  /** A copy of the certificate the parts were made from. */
  certificateDer: Uint8Array;
  /** SignerInfo.sid: IssuerAndSerialNumber, DER. */
  issuerAndSerial: Uint8Array;
  /** The signingCertificateV2 attribute, DER. */
  signingCertificate: Uint8Array;
}

/** By the caller's certificate buffer (the host passes the same one for a certificate each time). */
const signerPartsByBuffer = new WeakMap<Uint8Array, SignerParts>();
/** By the certificate's SHA-256, for callers that pass a new buffer each time. */
const signerPartsByHash = new BoundedCache<string, SignerParts>(256);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Issuer, serial and hash of a certificate as CMS needs them, cached: a certificate never changes. */
function signerParts(certificateDer: Uint8Array): SignerParts {
  const byBuffer = signerPartsByBuffer.get(certificateDer);
  // The bytes are compared, so a buffer changed in place since is never mistaken for the old certificate.
  if (byBuffer && sameBytes(certificateDer, byBuffer.certificateDer)) return byBuffer;
  const certHash = nodeCrypto().createHash('sha256').update(certificateDer).digest();
  const key = certHash.toString('hex');
  let parts = signerPartsByHash.get(key);
  if (!parts) {
    parts = readSignerParts(Uint8Array.from(certificateDer), certHash);
    signerPartsByHash.set(key, parts);
  }
  signerPartsByBuffer.set(certificateDer, parts);
  return parts;
}

function readSignerParts(certificateDer: Uint8Array, certHash: Uint8Array): SignerParts {
  const cert = element(certificateDer, 0);
  const tbs = element(certificateDer, cert.start);
  if (cert.tag !== SEQUENCE || tbs.tag !== SEQUENCE) throw new Error('not an X.509 certificate');
  let at = tbs.start;
  let field = element(certificateDer, at);
  if (field.tag === 0xa0) {
    at = field.end;
    field = element(certificateDer, at);
  }
  if (field.tag !== 0x02) throw new Error('certificate without a serial number');
  // The issuer Name and serialNumber INTEGER exactly as in the certificate (DER).
  const serial = certificateDer.slice(at, field.end);
  const algorithm = element(certificateDer, field.end);
  const issuerField = element(certificateDer, algorithm.end);
  if (issuerField.tag !== SEQUENCE) throw new Error('certificate without an issuer name');
  const issuer = certificateDer.slice(algorithm.end, issuerField.end);
  // ESSCertIDv2 with the default SHA-256 (hashAlgorithm omitted, RFC 5035), cert hash and issuerSerial.
  const issuerSerial = derTree(SEQUENCE, derTree(SEQUENCE, derTree(0xa4, issuer)), serial);
  const essCertIdV2 = derTree(SEQUENCE, derTree(0x04, certHash), issuerSerial);
  return {
    certificateDer,
    issuerAndSerial: encode(derTree(SEQUENCE, issuer, serial)),
    signingCertificate: encode(attribute(OID.signingCertificateV2, derTree(SEQUENCE, derTree(SEQUENCE, essCertIdV2)))),
  };
}

function attribute(type: string, value: Der): Der {
  return derTree(SEQUENCE, derOid(type), derTree(SET, value));
}

// Two content types are ever used (data, and the login's); the bound keeps the cache honest.
const contentTypeAttributes = new BoundedCache<string, Uint8Array>(4);
function contentTypeAttribute(type: string): Uint8Array {
  return contentTypeAttributes.get(type) ?? contentTypeAttributes.set(type, encode(attribute(OID.contentType, derOid(type))));
}

/** Builds and signs a SignedData; `sign` gets exactly the DER SET of the signed attributes. */
export async function buildSignedData(options: BuildSignedDataOptions): Promise<SignedDataParts> {
  const { certificateDer, content, detached, algorithm } = options;
  if (options.contentDigest && !detached) throw new Error('a precomputed digest needs a detached signature');
  const signer = signerParts(certificateDer);
  const digest = options.contentDigest ?? algorithm.digest.hash(content);
  const contentType = options.contentType ?? OID.data;

  // DER SET OF: members ordered by their encodings (X.690 §11.6).
  const attributes = [
    contentTypeAttribute(contentType),
    encode(attribute(OID.signingTime, timeValue(options.signingTime ?? new Date()))),
    encode(attribute(OID.messageDigest, derTree(0x04, digest))),
    signer.signingCertificate,
  ].sort(compareBytes);
  const signedAttributes = encode(derTree(SET, ...attributes));

  const signature = await options.sign(signedAttributes);

  const algorithms = algorithmParts(algorithm);
  const signerInfo = derTree(
    SEQUENCE,
    INTEGER_ONE,
    signer.issuerAndSerial,
    algorithms.digestAlgorithm,
    derTree(0xa0, ...attributes),
    algorithms.signatureAlgorithm,
    derTree(0x04, signature),
  );
  const encapContentInfo = detached ? derTree(SEQUENCE, derOid(contentType)) : derTree(SEQUENCE, derOid(contentType), derTree(0xa0, derTree(0x04, content)));
  const signedData = derTree(SEQUENCE, INTEGER_ONE, algorithms.digestAlgorithms, encapContentInfo, derTree(0xa0, certificateDer), derTree(SET, signerInfo));
  const cms = encode(derTree(SEQUENCE, derOid(OID.signedData), derTree(0xa0, signedData)));
  return { cms, signedAttributes };
}
