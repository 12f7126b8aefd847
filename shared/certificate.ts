// The certificate model of docs/PROTOCOL.md §2: X.509 DER → CertificateDescription.
// Runs in Node, in the extension and in the relying party: no node: imports here.
// One X.509 reader for the project: readCertificateNode below is also what relying-party/x509.ts uses.
import {
  DerError,
  TAG,
  children,
  content,
  expectTag,
  integerHex,
  readBitString,
  readNode,
  readOid,
  readRoot,
  readSmallInteger,
  readString,
  readTime,
  tlv,
  type DerNode,
} from './der';
import type { CertificateDescription, CertificateStatus, SubjectFields } from './protocol';
import { toBase64, toHex } from './encoding';
import { OID } from './oids';
import { sha256Hex } from './sha256';

const DAY_MS = 24 * 60 * 60 * 1000;

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

/** Parses the DER of an X.501 Name into RDNs, keeping multi-valued RDNs together. */
export function parseName(name: DerNode | Uint8Array): ParsedName {
  return guarded(() => {
    const node = name instanceof Uint8Array ? readRoot(name) : name;
    const rdns: ParsedName = [];
    for (const set of children(expectTag(node, TAG.SEQUENCE, 'Name'))) {
      const rdn: NameAttribute[] = [];
      for (const atv of children(expectTag(set, TAG.SET, 'RelativeDistinguishedName'))) {
        const [type, value] = children(expectTag(atv, TAG.SEQUENCE, 'AttributeTypeAndValue'));
        if (!type || !value || type.tag !== TAG.OID) throw new CertificateParseError('malformed AttributeTypeAndValue');
        const text = readString(value);
        // asn1js refused the whole certificate over a BMPString or UniversalString cut mid-character: so does this reader.
        if (text === null && (value.tag === TAG.BMP_STRING || value.tag === TAG.UNIVERSAL_STRING)) {
          throw new CertificateParseError('BMPString or UniversalString cut mid-character');
        }
        rdn.push({ oid: readOid(type), text, ber: tlv(value) });
      }
      rdns.push(rdn);
    }
    return rdns;
  });
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

/** The first text value of an attribute in a parsed Name, trimmed. */
export function firstText(rdns: ParsedName, oid: string): string | undefined {
  for (const rdn of rdns) for (const a of rdn) if (a.oid === oid && a.text !== null) return a.text.trim();
  return undefined;
}

/** The §2 subject fields of a parsed Name (first value of each attribute, trimmed). */
export function subjectFields(rdns: ParsedName): SubjectFields {
  const subject: SubjectFields = { commonName: '' };
  for (const [oid, field] of Object.entries(SUBJECT_FIELDS)) {
    const text = firstText(rdns, oid);
    if (text !== undefined) subject[field] = text;
  }
  return subject;
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** "RSA-2048", "ECDSA-P256", "GOST-2012-256", ... or the SPKI algorithm OID. */
export function keyAlgorithmOf(spki: DerNode | Uint8Array): string {
  return guarded(() => {
    const node = spki instanceof Uint8Array ? readRoot(spki) : spki;
    const [algorithm, key] = children(expectTag(node, TAG.SEQUENCE, 'subjectPublicKeyInfo'));
    const [oidNode, params] = children(expectTag(algorithm, TAG.SEQUENCE, 'subjectPublicKeyInfo.algorithm'));
    const oid = readOid(expectTag(oidNode, TAG.OID, 'subjectPublicKeyInfo.algorithm OID'));
    if (oid === OID.rsaEncryption || oid === OID.rsaPss) {
      return keyAlgorithmName(oid, { rsaModulus: rsaModulus(readBitString(expectTag(key, TAG.BIT_STRING, 'subjectPublicKey')).bytes) });
    }
    return keyAlgorithmName(oid, { curve: oid === OID.ecPublicKey && params?.tag === TAG.OID ? readOid(params) : undefined });
  });
}

/**
 * The name of a key algorithm from its SPKI OID and, for RSA, the modulus bytes or, for EC, the
 * named-curve OID (undefined when the key does not say). Shared with the test oracle, which reads
 * those parts with pkijs.
 */
export function keyAlgorithmName(oid: string, detail: { rsaModulus?: Uint8Array | undefined; curve?: string | undefined }): string {
  if (oid === OID.rsaEncryption || oid === OID.rsaPss) return detail.rsaModulus ? `RSA-${bitLength(detail.rsaModulus)}` : 'RSA';
  if (oid === OID.ecPublicKey) {
    const curve = detail.curve ?? '';
    if (curve === OID.p256) return 'ECDSA-P256';
    if (curve === OID.p384) return 'ECDSA-P384';
    if (curve === OID.p521) return 'ECDSA-P521';
    return curve ? `ECDSA-${curve}` : 'ECDSA';
  }
  if (oid === OID.gost2012_256) return 'GOST-2012-256';
  if (oid === OID.gost2012_512) return 'GOST-2012-512';
  return oid;
}

/** The modulus INTEGER content of an RSAPublicKey, or undefined when the key does not read as one. */
function rsaModulus(key: Uint8Array): Uint8Array | undefined {
  try {
    const seq = readNode(key, 0);
    if (seq.tag !== TAG.SEQUENCE) return undefined;
    const modulus = readNode(key, seq.contentStart, seq.contentEnd);
    return modulus.tag === TAG.INTEGER ? content(modulus) : undefined;
  } catch {
    return undefined;
  }
}

function keyUsageOf(extensions: readonly CertificateExtension[]): string[] {
  const ext = extensions.find((e) => e.oid === OID.keyUsage);
  if (!ext) return [];
  let bits: Uint8Array;
  let unused: number;
  try {
    const node = readNode(ext.value, 0);
    if (node.tag !== TAG.BIT_STRING) return [];
    ({ bytes: bits, unused } = readBitString(node));
  } catch {
    return [];
  }
  return keyUsageNames(bits, unused);
}

/** The names of the bits set in a keyUsage BIT STRING (its bytes and unused-bit count), in RFC 5280 order. */
export function keyUsageNames(bits: Uint8Array, unused: number): string[] {
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

/** A described certificate's status and expiresInDays as of `now` (from its notBefore and notAfter). */
export function statusAsOf(description: Pick<CertificateDescription, 'notBefore' | 'notAfter'>, now: Date): Pick<CertificateDescription, 'status' | 'expiresInDays'> {
  const notAfter = new Date(description.notAfter);
  return { status: certificateStatus(new Date(description.notBefore), notAfter, now), expiresInDays: expiresInDays(notAfter, now) };
}

/** One extension: its OID, criticality and the content of its extnValue OCTET STRING. */
export interface CertificateExtension {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/** The fields of an X.509 certificate, as DER nodes over the caller's bytes (nothing copied). */
export interface X509Fields {
  /** 1, 2 or 3. */
  version: number;
  tbs: DerNode;
  serialNumber: DerNode;
  /** TBSCertificate.signature (must equal signatureAlgorithm; checked by the relying party). */
  innerSignatureAlgorithm: DerNode;
  issuer: DerNode;
  /** Epoch milliseconds, UTCTime or GeneralizedTime. */
  notBefore: number;
  notAfter: number;
  subject: DerNode;
  subjectPublicKeyInfo: DerNode;
  /** Whether the [3] extensions field is present (even if empty). */
  hasExtensions: boolean;
  extensions: CertificateExtension[];
  signatureAlgorithm: DerNode;
  /** signatureValue content without the unused-bits byte. */
  signature: Uint8Array;
}

/** Reads a Certificate SEQUENCE. Throws DerError with the reason when it is not one. */
export function readCertificateNode(root: DerNode): X509Fields {
  const [tbs, signatureAlgorithm, signatureNode, ...rest] = children(expectTag(root, TAG.SEQUENCE, 'Certificate'));
  if (rest.length) throw new DerError('Certificate has extra fields');
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'TBSCertificate'));
  let i = 0;
  let version = 1;
  if (fields[0]?.tag === 0xa0) {
    const [v] = children(fields[0]);
    if (!v) throw new DerError('empty version');
    version = readSmallInteger(v) + 1;
    i = 1;
  }
  const serialNumber = expectTag(fields[i], TAG.INTEGER, 'serialNumber');
  const innerSignatureAlgorithm = expectTag(fields[i + 1], TAG.SEQUENCE, 'TBSCertificate.signature');
  const issuer = expectTag(fields[i + 2], TAG.SEQUENCE, 'issuer');
  const validity = children(expectTag(fields[i + 3], TAG.SEQUENCE, 'validity'));
  const subject = expectTag(fields[i + 4], TAG.SEQUENCE, 'subject');
  const subjectPublicKeyInfo = expectTag(fields[i + 5], TAG.SEQUENCE, 'subjectPublicKeyInfo');
  if (validity.length !== 2) throw new DerError('validity must have notBefore and notAfter');
  const notBefore = readTime(validity[0]!);
  const notAfter = readTime(validity[1]!);
  expectTag(signatureAlgorithm, TAG.SEQUENCE, 'Certificate.signatureAlgorithm');
  const { bytes: signature, unused } = readBitString(expectTag(signatureNode, TAG.BIT_STRING, 'signatureValue'));
  if (unused !== 0) throw new DerError('signatureValue has unused bits');

  let hasExtensions = false;
  const extensions: CertificateExtension[] = [];
  for (const field of fields.slice(i + 6)) {
    if (field.tag !== 0xa3) continue; // issuerUniqueID [1], subjectUniqueID [2]
    hasExtensions = true;
    const [list] = children(field);
    for (const ext of children(expectTag(list, TAG.SEQUENCE, 'extensions'))) {
      const parts = children(expectTag(ext, TAG.SEQUENCE, 'Extension'));
      const oid = readOid(expectTag(parts[0], TAG.OID, 'Extension OID'));
      const valueNode = parts[parts.length - 1];
      if (parts.length < 2 || !valueNode || valueNode.tag !== TAG.OCTET_STRING) throw new DerError(`extension ${oid} has no value`);
      const criticalNode = parts.length > 2 ? parts[1] : undefined;
      const critical = criticalNode?.tag === TAG.BOOLEAN && content(criticalNode)[0] !== 0;
      extensions.push({ oid, critical, value: content(valueNode) });
    }
  }
  return {
    version,
    tbs: tbs!,
    serialNumber,
    innerSignatureAlgorithm,
    issuer,
    notBefore,
    notAfter,
    subject,
    subjectPublicKeyInfo,
    hasExtensions,
    extensions,
    signatureAlgorithm: signatureAlgorithm!,
    signature,
  };
}

/** Runs a reader, turning DER errors into CertificateParseError. */
function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CertificateParseError) throw e;
    if (e instanceof DerError) throw new CertificateParseError(`not an X.509 certificate: ${e.message}`);
    throw e;
  }
}

