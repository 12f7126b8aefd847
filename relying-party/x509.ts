// X.509 certificates as the verifier needs them: raw names for chain building, validity,
// public key, signature and the few extensions that decide trust. Parsed once, then cached.
// The certificate structure itself is read by shared/certificate.ts (readCertificateNode).
import { OID } from '../shared/oids';
import { createHash } from 'node:crypto';
import { readCertificateNode } from '../shared/certificate';
import { isBase64 } from '../shared/encoding';
import {
  DerError,
  TAG,
  children,
  content,
  expectTag,
  integerHex,
  readBitString,
  readOctetString,
  readOid,
  readRoot,
  readSmallInteger,
  readString,
  readAlgorithm,
  tlv,
  type DerNode,
} from '../shared/der';

export interface AlgorithmIdentifier {
  oid: string;
  parameters?: Uint8Array;
}

export interface ParsedCertificate {
  der: Uint8Array;
  /** Hex SHA-256 of the DER: the certificate's identity in caches and messages. */
  thumbprint: string;
  version: number;
  serialHex: string;
  /** DER of the issuer and subject Names, compared bytewise when building chains. */
  issuerRaw: Uint8Array;
  subjectRaw: Uint8Array;
  issuerKey: string;
  subjectKey: string;
  /** Short readable subject (CN, else the whole DN) for messages. */
  subjectLabel: string;
  issuerLabel: string;
  notBefore: number;
  notAfter: number;
  spki: Uint8Array;
  tbs: Uint8Array;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  /** True when the TBS names the same signature algorithm as the outer certificate. */
  algorithmsAgree: boolean;
  hasExtensions: boolean;
  basicConstraints?: { ca: boolean; pathLength?: number };
  /** KeyUsage bits (bit 0 = digitalSignature at 0x80 of the first byte), absent when no extension. */
  keyUsage?: Uint8Array;
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  /** extendedKeyUsage purposes (OIDs), absent when no extension. */
  extendedKeyUsage?: string[];
  /** OCSP responder URIs from authorityInfoAccess, in certificate order. */
  ocspUrls: string[];
  /** Full-name URIs of the CRL distribution points, in certificate order. */
  crlUrls: string[];
  /** certificatePolicies policy OIDs. */
  policies: string[];
  /** 1.2.643.100.111 subjectSignTool: the signer's cryptographic tool (Russian qualified certificates). */
  subjectSignTool?: string;
  /** 1.2.643.100.112 issuerSignTool: the CA's tools and their conformity certificates. */
  issuerSignTool?: string[];
}


export const KEY_USAGE = { digitalSignature: 0, nonRepudiation: 1, keyCertSign: 5, cRLSign: 6 } as const;

export function hasKeyUsage(cert: ParsedCertificate, bit: number): boolean {
  const bits = cert.keyUsage;
  if (!bits) return false;
  const byte = bits[bit >> 3];
  return byte !== undefined && (byte & (0x80 >> (bit & 7))) !== 0;
}

const NAME_LABELS: Record<string, string> = {
  [OID.commonName]: 'CN',
  [OID.organization]: 'O',
  [OID.organizationalUnit]: 'OU',
  [OID.country]: 'C',
  [OID.locality]: 'L',
  [OID.state]: 'ST',
  [OID.surname]: 'SN',
  [OID.givenName]: 'GN',
  [OID.title]: 'title',
};

/** "CN=…" when the name has a commonName, else the readable attributes joined; for messages only. */
export function nameLabel(raw: Uint8Array): string {
  try {
    const parts: string[] = [];
    let cn: string | undefined;
    for (const rdn of children(readRoot(raw))) {
      for (const atv of children(rdn)) {
        const [typeNode, valueNode] = children(atv);
        if (!typeNode || !valueNode) continue;
        const oid = readOid(typeNode);
        const text = readString(valueNode);
        const label = NAME_LABELS[oid];
        if (text === null || !label) continue;
        if (oid === OID.commonName && cn === undefined) cn = text;
        parts.push(`${label}=${text}`);
      }
    }
    if (cn !== undefined) return `"${cn}"`;
    return parts.length ? `"${parts.join(', ')}"` : '(empty name)';
  } catch {
    return '(unreadable name)';
  }
}

function latin1Key(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** Parses a DER certificate. Throws DerError with the reason when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const root = readRoot(der);
  return parseCertificateNode(root, der.subarray(root.start, root.end));
}

