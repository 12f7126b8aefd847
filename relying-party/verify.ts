// verifyAuthentication (docs/PROTOCOL.md §4): is this `authenticate` answer a fresh signature, by a
// certificate the relying party trusts, over exactly its own origin and challenge?
import { BoundedCache } from '../shared/bounded-cache';
import { certificateStatus, describeCertificate, expiresInDays } from '../shared/certificate';
import { AUTH_CONTENT_TYPE_OID, AUTH_FORMAT, authPayload, isValidChallenge, isValidOrigin, type CertificateDescription } from '../shared/protocol';
import { loadTrustAnchors, verifyChain, type TrustAnchors, type TrustedCertificateInput } from './chain';
import { parseSignedData, type SignedAttributes, type SignedData, type SignerInfo } from './cms';
import { DerError } from '../shared/der';
import { isBase64 } from '../shared/encoding';
import { VerificationError } from './errors';
import { digest, verifySignature } from './signature';
import { signerFactsOf, type SignerFacts } from './qualified';
import { checkRevocation, revocationPolicy, type RevocationOptions, type RevocationStatus } from './revocation/index';
import { KEY_USAGE, hasKeyUsage, nameLabel, parseCertificate, parseCertificateNode, type ParsedCertificate } from './x509';

export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Larger answers are refused before parsing; a login CMS is a few kilobytes. */
const MAX_CMS_CHARS = 1024 * 1024;

export interface AuthenticationResponse {
  format: string;
  cms: string;
  certificate: string;
  /** The page client adds the origin the browser reported; informative only, never trusted. */
  origin?: string;
}

export interface VerifyAuthenticationOptions {
  /** The `authenticate` result as the page received it (untrusted input). */
  response: unknown;
  /** The challenge this relying party issued (and consumed) for this login. */
  challenge: string;
  /** The relying party's own origin, e.g. "https://portal.example" (never taken from the request). */
  origin: string;
  /** CA certificates to trust: PEM strings (one or more blocks each) or DER bytes. */
  trustedCertificates: readonly TrustedCertificateInput[];
  now?: Date | number;
  maxClockSkewMs?: number;
  /** How to learn whether the certificate is revoked; default { mode: 'ocsp-then-crl' }, failing closed. */
  revocation?: RevocationOptions;
}

/** The §2 certificate description plus what it says about the signer (qualified.ts). */
export type VerifiedCertificate = CertificateDescription & SignerFacts;

export interface VerifiedAuthentication {
  certificate: VerifiedCertificate;
  signedAt: Date;
  revocation: RevocationStatus;
}

interface LeafEntry {
  parsed: ParsedCertificate;
  description: CertificateDescription;
  facts: SignerFacts;
}

const CACHE_LIMIT = 5000;
/** The relying party passes the same origin every time: check its syntax once. */
let lastOrigin: string | undefined;
const leafCache = new BoundedCache<string, LeafEntry>(CACHE_LIMIT);
const intermediateCache = new BoundedCache<string, ParsedCertificate>(CACHE_LIMIT);

function formatError(message: string, cause?: unknown): VerificationError {
  return new VerificationError('FORMAT', message, cause === undefined ? undefined : { cause });
}

function readResponse(response: unknown): AuthenticationResponse {
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw formatError('the authentication response is not an object; pass the result of the page client authenticate() as is');
  }
  const r = response as Record<string, unknown>;
  if (r.format !== AUTH_FORMAT) {
    throw formatError(`response.format is ${JSON.stringify(r.format)}, expected "${AUTH_FORMAT}"`);
  }
  for (const field of ['cms', 'certificate'] as const) {
    const value = r[field];
    if (typeof value !== 'string' || value.length === 0) throw formatError(`response.${field} is missing or not a string`);
    if (value.length > MAX_CMS_CHARS) throw formatError(`response.${field} is larger than ${MAX_CMS_CHARS} characters`);
  }
  const out: AuthenticationResponse = { format: AUTH_FORMAT, cms: r.cms as string, certificate: r.certificate as string };
  if (typeof r.origin === 'string') out.origin = r.origin;
  return out;
}

