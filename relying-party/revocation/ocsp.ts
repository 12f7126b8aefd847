// OCSP (RFC 6960) for one certificate: the request with a fresh nonce, and the answer checked: signed by the
// CA or a responder it delegated (id-kp-OCSPSigning), for this certificate, echoing our nonce, current.
import { createHash } from 'node:crypto';
import { DerError, TAG, children, content, expectTag, integerHex, readAlgorithm, readBitString, readOctetString, readOid, readRoot, readTime, tlv, type DerNode } from '../../shared/der';
import { DER_NULL, derIntegerHex, derOctetString, derOid, derSequence, derTlv } from '../../shared/der-writer';
import { linkVerifies } from '../chain';
import { VerificationError } from '../errors';
import { digest, verifySignature } from '../signature';
import { nameLabel, parseCertificateNode, type ParsedCertificate } from '../x509';
import { OID } from '../../shared/oids';
import { RevocationUnavailable } from './fetch';
import { checkTimes, crlReasonName, type RevocationAnswer } from './answer';

const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized'];

export interface OcspContext {
  cert: ParsedCertificate;
  issuer: ParsedCertificate;
  now: number;
  skew: number;
}

function subjectPublicKeyBits(cert: ParsedCertificate): Uint8Array {
  return readBitString(children(readRoot(cert.spki))[1]!).bytes;
}

function hashWith(oid: string, data: Uint8Array): Uint8Array {
  // SHA-1 only identifies the certificate here (RFC 5019 CertID), it protects nothing.
  if (oid === OID.sha1) return createHash('sha1').update(data).digest();
  return digest(oid, data);
}

/** OCSPRequest for the certificate, SHA-1 CertID (what every responder supports), with `nonce`. */
export function ocspRequest(ctx: OcspContext, nonce: Uint8Array): Uint8Array {
  const certId = derSequence(
    derSequence(derOid(OID.sha1), DER_NULL),
    derOctetString(hashWith(OID.sha1, ctx.issuer.subjectRaw)),
    derOctetString(hashWith(OID.sha1, subjectPublicKeyBits(ctx.issuer))),
    derIntegerHex(ctx.cert.serialHex),
  );
  const nonceExtension = derSequence(derOid(OID.ocspNonce), derOctetString(derOctetString(nonce)));
  const tbsRequest = derSequence(derSequence(derSequence(certId)), derTlv(0xa2, derSequence(nonceExtension)));
  return derSequence(tbsRequest);
}

function unavailable(message: string): RevocationUnavailable {
  return new RevocationUnavailable(`OCSP: ${message}`);
}

/** The BasicOCSPResponse inside an OCSPResponse, or why there is none. */
function basicResponse(der: Uint8Array): DerNode[] {
  const [status, bytes] = children(expectTag(readRoot(der), TAG.SEQUENCE, 'OCSPResponse'));
  const code = content(expectTag(status, 0x0a, 'responseStatus'))[0] ?? -1;
  if (code !== 0) throw unavailable(`the responder answered ${RESPONSE_STATUS[code] ?? code}`);
  const [type, octets] = children(expectTag(children(expectTag(bytes, 0xa0, 'responseBytes'))[0], TAG.SEQUENCE, 'ResponseBytes'));
  if (readOid(type!) !== OID.ocspBasic) throw unavailable('the response is not a basic OCSP response');
  return children(expectTag(readRoot(readOctetString(octets!)), TAG.SEQUENCE, 'BasicOCSPResponse'));
}

interface ResponseData {
  responder: DerNode;
  responses: DerNode[];
  nonce?: Uint8Array;
}

function readResponseData(tbs: DerNode): ResponseData {
  const fields = children(expectTag(tbs, TAG.SEQUENCE, 'ResponseData'));
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const responder = fields[i++]!;
  expectTag(fields[i++], TAG.GENERALIZED_TIME, 'producedAt');
  const responses = children(expectTag(fields[i++], TAG.SEQUENCE, 'responses'));
  const out: ResponseData = { responder, responses };
  const extensions = fields[i]?.tag === 0xa1 ? children(children(fields[i]!)[0]!) : [];
  for (const ext of extensions) {
    const parts = children(ext);
    if (readOid(parts[0]!) === OID.ocspNonce) out.nonce = content(parts[parts.length - 1]!);
  }
  return out;
}

function responderMatches(responder: DerNode, candidate: ParsedCertificate): boolean {
  const [id] = children(responder);
  if (responder.tag === 0xa1) return !!id && Buffer.compare(tlv(id), candidate.subjectRaw) === 0;
  if (responder.tag === 0xa2) return !!id && Buffer.compare(content(id), hashWith(OID.sha1, subjectPublicKeyBits(candidate))) === 0;
  throw new DerError('unknown responderID');
}

