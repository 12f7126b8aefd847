// The certificate model as it was read with pkijs/asn1js before shared/certificate.ts got its own DER
// reader: kept only as the reference that test/unit/certificate-equivalence.test.ts compares against.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertificateDescription, CertificateStatus, SubjectFields } from '../../shared/protocol';
import { toBase64, toHex } from '../../shared/encoding';
import { sha256 } from '../../shared/sha256';

const DAY_MS = 24 * 60 * 60 * 1000;

export const OID = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  street: '2.5.4.9',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  title: '2.5.4.12',
  givenName: '2.5.4.42',
  email: '1.2.840.113549.1.9.1',
  domainComponent: '0.9.2342.19200300.100.1.25',
  userId: '0.9.2342.19200300.100.1.1',
  inn: '1.2.643.3.131.1.1',
  innle: '1.2.643.100.4',
  ogrn: '1.2.643.100.1',
  ogrnip: '1.2.643.100.5',
  snils: '1.2.643.100.3',
  keyUsage: '2.5.29.15',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',
  gost2012_256: '1.2.643.7.1.1.1.1',
  gost2012_512: '1.2.643.7.1.1.1.2',
} as const;

/**
 * Attribute type names used in subjectDN/issuerDN. The RFC 4514 table (CN, L, ST, O, OU, C,
 * STREET, DC, UID), the registered LDAP descriptors of X.520/PKCS #9 names seen on qualified
 * certificates, and the Russian names OpenSSL prints (INN, OGRN, SNILS, OGRNIP, plus INNLE),
 * so a DN reads like `openssl x509 -nameopt RFC2253`. Anything else is a dotted OID with a #hex value.
 */
const DN_NAMES: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.serialNumber]: 'serialNumber',
  [OID.country]: 'C',
  [OID.locality]: 'L',
  [OID.state]: 'ST',
  [OID.street]: 'street',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.title]: 'title',
  [OID.givenName]: 'GN',
  [OID.email]: 'emailAddress',
  [OID.domainComponent]: 'DC',
  [OID.userId]: 'UID',
  [OID.inn]: 'INN',
  [OID.innle]: 'INNLE',
  [OID.ogrn]: 'OGRN',
  [OID.ogrnip]: 'OGRNIP',
  [OID.snils]: 'SNILS',
};

const SUBJECT_FIELDS: Record<string, keyof SubjectFields> = {
  [OID.commonName]: 'commonName',
  [OID.surname]: 'surname',
  [OID.givenName]: 'givenName',
  [OID.organization]: 'organization',
  [OID.title]: 'title',
  [OID.inn]: 'inn',
  [OID.innle]: 'innle',
  [OID.ogrn]: 'ogrn',
  [OID.ogrnip]: 'ogrnip',
  [OID.snils]: 'snils',
  [OID.email]: 'email',
};

/** RFC 5280 KeyUsage bits, in bit order. */
export const KEY_USAGE_NAMES = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;

export class CertificateParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateParseError';
  }
}

/** One attribute of a distinguished name, in encoding order. */
export interface NameAttribute {
  oid: string;
  /** Decoded text, or null when the value is not a character string. */
  text: string | null;
  /** BER encoding of the value (for #hex output). */
  ber: Uint8Array;
}

/** A Name as its RDNs in encoding order (most significant first), each a set of attributes. */
export type ParsedName = NameAttribute[][];

function stringOf(value: unknown): string | null {
  if (value instanceof asn1js.BaseStringBlock) {
    const v: unknown = (value.valueBlock as { value?: unknown }).value;
    return typeof v === 'string' ? v : null;
  }
  return null;
}

/** Parses the DER of an X.501 Name into RDNs, keeping multi-valued RDNs together. */
export function parseName(name: pkijs.RelativeDistinguishedNames): ParsedName {
  const raw = name.valueBeforeDecode;
  if (!raw || raw.byteLength === 0) {
    return name.typesAndValues.map((tv) => [
      { oid: tv.type, text: stringOf(tv.value), ber: new Uint8Array(tv.value.toBER(false)) },
    ]);
  }
  const parsed = asn1js.fromBER(raw);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) throw new CertificateParseError('malformed Name');
  const rdns: ParsedName = [];
  for (const set of parsed.result.valueBlock.value) {
    if (!(set instanceof asn1js.Set)) throw new CertificateParseError('malformed RDN');
    const rdn: NameAttribute[] = [];
    for (const atv of set.valueBlock.value) {
      const parts = atv instanceof asn1js.Sequence ? atv.valueBlock.value : [];
      const type = parts[0];
      const value = parts[1];
      if (!(type instanceof asn1js.ObjectIdentifier) || !value) throw new CertificateParseError('malformed AttributeTypeAndValue');
      rdn.push({ oid: type.valueBlock.toString(), text: stringOf(value), ber: new Uint8Array(value.toBER(false)) });
    }
    rdns.push(rdn);
  }
  return rdns;
}

/** RFC 4514 §2.4 escaping of a string value (UTF-8 kept as is). */
export function escapeDnValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\0') out += '\\00';
    else if ('"+,;<>\\'.includes(c)) out += '\\' + c;
    else if ((c === ' ' || c === '#') && i === 0) out += '\\' + c;
    else if (c === ' ' && i === value.length - 1) out += '\\ ';
    else out += c;
  }
  return out;
}

