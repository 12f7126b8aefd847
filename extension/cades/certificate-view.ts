// The host's certificate list in the shape the page's Certificate objects report (background side):
// upper-case SHA-1 thumbprints, CryptoAPI-style names ("CN=…, O=…, C=RU"), EKU and policy OIDs.
import { firstText, parseName, readX509Fields, type ParsedName } from '../../shared/certificate';
import { OID } from '../../shared/oids';
import type { CertificateInfo } from '../../shared/protocol';
import { children, readBitString, readOid, readRoot, content, readAlgorithm } from '../../shared/der';
import { fromBase64, toHex } from '../../shared/encoding';
import type { CadesCertificate } from './bridge';

/** Attribute names as CryptoAPI prints them (and page libraries parse them); others are "OID.x.y". */
const NAME_KEYS: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.surname]: 'SN',
  [OID.givenName]: 'G',
  [OID.country]: 'C',
  [OID.state]: 'S',
  [OID.locality]: 'L',
  [OID.street]: 'STREET',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.title]: 'T',
  [OID.email]: 'E',
  [OID.serialNumber]: 'SERIALNUMBER',
  [OID.inn]: 'INN',
  [OID.ogrn]: 'OGRN',
  [OID.ogrnip]: 'OGRNIP',
  [OID.snils]: 'SNILS',
};

function quoteValue(value: string): string {
  return /^[ #]|[,+="\n<>;]| $/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A Name as CryptoAPI's CertNameToStr prints it: most specific RDN first, ", " between. */
export function cryptoApiName(rdns: ParsedName): string {
  return [...rdns]
    .reverse()
    .map((rdn) => rdn.map((a) => `${NAME_KEYS[a.oid] ?? `OID.${a.oid}`}=${quoteValue(a.text ?? '')}`).join(' + '))
    .join(', ');
}

function oidList(value: Uint8Array, pick: (node: ReturnType<typeof readRoot>) => ReturnType<typeof readRoot> | undefined): string[] {
  return children(readRoot(value)).flatMap((node) => {
    const oidNode = pick(node);
    return oidNode ? [readOid(oidNode)] : [];
  });
}

function keyLength(certificate: CertificateInfo): number {
  const match = /(\d+)$/.exec(certificate.keyAlgorithm);
  return match ? Number(match[1]) : 0;
}

async function sha1Hex(der: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', new Uint8Array(der)));
  return toHex(digest).toUpperCase();
}

export async function cadesCertificate(certificate: CertificateInfo): Promise<CadesCertificate> {
  const der = fromBase64(certificate.der);
  const x509 = readX509Fields(der);
  const subject = parseName(x509.subject);
  const issuer = parseName(x509.issuer);
  let keyUsage = -1;
  let ekus: string[] | null = null;
  let policies: string[] = [];
  for (const ext of x509.extensions) {
    if (ext.oid === OID.keyUsage) {
      const { bytes } = readBitString(readRoot(ext.value));
      keyUsage = (bytes[0] ?? 0) | ((bytes[1] ?? 0) << 8);
    } else if (ext.oid === OID.extKeyUsage) ekus = oidList(ext.value, (n) => n);
    else if (ext.oid === OID.certificatePolicies) policies = oidList(ext.value, (n) => children(n)[0]);
  }
  const spki = children(x509.subjectPublicKeyInfo)[0];
  return {
    der: certificate.der,
    thumbprint: await sha1Hex(der),
    subjectName: cryptoApiName(subject),
    issuerName: cryptoApiName(issuer),
    subjectSimpleName: firstText(subject, OID.commonName) ?? '',
    issuerSimpleName: firstText(issuer, OID.commonName) ?? '',
    subjectEmail: firstText(subject, OID.email) ?? '',
    serialNumber: toHex(content(x509.serialNumber)).toUpperCase(),
    validFrom: certificate.notBefore,
    validTo: certificate.notAfter,
    status: certificate.status,
    hasPrivateKey: certificate.hasPrivateKey,
    keyAlgorithmOid: readAlgorithm(spki, 'SubjectPublicKeyInfo.algorithm').oid,
    keyAlgorithmName: certificate.keyAlgorithm,
    keyLength: keyLength(certificate),
    keyUsage,
    ekus,
    policies,
  };
}