/** Strict base64 (standard alphabet, padded, nothing else); Node's decoder alone would skip junk. */
function decodeBase64(text: string, what: string): Buffer {
  if (!isBase64(text)) throw formatError(`${what} is not standard base64`);
  return Buffer.from(text, 'base64');
}

function leafOf(certificateBase64: string): LeafEntry {
  const hit = leafCache.get(certificateBase64);
  if (hit) return hit;
  const der = decodeBase64(certificateBase64, 'response.certificate');
  let parsed: ParsedCertificate;
  let description: CertificateDescription;
  try {
    parsed = parseCertificate(der);
    description = describeCertificate(der);
  } catch (e) {
    throw formatError(`response.certificate is not an X.509 certificate: ${(e as Error).message}`, e);
  }
  return leafCache.set(certificateBase64, { parsed, description, facts: signerFactsOf(parsed, description.subject) });
}

function intermediateOf(entry: SignedData['certificates'][number]): ParsedCertificate {
  const key = Buffer.from(entry.der.buffer, entry.der.byteOffset, entry.der.byteLength).toString('base64');
  const hit = intermediateCache.get(key);
  if (hit) return hit;
  return intermediateCache.set(key, parseCertificateNode(entry.node, entry.der));
}

function signerMatches(signer: SignerInfo, cert: ParsedCertificate): boolean {
  const sid = signer.sid;
  if (sid.kind === 'issuerAndSerial') {
    return sid.serialHex === cert.serialHex && Buffer.compare(sid.issuerRaw, cert.issuerRaw) === 0;
  }
  return !!cert.subjectKeyIdentifier && Buffer.compare(sid.keyId, cert.subjectKeyIdentifier) === 0;
}

