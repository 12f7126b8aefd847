// CRLs (RFC 5280 §5): fetched from the certificate's distribution point, signature and validity checked,
// kept (parsed, in this process) until nextUpdate.
import { DerError, TAG, children, content, expectTag, integerHex, readAlgorithm, readBitString, readOid, readRoot, readTime, tlv, type DerNode } from '../../shared/der';
import { OID } from '../../shared/oids';
import { VerificationError } from '../errors';
import { verifySignature } from '../signature';
import { KEY_USAGE, hasKeyUsage, type ParsedCertificate } from '../x509';
import { RevocationUnavailable } from './fetch';
import { checkTimes, crlReasonName, type RevocationAnswer } from './answer';

export interface CertificateList {
  issuerKey: string;
  thisUpdate: number;
  nextUpdate?: number;
  /** serial (lowercase hex) → revocation time and reason. */
  revoked: Map<string, { revokedAt: number; reason: string }>;
}

/** CRL extensions a relying party may ignore (RFC 5280 §5.2): anything else critical makes the CRL unusable here. */
const UNDERSTOOD = new Set<string>([OID.crlNumber, OID.authorityKeyIdentifier]);

function unavailable(message: string): RevocationUnavailable {
  return new RevocationUnavailable(`CRL: ${message}`);
}

function readEntries(node: DerNode | undefined): CertificateList['revoked'] {
  const revoked: CertificateList['revoked'] = new Map();
  for (const entry of node ? children(node) : []) {
    const [serial, date, extensions] = children(expectTag(entry, TAG.SEQUENCE, 'revokedCertificate'));
    let reason: number | undefined;
    for (const ext of extensions ? children(extensions) : []) {
      const parts = children(ext);
      if (readOid(parts[0]!) === OID.crlReason) reason = content(readRoot(content(parts[parts.length - 1]!)))[0];
    }
    revoked.set(integerHex(expectTag(serial, TAG.INTEGER, 'userCertificate')), { revokedAt: readTime(date!), reason: crlReasonName(reason) });
  }
  return revoked;
}

function checkExtensions(node: DerNode | undefined): void {
  for (const ext of node ? children(children(node)[0]!) : []) {
    const parts = children(ext);
    const oid = readOid(parts[0]!);
    const critical = parts.length > 2 && parts[1]!.tag === TAG.BOOLEAN && content(parts[1]!)[0] !== 0;
    if (critical && !UNDERSTOOD.has(oid)) throw unavailable(`the CRL has a critical extension ${oid} (delta or partial CRLs are not supported)`);
  }
}

/** Parses and checks a CRL issued by `issuer`. Throws RevocationUnavailable when it cannot be relied on at `now`. */
export function readCrl(der: Uint8Array, issuer: ParsedCertificate, now: number, skew: number): CertificateList {
  try {
    const [tbs, outerAlgorithm, signatureNode] = children(expectTag(readRoot(der), TAG.SEQUENCE, 'CertificateList'));
    const fields = children(expectTag(tbs, TAG.SEQUENCE, 'TBSCertList'));
    let i = fields[0]?.tag === TAG.INTEGER ? 1 : 0;
    const innerAlgorithm = fields[i++]!;
    const issuerName = expectTag(fields[i++], TAG.SEQUENCE, 'issuer');
    const thisUpdate = readTime(fields[i++]!);
    const nextUpdate = fields[i] && (fields[i]!.tag === TAG.UTC_TIME || fields[i]!.tag === TAG.GENERALIZED_TIME) ? readTime(fields[i++]!) : undefined;
    const entries = fields[i]?.tag === TAG.SEQUENCE ? fields[i++] : undefined;
    checkExtensions(fields[i]?.tag === 0xa0 ? fields[i] : undefined);
    if (Buffer.compare(tlv(issuerName), issuer.subjectRaw) !== 0) throw unavailable(`the CRL is not issued by ${issuer.subjectLabel}`);
    if (issuer.keyUsage && !hasKeyUsage(issuer, KEY_USAGE.cRLSign)) throw unavailable(`the CA ${issuer.subjectLabel} may not sign CRLs (keyUsage lacks cRLSign)`);
    if (Buffer.compare(tlv(innerAlgorithm), tlv(outerAlgorithm!)) !== 0) throw unavailable('the CRL names two different signature algorithms');
    const { oid, parameters } = readAlgorithm(outerAlgorithm, 'CertificateList.signatureAlgorithm');
    const signature = readBitString(expectTag(signatureNode, TAG.BIT_STRING, 'signatureValue')).bytes;
    if (!verifySignature({ algorithmOid: oid, ...(parameters ? { parameters } : {}), spki: issuer.spki, signedBytes: tlv(tbs!), signature })) {
      throw unavailable(`the CRL's signature does not verify with the key of ${issuer.subjectLabel}`);
    }
    if (nextUpdate === undefined) throw unavailable('the CRL has no nextUpdate, so nothing says how long it stands');
    checkTimes('CRL', thisUpdate, nextUpdate, now, skew);
    return { issuerKey: issuer.thumbprint, thisUpdate, nextUpdate, revoked: readEntries(entries) };
  } catch (e) {
    if (e instanceof DerError) throw unavailable(`the CRL is malformed: ${e.message}`);
    if (e instanceof VerificationError) throw unavailable(`the CRL cannot be checked: ${e.message}`);
    throw e;
  }
}

export function crlAnswer(list: CertificateList, cert: ParsedCertificate): RevocationAnswer {
  const times = list.nextUpdate === undefined ? { thisUpdate: list.thisUpdate } : { thisUpdate: list.thisUpdate, nextUpdate: list.nextUpdate };
  const entry = list.revoked.get(cert.serialHex);
  return entry ? { status: 'revoked', ...times, ...entry } : { status: 'good', ...times };
}
