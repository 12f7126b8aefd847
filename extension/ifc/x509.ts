// Certificate fields in the shapes the IFCPlugin page library reads (docs/IFC-COMPAT.md §5):
// DNs as "key=value" lines, OpenSSL-style UTC dates, hex serial, the public-key algorithm OID.
import { OID } from '../../shared/oids';
import { readX509Fields, type CertificateExtension, type ParsedName, parseName } from '../../shared/certificate';
import { children, content, integerHex, readAlgorithm, readBitString, readOid, readRoot, TAG } from '../../shared/der';
import { toBase64, toHex } from '../../shared/encoding';

/** Keys the page library's IFCDN table and the older DsPlugin parser both understand. */
const DN_KEYS: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'surname',
  [OID.givenName]: 'givenName',
  [OID.country]: 'C',
  [OID.state]: 'stateOrProvinceName',
  [OID.locality]: 'L',
  [OID.street]: 'street',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.title]: 'title',
  [OID.email]: 'emailAddress',
  [OID.ogrn]: 'OGRN',
  [OID.snils]: 'SNILS',
  [OID.inn]: 'INN',
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
  [OID.subjectKeyIdentifier]: 'X509v3 Subject Key Identifier',
  [OID.keyUsage]: 'X509v3 Key Usage',
  [OID.subjectAltName]: 'X509v3 Subject Alternative Name',
  [OID.basicConstraints]: 'X509v3 Basic Constraints',
  [OID.crlDistributionPoints]: 'X509v3 CRL Distribution Points',
  [OID.certificatePolicies]: 'X509v3 Certificate Policies',
  [OID.authorityKeyIdentifier]: 'X509v3 Authority Key Identifier',
  [OID.extKeyUsage]: 'X509v3 Extended Key Usage',
  [OID.authorityInfoAccess]: 'Authority Information Access',
  [OID.subjectSignTool]: 'Subject Sign Tool',
  [OID.issuerSignTool]: 'Issuer Sign Tool',
};

function knownExtensionValue(ext: CertificateExtension): string | null {
  const value = readRoot(ext.value);
  switch (ext.oid) {
    case OID.keyUsage: {
      const { bytes } = readBitString(value);
      return KEY_USAGE.filter((_, bit) => ((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1).join(', ');
    }
    case OID.extKeyUsage:
      return children(value).map(readOid).join(', ');
    case OID.basicConstraints: {
      const first = children(value)[0];
      return `CA:${first?.tag === TAG.BOOLEAN && content(first)[0] !== 0 ? 'TRUE' : 'FALSE'}`;
    }
    case OID.certificatePolicies:
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
  const cert = readX509Fields(der);
  const spki = children(cert.subjectPublicKeyInfo)[0];
  return {
    cert_sn: integerHex(cert.serialNumber),
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
  const cert = readX509Fields(der);
  return {
    ...certificateFields(der),
    base64: toBase64(der),
    pem: derToPem(der),
    version: cert.version,
    extensions: extensionsText(cert.extensions),
  };
}