function describeSid(signer: SignerInfo): string {
  const sid = signer.sid;
  return sid.kind === 'issuerAndSerial'
    ? `issuer ${nameLabel(sid.issuerRaw)}, serial ${sid.serialHex}`
    : `subject key identifier ${Buffer.from(sid.keyId).toString('hex')}`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

function timeOf(now: Date | number | undefined): number {
  if (now === undefined) return Date.now();
  const ms = now instanceof Date ? now.getTime() : now;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError('now must be a valid Date or epoch milliseconds');
  return ms;
}

/** The relying party's own arguments, checked once (TypeError when wrong: these are bugs, not failed logins). */
interface Arguments {
  challenge: string;
  origin: string;
  skew: number;
  now: number;
  anchors: TrustAnchors;
  revocation: ReturnType<typeof revocationPolicy>;
}

/**
 * Verifies an `authenticate` answer. Returns the signer's certificate description and the
 * signing time; throws VerificationError (code per §4) when anything is wrong, TypeError when
 * the relying party's own arguments are. The checks run in the order the README lists them.
 */
export async function verifyAuthentication(options: VerifyAuthenticationOptions): Promise<VerifiedAuthentication> {
  const args = readArguments(options);
  const response = readResponse(options.response); // FORMAT
  const leaf = leafOf(response.certificate); // FORMAT
  const cert = leaf.parsed;
  const signed = readSignedData(response.cms); // FORMAT
  const signer = signed.signers[0]!;
  const attrs = checkIsLogin(signed, signer); // FORMAT
  const intermediates = checkSignerIsCertificate(signed, signer, cert); // SIGNATURE_INVALID
  const signedAt = checkSignature(signed, signer, attrs, cert, response, args); // FORMAT, SIGNATURE_INVALID, CONTENT_MISMATCH
  checkSigningTime(signedAt, args); // SIGNING_TIME
  checkValidity(cert, args.now); // CERTIFICATE_NOT_YET_VALID, CERTIFICATE_EXPIRED
  checkKeyUsage(cert); // KEY_USAGE
  const path = verifyChain(cert, intermediates, args.anchors, args.now); // CHAIN_UNTRUSTED
  const revocation = await checkRevocation(cert, path[1], args.revocation, args.now); // CERTIFICATE_REVOKED, REVOCATION_UNKNOWN (sync when cached)
  return resultOf(leaf, signedAt, args.now, revocation);
}

function readArguments(options: VerifyAuthenticationOptions): Arguments {
  if (typeof options !== 'object' || options === null) throw new TypeError('verifyAuthentication needs an options object');
  const { challenge, origin } = options;
  if (origin !== lastOrigin && !isValidOrigin(origin)) {
    throw new TypeError(`origin ${JSON.stringify(origin)} is not a web origin such as "https://portal.example" (no path, no trailing slash)`);
  }
  lastOrigin = origin;
  if (!isValidChallenge(challenge)) throw new TypeError('challenge must be the 43..512 character string the challenge store issued');
  const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  if (typeof skew !== 'number' || !(skew >= 0)) throw new TypeError('maxClockSkewMs must be a non-negative number');
  const now = timeOf(options.now);
  const revocation = revocationPolicy(options.revocation);
  return { challenge, origin, skew, now, anchors: loadTrustAnchors(options.trustedCertificates), revocation };
}

/** response.cms as SignedData with exactly one signer. */
function readSignedData(cmsBase64: string): SignedData {
  const cmsDer = decodeBase64(cmsBase64, 'response.cms');
  let signed: SignedData;
  try {
    signed = parseSignedData(cmsDer);
  } catch (e) {
    if (e instanceof DerError) throw formatError(`response.cms is not a CMS SignedData: ${e.message}`, e);
    throw e;
  }
  if (signed.signers.length !== 1) throw formatError(`the CMS has ${signed.signers.length} signers; a login needs exactly one`);
  return signed;
}

/**
 * The signer must be response.certificate, and the CMS must not carry a different certificate for it.
 * Returns the other certificates of the CMS: the intermediates for the chain.
 */
function checkSignerIsCertificate(signed: SignedData, signer: SignerInfo, cert: ParsedCertificate): ParsedCertificate[] {
  if (!signerMatches(signer, cert)) {
    throw new VerificationError(
      'SIGNATURE_INVALID',
      `the CMS names its signer by ${describeSid(signer)}, which is not response.certificate (${cert.subjectLabel}, serial ${cert.serialHex})`,
    );
  }
  const intermediates: ParsedCertificate[] = [];
  for (const entry of signed.certificates) {
    if (Buffer.compare(entry.der, cert.der) === 0) continue;
    let other: ParsedCertificate;
    try {
      other = intermediateOf(entry);
    } catch (e) {
      if (e instanceof DerError) throw formatError(`a certificate inside the CMS is malformed: ${e.message}`, e);
      throw e;
    }
    if (signerMatches(signer, other)) {
      throw new VerificationError('SIGNATURE_INVALID', 'the CMS carries a signer certificate other than response.certificate');
    }
    intermediates.push(other);
  }
  return intermediates;
}

/**
 * The signature, over exactly this origin's login payload and challenge. Returns signingTime
 * (undefined when the CMS has none, which checkSigningTime refuses).
 */
function checkSignature(
  signed: SignedData,
  signer: SignerInfo,
  attrs: SignedAttributes,
  cert: ParsedCertificate,
  response: AuthenticationResponse,
  args: Arguments,
): number | undefined {
  const { origin, challenge } = args;
  const payload = authPayload(origin, challenge);
  if (signed.eContent && Buffer.compare(signed.eContent, payload) !== 0) {
    throw new VerificationError(
      'CONTENT_MISMATCH',
      `the signed content is not the login payload for origin ${origin} and this challenge; the signature was made for another site or another login attempt`,
    );
  }
  const check = {
    algorithmOid: signer.signatureAlgorithm.oid,
    digestOid: signer.digestAlgorithm.oid,
    ...(signer.signatureAlgorithm.parameters ? { parameters: signer.signatureAlgorithm.parameters } : {}),
    spki: cert.spki,
    signature: signer.signature,
  };
  if (!attrs.messageDigest) throw formatError('the signed attributes lack messageDigest');
  if (!verifySignature({ ...check, signedBytes: attrs.signedBytes })) {
    throw new VerificationError('SIGNATURE_INVALID', `the signature of ${cert.subjectLabel} does not verify: the CMS was altered or not made with this certificate's key`);
  }
  const expected = digest(signer.digestAlgorithm.oid, payload);
  if (Buffer.compare(expected, attrs.messageDigest) !== 0) {
    throw new VerificationError('CONTENT_MISMATCH', contentMismatchMessage(response, origin, challenge, signer.digestAlgorithm.oid, attrs.messageDigest));
  }
  return attrs.signingTime;
}

function checkSigningTime(signedAt: number | undefined, { now, skew }: Arguments): asserts signedAt is number {
  if (signedAt === undefined) {
    throw new VerificationError('SIGNING_TIME', 'the CMS has no signingTime attribute; Tokensign signatures always carry one');
  }
  if (Math.abs(signedAt - now) > skew) {
    throw new VerificationError(
      'SIGNING_TIME',
      `signingTime ${isoDate(signedAt)} is ${Math.round((signedAt - now) / 1000)} s from the server time ${isoDate(now)}, beyond the allowed ${Math.round(skew / 1000)} s: check the clock of the user's computer and of the server`,
    );
  }
}

function checkValidity(cert: ParsedCertificate, now: number): void {
  if (now < cert.notBefore) {
    throw new VerificationError('CERTIFICATE_NOT_YET_VALID', `certificate ${cert.subjectLabel} is valid only from ${isoDate(cert.notBefore)}`);
  }
  if (now > cert.notAfter) {
    throw new VerificationError('CERTIFICATE_EXPIRED', `certificate ${cert.subjectLabel} expired on ${isoDate(cert.notAfter)}; the user needs a renewed certificate`);
  }
}

function checkKeyUsage(cert: ParsedCertificate): void {
  if (!cert.keyUsage) {
    throw new VerificationError('KEY_USAGE', `certificate ${cert.subjectLabel} has no keyUsage extension; a login certificate needs digitalSignature`);
  }
  if (!hasKeyUsage(cert, KEY_USAGE.digitalSignature)) {
    throw new VerificationError('KEY_USAGE', `certificate ${cert.subjectLabel} is not allowed to sign logins (keyUsage lacks digitalSignature)`);
  }
}

function resultOf(leaf: LeafEntry, signedAt: number, now: number, revocation: RevocationStatus): VerifiedAuthentication {
  const at = new Date(now);
  const { description, parsed: cert, facts } = leaf;
  return {
    certificate: {
      ...description,
      subject: { ...description.subject },
      keyUsage: [...description.keyUsage],
      status: certificateStatus(new Date(cert.notBefore), new Date(cert.notAfter), at),
      expiresInDays: expiresInDays(new Date(cert.notAfter), at),
      qualified: facts.qualified,
      qualification: facts.qualification, // frozen: the same facts for every login of this certificate
      holder: facts.holder,
    },
    signedAt: new Date(signedAt),
    revocation,
  };
}

function contentMismatchMessage(
  response: AuthenticationResponse,
  origin: string,
  challenge: string,
  digestOid: string,
  messageDigest: Uint8Array,
): string {
  if (response.origin !== undefined && response.origin !== origin && isValidOrigin(response.origin)) {
    const theirs = digest(digestOid, authPayload(response.origin, challenge));
    if (Buffer.compare(theirs, messageDigest) === 0) {
      return `the user signed in for origin ${response.origin}, but this server is ${origin}: a page on another site relayed the challenge, or the server's configured origin is wrong`;
    }
  }
  return `the signature is not over this server's origin (${origin}) and challenge: it was made for another site or another login attempt`;
}

/**
 * A login's CMS carries the login content type (AUTH_CONTENT_TYPE_OID) as eContentType and in its
 * signed attributes, which are required: `sign` never emits that type, and a signature straight over
 * the payload could come from a raw signature over its hash, so no `sign` output is a login (issue
 * 14, docs/PROTOCOL.md). Returns the signed attributes.
 */
function checkIsLogin(signed: SignedData, signer: SignerInfo): SignedAttributes {
  if (signed.eContentType !== AUTH_CONTENT_TYPE_OID) {
    throw formatError(
      `the CMS content type is ${signed.eContentType}, not the Tokensign login content type ${AUTH_CONTENT_TYPE_OID}: this is not a login (a document signature, or an older Tokensign)`,
    );
  }
  const attrs = signer.signedAttributes;
  if (!attrs) throw formatError('the CMS has no signed attributes; a Tokensign login always carries them');
  if (attrs.contentType === undefined) throw formatError('the signed attributes lack contentType');
  if (attrs.contentType !== AUTH_CONTENT_TYPE_OID) throw formatError('the contentType attribute is not the Tokensign login content type');
  return attrs;
}