/** RFC 4514 string of a parsed Name: RDNs last-to-first, joined by ',', multi-valued with '+'. */
export function formatName(rdns: ParsedName): string {
  return [...rdns]
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => {
          const type = DN_NAMES[a.oid];
          if (type && a.text !== null) return `${type}=${escapeDnValue(a.text)}`;
          return `${type ?? a.oid}=#${toHex(a.ber)}`;
        })
        .join('+'),
    )
    .join(',');
}

function firstText(rdns: ParsedName, oid: string): string | undefined {
  for (const rdn of rdns) for (const a of rdn) if (a.oid === oid && a.text !== null) return a.text.trim();
  return undefined;
}

function subjectFields(rdns: ParsedName): SubjectFields {
  const subject: SubjectFields = { commonName: '' };
  for (const [oid, field] of Object.entries(SUBJECT_FIELDS)) {
    const text = firstText(rdns, oid);
    if (text !== undefined) subject[field] = text;
  }
  return subject;
}

/** Big-endian bytes of an INTEGER as lowercase hex, without leading zeros ("0" for zero). */
export function integerHex(bytes: Uint8Array): string {
  const hex = toHex(bytes).replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** "RSA-2048", "ECDSA-P256", "GOST-2012-256", ... or the SPKI algorithm OID. */
export function keyAlgorithmOf(spki: pkijs.PublicKeyInfo): string {
  const oid = spki.algorithm.algorithmId;
  if (oid === OID.rsaEncryption || oid === OID.rsaPss) {
    const parsed = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView);
    const seq = parsed.result;
    const modulus = seq instanceof asn1js.Sequence ? seq.valueBlock.value[0] : undefined;
    if (!(modulus instanceof asn1js.Integer)) return 'RSA';
    return `RSA-${bitLength(modulus.valueBlock.valueHexView)}`;
  }
  if (oid === OID.ecPublicKey) {
    const params = spki.algorithm.algorithmParams as unknown;
    const curve = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
    if (curve === OID.p256) return 'ECDSA-P256';
    if (curve === OID.p384) return 'ECDSA-P384';
    if (curve === OID.p521) return 'ECDSA-P521';
    return curve ? `ECDSA-${curve}` : 'ECDSA';
  }
  if (oid === OID.gost2012_256) return 'GOST-2012-256';
  if (oid === OID.gost2012_512) return 'GOST-2012-512';
  return oid;
}

function keyUsageOf(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ext) return [];
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (!(parsed.result instanceof asn1js.BitString)) return [];
  const bits = parsed.result.valueBlock.valueHexView;
  const unused = parsed.result.valueBlock.unusedBits;
  const names: string[] = [];
  KEY_USAGE_NAMES.forEach((name, i) => {
    const byte = bits[i >> 3];
    if (byte === undefined) return;
    if (i >> 3 === bits.length - 1 && 7 - (i & 7) < unused) return;
    if (byte & (0x80 >> (i & 7))) names.push(name);
  });
  return names;
}

/** valid / expired / not-yet-valid; both ends of the validity period are inclusive (RFC 5280 §4.1.2.5). */
export function certificateStatus(notBefore: Date, notAfter: Date, now: Date): CertificateStatus {
  if (now.getTime() < notBefore.getTime()) return 'not-yet-valid';
  if (now.getTime() > notAfter.getTime()) return 'expired';
  return 'valid';
}

/** floor((notAfter - now) / 1 day); negative once expired. */
export function expiresInDays(notAfter: Date, now: Date): number {
  return Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
}

/** Parses DER into a pkijs Certificate, with a clear error for anything else. */
export function parseCertificate(der: Uint8Array): pkijs.Certificate {
  if (der.length === 0) throw new CertificateParseError('empty certificate');
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) throw new CertificateParseError(`certificate is not valid BER: ${asn1.result.error}`);
  if (asn1.offset !== der.byteLength) throw new CertificateParseError('trailing bytes after the certificate');
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch (e) {
    throw new CertificateParseError(`not an X.509 certificate: ${(e as Error).message}`);
  }
}

/** The §2 description of a DER certificate, with status and expiresInDays as of `now`. */
export function describeCertificate(der: Uint8Array, now: Date = new Date()): CertificateDescription {
  const cert = parseCertificate(der);
  const subject = parseName(cert.subject);
  const issuer = parseName(cert.issuer);
  const notBefore = cert.notBefore.value;
  const notAfter = cert.notAfter.value;
  return {
    der: toBase64(der),
    thumbprint: toHex(sha256(der)),
    subject: subjectFields(subject),
    subjectDN: formatName(subject),
    issuerDN: formatName(issuer),
    issuerCommonName: firstText(issuer, OID.commonName) ?? '',
    serialNumber: integerHex(cert.serialNumber.valueBlock.valueHexView),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    status: certificateStatus(notBefore, notAfter, now),
    expiresInDays: expiresInDays(notAfter, now),
    keyAlgorithm: keyAlgorithmOf(cert.subjectPublicKeyInfo),
    keyUsage: keyUsageOf(cert),
  };
}
