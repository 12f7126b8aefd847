// Certificate fields in the shapes the IFCPlugin page library reads (IFC-COMPAT §1.6):
// DNs as "key=value" lines, OpenSSL-style UTC dates, hex serial, the public-key algorithm OID.
import { integerHex, parseCertificate, type CertificateExtension, type ParsedName, parseName } from '../../shared/certificate';
import { children, content, readAlgorithm, readBitString, readOid, readRoot, TAG } from '../../shared/der';
import { toBase64, toHex } from '../../shared/encoding';

/** Keys the page library's IFCDN table and the older DsPlugin parser both understand. */
const DN_KEYS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'surname',
  '2.5.4.42': 'givenName',
  '2.5.4.6': 'C',
  '2.5.4.8': 'stateOrProvinceName',
  '2.5.4.7': 'L',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '1.2.643.100.1': 'OGRN',
  '1.2.643.100.3': 'SNILS',
  '1.2.643.3.131.1.1': 'INN',
};

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** The certificate fields of a `cert_list` entry, minus `id` (which comes from the token). */
export interface IfcCertificateFields {
  cert_sn: string;
  cert_subject: string;
  cert_issuer: string;
  cert_valid_from: string;
  cert_valid_to: string;
  cert_sign_alg: string;
}

/** `cert_info` of get_x509_info. */
export interface IfcCertificateInfo extends IfcCertificateFields {
  base64: string;
  pem: string;
  version: number;
  extensions: string;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** OpenSSL's ASN1_TIME_print form in UTC, e.g. "Mar  5 12:34:56 2024 GMT" (day padded with a space). */
export function formatOpenSslDate(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, ' ');
  const time = `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}`;
  return `${MONTHS[date.getUTCMonth()]} ${day} ${time} ${date.getUTCFullYear()} GMT`;
}

/** One RDN per line, `key=value`; newlines inside values become spaces, so a value never breaks a line. */
export function formatDn(name: ParsedName): string {
  return name
    .flat()
    .map((attribute) => {
      const key = DN_KEYS[attribute.oid] ?? attribute.oid;
      const value = (attribute.text ?? '#' + toHex(attribute.ber)).replace(/[\r\n]+/g, ' ').trim();
      return `${key}=${value}`;
    })
    .join('\n');
}

const KEY_USAGE = [
  'Digital Signature',
  'Non Repudiation',
  'Key Encipherment',
  'Data Encipherment',
  'Key Agreement',
  'Certificate Sign',
  'CRL Sign',
  'Encipher Only',
  'Decipher Only',
];
const EXTENSION_NAMES: Record<string, string> = {
  '2.5.29.14': 'X509v3 Subject Key Identifier',
  '2.5.29.15': 'X509v3 Key Usage',
  '2.5.29.17': 'X509v3 Subject Alternative Name',
  '2.5.29.19': 'X509v3 Basic Constraints',
  '2.5.29.31': 'X509v3 CRL Distribution Points',
  '2.5.29.32': 'X509v3 Certificate Policies',
  '2.5.29.35': 'X509v3 Authority Key Identifier',
  '2.5.29.37': 'X509v3 Extended Key Usage',
  '1.3.6.1.5.5.7.1.1': 'Authority Information Access',
  '1.2.643.100.111': 'Subject Sign Tool',
  '1.2.643.100.112': 'Issuer Sign Tool',
};

function knownExtensionValue(ext: CertificateExtension): string | null {
  const value = readRoot(ext.value);
  switch (ext.oid) {
    case '2.5.29.15': {
      const { bytes } = readBitString(value);
      return KEY_USAGE.filter((_, bit) => ((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1).join(', ');
    }
    case '2.5.29.37':
      return children(value).map(readOid).join(', ');
    case '2.5.29.19': {
      const first = children(value)[0];
      return `CA:${first?.tag === TAG.BOOLEAN && content(first)[0] !== 0 ? 'TRUE' : 'FALSE'}`;
    }
    case '2.5.29.32':
      return children(value)
        .map((policy) => `Policy: ${readOid(children(policy)[0] ?? policy)}`)
        .join(', ');
    default:
      return null;
  }
}

function extensionValue(ext: CertificateExtension): string {
  try {
    return knownExtensionValue(ext) ?? toHex(ext.value);
  } catch {
    return toHex(ext.value); // an extension we cannot read is shown as its bytes
  }
}

/** A short text dump of the extensions, one per line pair, in OpenSSL's wording where known. */
function extensionsText(extensions: CertificateExtension[]): string {
  return extensions
    .map((ext) => {
      const name = EXTENSION_NAMES[ext.oid] ?? ext.oid;
      return `${name}:${ext.critical ? ' critical' : ''}\n    ${extensionValue(ext)}`;
    })
    .join('\n');
}

export function certificateFields(der: Uint8Array): IfcCertificateFields {
  const cert = parseCertificate(der);
  const spki = children(cert.subjectPublicKeyInfo)[0];
  return {
    cert_sn: integerHex(content(cert.serialNumber)),
    cert_subject: formatDn(parseName(cert.subject)),
    cert_issuer: formatDn(parseName(cert.issuer)),
    cert_valid_from: formatOpenSslDate(new Date(cert.notBefore)),
    cert_valid_to: formatOpenSslDate(new Date(cert.notAfter)),
    cert_sign_alg: readAlgorithm(spki, 'SubjectPublicKeyInfo.algorithm').oid,
  };
}

export function derToPem(der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function certificateInfo(der: Uint8Array): IfcCertificateInfo {
  const cert = parseCertificate(der);
  return {
    ...certificateFields(der),
    base64: toBase64(der),
    pem: derToPem(der),
    version: cert.version,
    extensions: extensionsText(cert.extensions),
  };
}
