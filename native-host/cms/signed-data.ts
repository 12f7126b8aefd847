// CMS SignedData exactly as PROTOCOL.md §2 "CMS produced by the host": version 1, one
// SignerInfo by issuerAndSerialNumber, signer certificate included, signed attributes
// contentType, signingTime, messageDigest and signingCertificateV2, DER-sorted as a SET.
// Written straight as DER: the structure is fixed, and a general ASN.1 library here cost
// several times the token's own signing time per request.
import { createHash } from 'node:crypto';
import type { SignatureAlgorithm } from '../pkcs11/algorithms';

export const OID_DATA = '1.2.840.113549.1.7.1';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** The part of an algorithm table entry CMS needs. */
export type CmsAlgorithm = Pick<SignatureAlgorithm, 'digest' | 'signatureOid' | 'signatureNullParams'>;

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
}

export interface SignedDataParts {
  /** ContentInfo DER. */
  cms: Uint8Array;
  /** The exact bytes that were signed (SET OF Attribute). */
  signedAttributes: Uint8Array;
}

// ---------- DER writing ----------

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  const body = concat(content);
  return concat([Uint8Array.of(tag), derLength(body.length), body]);
}

const oidCache = new Map<string, Uint8Array>();
function oid(dotted: string): Uint8Array {
  let der = oidCache.get(dotted);
  if (!der) {
    const arcs = dotted.split('.').map(Number);
    const bytes: number[] = [];
    const first = arcs[0]! * 40 + arcs[1]!;
    for (const arc of [first, ...arcs.slice(2)]) {
      const chunk = [arc & 0x7f];
      for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
      bytes.push(...chunk);
    }
    der = tlv(0x06, Uint8Array.from(bytes));
    oidCache.set(dotted, der);
  }
  return der;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER_ONE = Uint8Array.of(0x02, 0x01, 0x01);
const NULL = Uint8Array.of(0x05, 0x00);

function algorithmIdentifier(algorithmOid: string, nullParams = false): Uint8Array {
  return nullParams ? tlv(SEQUENCE, oid(algorithmOid), NULL) : tlv(SEQUENCE, oid(algorithmOid));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, UTC. */
function timeValue(date: Date): Uint8Array {
  const d = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const year = d.getUTCFullYear();
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return year >= 1950 && year < 2050
    ? tlv(0x17, new TextEncoder().encode(`${p(year % 100)}${rest}`))
    : tlv(0x18, new TextEncoder().encode(`${p(year, 4)}${rest}`));
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

interface SignerIdentity {
  /** The issuer Name and serialNumber INTEGER exactly as in the certificate (DER). */
  issuer: Uint8Array;
  serial: Uint8Array;
  /** SHA-256 of the certificate, for signingCertificateV2. */
  certHash: Uint8Array;
}

const identities = new Map<string, SignerIdentity>();
const MAX_IDENTITIES = 256;

/** Issuer and serial of a certificate, cached by its bytes: they never change. */
function signerIdentity(certificateDer: Uint8Array): SignerIdentity {
  const certHash = new Uint8Array(createHash('sha256').update(certificateDer).digest());
  const key = Buffer.from(certHash).toString('hex');
  const cached = identities.get(key);
  if (cached) return cached;
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
  const serial = certificateDer.slice(at, field.end);
  const algorithm = element(certificateDer, field.end);
  const issuerField = element(certificateDer, algorithm.end);
  if (issuerField.tag !== SEQUENCE) throw new Error('certificate without an issuer name');
  const issuer = certificateDer.slice(algorithm.end, issuerField.end);
  const identity = { issuer, serial, certHash };
  if (identities.size >= MAX_IDENTITIES) identities.clear();
  identities.set(key, identity);
  return identity;
}

/** ESSCertIDv2 with the default SHA-256 (hashAlgorithm omitted, RFC 5035), cert hash and issuerSerial. */
function signingCertificateV2(id: SignerIdentity): Uint8Array {
  const issuerSerial = tlv(SEQUENCE, tlv(SEQUENCE, tlv(0xa4, id.issuer)), id.serial);
  const essCertIdV2 = tlv(SEQUENCE, tlv(0x04, id.certHash), issuerSerial);
  return tlv(SEQUENCE, tlv(SEQUENCE, essCertIdV2));
}

function attribute(type: string, value: Uint8Array): Uint8Array {
  return tlv(SEQUENCE, oid(type), tlv(SET, value));
}

/** Builds and signs a SignedData; `sign` gets exactly the DER SET of the signed attributes. */
export async function buildSignedData(options: BuildSignedDataOptions): Promise<SignedDataParts> {
  const { certificateDer, content, detached, algorithm } = options;
  if (options.contentDigest && !detached) throw new Error('a precomputed digest needs a detached signature');
  const id = signerIdentity(certificateDer);
  const digest = options.contentDigest ?? algorithm.digest.hash(content);

  // DER SET OF: members ordered by their encodings (X.690 §11.6).
  const attributes = [
    attribute(OID_CONTENT_TYPE, oid(OID_DATA)),
    attribute(OID_SIGNING_TIME, timeValue(options.signingTime ?? new Date())),
    attribute(OID_MESSAGE_DIGEST, tlv(0x04, digest)),
    attribute(OID_SIGNING_CERTIFICATE_V2, signingCertificateV2(id)),
  ].sort(compareBytes);
  const signedAttributes = tlv(SET, ...attributes);

  const signature = await options.sign(signedAttributes);

  const digestAlgorithm = algorithmIdentifier(algorithm.digest.oid);
  const signerInfo = tlv(
    SEQUENCE,
    INTEGER_ONE,
    tlv(SEQUENCE, id.issuer, id.serial),
    digestAlgorithm,
    tlv(0xa0, ...attributes),
    algorithmIdentifier(algorithm.signatureOid, algorithm.signatureNullParams),
    tlv(0x04, signature),
  );
  const encapContentInfo = detached ? tlv(SEQUENCE, oid(OID_DATA)) : tlv(SEQUENCE, oid(OID_DATA), tlv(0xa0, tlv(0x04, content)));
  const signedData = tlv(SEQUENCE, INTEGER_ONE, tlv(SET, digestAlgorithm), encapContentInfo, tlv(0xa0, certificateDer), tlv(SET, signerInfo));
  const cms = tlv(SEQUENCE, oid(OID_SIGNED_DATA), tlv(0xa0, signedData));
  return { cms, signedAttributes };
}