/** Parses a DER certificate, with a clear CertificateParseError for anything else. */
export function readX509Fields(der: Uint8Array): X509Fields {
  if (der.length === 0) throw new CertificateParseError('empty certificate');
  let root: DerNode;
  try {
    root = readNode(der, 0);
  } catch (e) {
    throw new CertificateParseError(`certificate is not valid DER: ${(e as Error).message}`);
  }
  if (root.end !== der.length) throw new CertificateParseError('trailing bytes after the certificate');
  return guarded(() => readCertificateNode(root));
}

/** The §2 description of a DER certificate, with status and expiresInDays as of `now` (`thumbprint`: its SHA-256 in hex, when the caller has it already). */
export function describeCertificate(der: Uint8Array, now: Date = new Date(), thumbprint?: string): CertificateDescription {
  const cert = readX509Fields(der);
  const subject = parseName(cert.subject);
  const issuer = parseName(cert.issuer);
  const notBefore = new Date(cert.notBefore);
  const notAfter = new Date(cert.notAfter);
  return {
    der: toBase64(der),
    thumbprint: thumbprint ?? sha256Hex(der),
    subject: subjectFields(subject),
    subjectDN: formatName(subject),
    issuerDN: formatName(issuer),
    issuerCommonName: firstText(issuer, OID.commonName) ?? '',
    serialNumber: integerHex(cert.serialNumber),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    status: certificateStatus(notBefore, notAfter, now),
    expiresInDays: expiresInDays(notAfter, now),
    keyAlgorithm: keyAlgorithmOf(cert.subjectPublicKeyInfo),
    keyUsage: keyUsageOf(cert.extensions),
  };
}