/** The certificate whose key signed the answer, if the CA itself or a responder it delegated. */
function authorizedSigner(responder: DerNode, included: ParsedCertificate[], ctx: OcspContext): ParsedCertificate {
  if (responderMatches(responder, ctx.issuer)) return ctx.issuer;
  const delegated = included.find((c) => responderMatches(responder, c));
  if (!delegated) throw unavailable(`the response is signed by a responder that is neither the CA ${ctx.issuer.subjectLabel} nor a certificate it carries`);
  const who = `responder ${delegated.subjectLabel}`;
  if (delegated.issuerKey !== ctx.issuer.subjectKey || !linkVerifies(delegated, ctx.issuer)) {
    throw unavailable(`${who} was not issued by the CA ${ctx.issuer.subjectLabel}: an unauthorized key signed the response`);
  }
  if (!delegated.extendedKeyUsage?.includes(OID.ocspSigning)) {
    throw unavailable(`${who} lacks id-kp-OCSPSigning: the CA did not delegate OCSP to it`);
  }
  if (ctx.now + ctx.skew < delegated.notBefore || ctx.now - ctx.skew > delegated.notAfter) throw unavailable(`${who}'s certificate is not valid now`);
  return delegated;
}

function certIdMatches(certId: DerNode, ctx: OcspContext): boolean {
  const [alg, nameHash, keyHash, serial] = children(expectTag(certId, TAG.SEQUENCE, 'CertID'));
  const hashOid = readAlgorithm(alg, 'CertID.hashAlgorithm').oid;
  let expectedName: Uint8Array;
  let expectedKey: Uint8Array;
  try {
    expectedName = hashWith(hashOid, ctx.issuer.subjectRaw);
    expectedKey = hashWith(hashOid, subjectPublicKeyBits(ctx.issuer));
  } catch (e) {
    if (e instanceof VerificationError) return false;
    throw e;
  }
  return (
    integerHex(expectTag(serial, TAG.INTEGER, 'CertID.serialNumber')) === ctx.cert.serialHex &&
    Buffer.compare(content(nameHash!), expectedName) === 0 &&
    Buffer.compare(content(keyHash!), expectedKey) === 0
  );
}

function readSingleResponse(single: DerNode, ctx: OcspContext): RevocationAnswer {
  const [, status, thisUpdateNode, ...rest] = children(single);
  const thisUpdate = readTime(expectTag(thisUpdateNode, TAG.GENERALIZED_TIME, 'thisUpdate'));
  const nextNode = rest.find((n) => n.tag === 0xa0);
  const nextUpdate = nextNode ? readTime(children(nextNode)[0]!) : undefined;
  checkTimes('OCSP response', thisUpdate, nextUpdate, ctx.now, ctx.skew);
  const times = nextUpdate === undefined ? { thisUpdate } : { thisUpdate, nextUpdate };
  if (status!.tag === 0x80) return { status: 'good', ...times };
  if (status!.tag === 0x82) return { status: 'unknown', ...times };
  if (status!.tag !== 0xa1) throw new DerError('unknown certStatus');
  const [when, reasonNode] = children(status!);
  const revokedAt = readTime(expectTag(when, TAG.GENERALIZED_TIME, 'revocationTime'));
  const reasonCode = reasonNode ? content(children(reasonNode)[0]!)[0] : undefined;
  return { status: 'revoked', ...times, revokedAt, reason: crlReasonName(reasonCode) };
}

/** Checks an OCSP answer for `ctx.cert` against the nonce we sent. Throws RevocationUnavailable when it cannot be relied on. */
export function readOcspResponse(der: Uint8Array, ctx: OcspContext, nonce: Uint8Array): RevocationAnswer {
  try {
    const [tbs, algorithm, signatureNode, certsNode] = basicResponse(der);
    const data = readResponseData(tbs!);
    const included = certsNode ? children(children(certsNode)[0]!).map((n) => parseCertificateNode(n, tlv(n))) : [];
    const signer = authorizedSigner(data.responder, included, ctx);
    const { oid, parameters } = readAlgorithm(algorithm, 'BasicOCSPResponse.signatureAlgorithm');
    const signature = readBitString(expectTag(signatureNode, TAG.BIT_STRING, 'signature')).bytes;
    if (!verifySignature({ algorithmOid: oid, ...(parameters ? { parameters } : {}), spki: signer.spki, signedBytes: tlv(tbs!), signature })) {
      throw unavailable(`the response's signature does not verify with the key of ${signer.subjectLabel}`);
    }
    if (!data.nonce || Buffer.compare(data.nonce, derOctetString(nonce)) !== 0) {
      throw unavailable(`the response does not carry our nonce: a replayed or pre-made answer, not one for this login (responder of ${nameLabel(ctx.issuer.subjectRaw)})`);
    }
    const single = data.responses.find((r) => certIdMatches(children(r)[0]!, ctx));
    if (!single) throw unavailable(`the response says nothing about certificate serial ${ctx.cert.serialHex}`);
    return readSingleResponse(single, ctx);
  } catch (e) {
    if (e instanceof DerError) throw unavailable(`the response is malformed: ${e.message}`);
    if (e instanceof VerificationError) throw unavailable(`the response cannot be checked: ${e.message}`);
    throw e;
  }
}
