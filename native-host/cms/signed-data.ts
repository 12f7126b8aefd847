// CMS SignedData exactly as PROTOCOL.md §2 "CMS produced by the host": version 1, one
// SignerInfo by issuerAndSerialNumber, signer certificate included, signed attributes
// contentType, signingTime, messageDigest, signingCertificateV2, DER-sorted as a SET.
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { parseCertificate } from '../../shared/certificate';
import { toArrayBuffer } from '../../shared/encoding';
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

function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds. */
function timeValue(date: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = whole.getUTCFullYear();
  return year >= 1950 && year < 2050 ? new asn1js.UTCTime({ valueDate: whole }) : new asn1js.GeneralizedTime({ valueDate: whole });
}

function rawName(name: pkijs.RelativeDistinguishedNames): asn1js.AsnType {
  const parsed = asn1js.fromBER(name.valueBeforeDecode);
  if (parsed.offset === -1) throw new Error('cannot re-read the issuer name');
  return parsed.result;
}

/** ESSCertIDv2 with the default SHA-256 (hashAlgorithm omitted, RFC 5035), cert hash and issuerSerial. */
function signingCertificateV2(cert: pkijs.Certificate, der: Uint8Array): asn1js.Sequence {
  const certHash = createHash('sha256').update(der).digest();
  const issuerSerial = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({
        value: [new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [rawName(cert.issuer)] })],
      }),
      new asn1js.Integer({ valueHex: toArrayBuffer(cert.serialNumber.valueBlock.valueHexView) }),
    ],
  });
  const essCertIdV2 = new asn1js.Sequence({
    value: [new asn1js.OctetString({ valueHex: toArrayBuffer(certHash) }), issuerSerial],
  });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [essCertIdV2] })] });
}

/** Builds and signs a SignedData; `sign` gets exactly the DER SET of the signed attributes. */
export async function buildSignedData(options: BuildSignedDataOptions): Promise<SignedDataParts> {
  const { certificateDer, content, detached, algorithm } = options;
  const cert = parseCertificate(certificateDer);
  if (options.contentDigest && !detached) throw new Error('a precomputed digest needs a detached signature');
  const digest = options.contentDigest ?? algorithm.digest.hash(content);

  const attributes = [
    new pkijs.Attribute({ type: OID_CONTENT_TYPE, values: [new asn1js.ObjectIdentifier({ value: OID_DATA })] }),
    new pkijs.Attribute({ type: OID_SIGNING_TIME, values: [timeValue(options.signingTime ?? new Date())] }),
    new pkijs.Attribute({ type: OID_MESSAGE_DIGEST, values: [new asn1js.OctetString({ valueHex: toArrayBuffer(digest) })] }),
    new pkijs.Attribute({ type: OID_SIGNING_CERTIFICATE_V2, values: [signingCertificateV2(cert, certificateDer)] }),
  ];
  // DER SET OF: members ordered by their encodings (X.690 §11.6); pkijs keeps array order.
  const encoded = attributes.map((a) => ({ attribute: a, der: new Uint8Array(a.toSchema().toBER(false)) }));
  encoded.sort((x, y) => compareBytes(x.der, y.der));
  const body = concat(encoded.map((e) => e.der));
  const signedAttributes = concat([Uint8Array.of(0x31), derLength(body.length), body]);

  const signature = await options.sign(signedAttributes);

  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: algorithm.digest.oid }),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: encoded.map((e) => e.attribute) }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(
      algorithm.signatureNullParams ? { algorithmId: algorithm.signatureOid, algorithmParams: new asn1js.Null() } : { algorithmId: algorithm.signatureOid },
    ),
    signature: new asn1js.OctetString({ valueHex: toArrayBuffer(signature) }),
  });

  const encapContentInfo = new pkijs.EncapsulatedContentInfo({ eContentType: OID_DATA });
  // Set after construction: the constructor would split the content into a BER constructed string.
  if (!detached) encapContentInfo.eContent = new asn1js.OctetString({ valueHex: toArrayBuffer(content) });

  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [new pkijs.AlgorithmIdentifier({ algorithmId: algorithm.digest.oid })],
    encapContentInfo,
    certificates: [cert],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID_SIGNED_DATA, content: signedData.toSchema(true) });
  const cms = new Uint8Array(contentInfo.toSchema().toBER(false));
  return { cms, signedAttributes };
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
