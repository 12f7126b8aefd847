// The certificate model as it was read with pkijs/asn1js before shared/certificate.ts got its own DER
// reader: kept only as the reference that test/unit/certificate-equivalence.test.ts compares against.
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { CertificateDescription } from '../../shared/protocol';
import { integerBytesHex } from '../../shared/der';
import { toBase64 } from '../../shared/encoding';
// The naming tables and rules (key algorithms, key usages), DN formatting and validity rules did not change with the new reader: only how bytes are read
// did, so those are shared and what is compared is the reading.
import {
  certificateStatus,
  CertificateParseError,
  expiresInDays,
  firstText,
  formatName,
  keyAlgorithmName,
  keyUsageNames,
  subjectFields,
  type NameAttribute,
  type ParsedName,
} from '../../shared/certificate';
import { OID } from '../../shared/oids';
import { sha256Hex } from '../../shared/sha256';

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

/** "RSA-2048", "ECDSA-P256", "GOST-2012-256", ... or the SPKI algorithm OID: the parts read by pkijs, named by the model. */
export function keyAlgorithmOf(spki: pkijs.PublicKeyInfo): string {
  const oid = spki.algorithm.algorithmId;
  if (oid === OID.rsaEncryption || oid === OID.rsaPss) {
    const seq = asn1js.fromBER(spki.subjectPublicKey.valueBlock.valueHexView).result;
    const modulus = seq instanceof asn1js.Sequence ? seq.valueBlock.value[0] : undefined;
    return keyAlgorithmName(oid, { rsaModulus: modulus instanceof asn1js.Integer ? modulus.valueBlock.valueHexView : undefined });
  }
  const params = spki.algorithm.algorithmParams as unknown;
  return keyAlgorithmName(oid, { curve: params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : undefined });
}

function keyUsageOf(cert: pkijs.Certificate): string[] {
  const ext = cert.extensions?.find((e) => e.extnID === OID.keyUsage);
  if (!ext) return [];
  const parsed = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView);
  if (!(parsed.result instanceof asn1js.BitString)) return [];
  return keyUsageNames(parsed.result.valueBlock.valueHexView, parsed.result.valueBlock.unusedBits);
}

/** Parses DER into a pkijs Certificate, with a clear error for anything else. */
export function parsePkijsCertificate(der: Uint8Array): pkijs.Certificate {
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
  const cert = parsePkijsCertificate(der);
  const subject = parseName(cert.subject);
  const issuer = parseName(cert.issuer);
  const notBefore = cert.notBefore.value;
  const notAfter = cert.notAfter.value;
  return {
    der: toBase64(der),
    thumbprint: sha256Hex(der),
    subject: subjectFields(subject),
    subjectDN: formatName(subject),
    issuerDN: formatName(issuer),
    issuerCommonName: firstText(issuer, OID.commonName) ?? '',
    serialNumber: integerBytesHex(cert.serialNumber.valueBlock.valueHexView),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    status: certificateStatus(notBefore, notAfter, now),
    expiresInDays: expiresInDays(notAfter, now),
    keyAlgorithm: keyAlgorithmOf(cert.subjectPublicKeyInfo),
    keyUsage: keyUsageOf(cert),
  };
}