export function parseCertificateNode(root: DerNode, der: Uint8Array): ParsedCertificate {
  const fields = readCertificateNode(root);
  const signatureAlgorithm = readAlgorithm(fields.signatureAlgorithm, 'Certificate.signatureAlgorithm');
  const outerAlgBytes = tlv(fields.signatureAlgorithm);
  const innerAlgBytes = tlv(fields.innerSignatureAlgorithm);
  const issuerRaw = tlv(fields.issuer);
  const subjectRaw = tlv(fields.subject);

  const cert: ParsedCertificate = {
    der,
    thumbprint: createHash('sha256').update(der).digest('hex'),
    version: fields.version,
    serialHex: integerHex(fields.serialNumber),
    issuerRaw,
    subjectRaw,
    issuerKey: latin1Key(issuerRaw),
    subjectKey: latin1Key(subjectRaw),
    subjectLabel: nameLabel(subjectRaw),
    issuerLabel: nameLabel(issuerRaw),
    notBefore: fields.notBefore,
    notAfter: fields.notAfter,
    spki: tlv(fields.subjectPublicKeyInfo),
    tbs: tlv(fields.tbs),
    signatureAlgorithm,
    signature: fields.signature,
    algorithmsAgree: Buffer.compare(outerAlgBytes, innerAlgBytes) === 0,
    hasExtensions: fields.hasExtensions,
    ocspUrls: [],
    crlUrls: [],
    policies: [],
  };
  for (const ext of fields.extensions) readExtension(cert, ext.oid, ext.value);
  return cert;
}

function readExtension(cert: ParsedCertificate, oid: string, value: Uint8Array): void {
  switch (oid) {
    case OID.basicConstraints: {
      const fields = children(expectTag(readRoot(value), TAG.SEQUENCE, 'basicConstraints'));
      let ca = false;
      let pathLength: number | undefined;
      for (const f of fields) {
        if (f.tag === TAG.BOOLEAN) ca = content(f)[0] !== 0;
        else if (f.tag === TAG.INTEGER) pathLength = readSmallInteger(f);
      }
      cert.basicConstraints = pathLength === undefined ? { ca } : { ca, pathLength };
      return;
    }
    case OID.keyUsage:
      cert.keyUsage = readBitString(readRoot(value)).bytes;
      return;
    case OID.subjectKeyIdentifier:
      cert.subjectKeyIdentifier = readOctetString(readRoot(value));
      return;
    case OID.authorityKeyIdentifier: {
      for (const f of children(expectTag(readRoot(value), TAG.SEQUENCE, 'authorityKeyIdentifier'))) {
        if (f.tag === 0x80) cert.authorityKeyIdentifier = content(f);
      }
      return;
    }
    case OID.extKeyUsage:
      cert.extendedKeyUsage = children(expectTag(readRoot(value), TAG.SEQUENCE, 'extendedKeyUsage')).map(readOid);
      return;
    default:
      informational(cert, oid, value);
  }
}

/** Extensions that inform (where to ask about revocation, what the certificate qualifies as): a malformed one is left out. */
function informational(cert: ParsedCertificate, oid: string, value: Uint8Array): void {
  try {
    if (oid === OID.authorityInfoAccess) {
      for (const access of children(expectTag(readRoot(value), TAG.SEQUENCE, 'authorityInfoAccess'))) {
        const [method, location] = children(access);
        if (method && location?.tag === 0x86 && readOid(method) === OID.accessOcsp) cert.ocspUrls.push(ascii(content(location)));
      }
    } else if (oid === OID.crlDistributionPoints) {
      for (const point of children(expectTag(readRoot(value), TAG.SEQUENCE, 'cRLDistributionPoints'))) {
        const name = children(point).find((n) => n.tag === 0xa0);
        const fullName = name && children(name).find((n) => n.tag === 0xa0);
        for (const general of fullName ? children(fullName) : []) if (general.tag === 0x86) cert.crlUrls.push(ascii(content(general)));
      }
    } else if (oid === OID.certificatePolicies) {
      for (const policy of children(expectTag(readRoot(value), TAG.SEQUENCE, 'certificatePolicies'))) {
        const [id] = children(policy);
        if (id) cert.policies.push(readOid(id));
      }
    } else if (oid === OID.subjectSignTool) {
      cert.subjectSignTool = readString(readRoot(value)) ?? undefined;
    } else if (oid === OID.issuerSignTool) {
      cert.issuerSignTool = children(expectTag(readRoot(value), TAG.SEQUENCE, 'issuerSignTool')).map((n) => readString(n) ?? '');
    }
  } catch (e) {
    if (!(e instanceof DerError)) throw e;
  }
}

function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** PEM text (one or more CERTIFICATE blocks) → DER buffers. */
export function pemToDer(pem: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    const body = (m[1] ?? '').replace(/\s+/g, '');
    if (!isBase64(body)) throw new DerError('PEM block is not base64');
    out.push(Buffer.from(body, 'base64'));
  }
  return out;
}

