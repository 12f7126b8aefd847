// Certificate path building and validation (RFC 5280 §6, the parts a login needs):
// leaf → intermediates from the CMS → one of the trusted CA certificates.
import { BoundedCache } from '../shared/bounded-cache';
import { VerificationError } from './errors';
import { verifySignature } from './signature';
import { KEY_USAGE, hasKeyUsage, parseCertificate, pemToDer, type ParsedCertificate } from './x509';

export type TrustedCertificateInput = string | Uint8Array;

export interface TrustAnchors {
  certificates: ParsedCertificate[];
  bySubject: Map<string, ParsedCertificate[]>;
}

const MAX_PATH = 8;
const CACHE_LIMIT = 5000;

const anchorCache = new BoundedCache<string, ParsedCertificate[]>(CACHE_LIMIT);
const anchorSetCache = new WeakMap<readonly TrustedCertificateInput[], { items: TrustedCertificateInput[]; anchors: TrustAnchors }>();
/** child thumbprint + issuer thumbprint of links whose signature verified. */
const verifiedLinks = new BoundedCache<string, true>(CACHE_LIMIT);

function inputKey(input: TrustedCertificateInput): string {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('base64');
}

function parseTrusted(input: TrustedCertificateInput, index: number): ParsedCertificate[] {
  const key = inputKey(input);
  const cached = anchorCache.get(key);
  if (cached) return cached;
  let ders: Uint8Array[];
  if (typeof input === 'string') {
    ders = pemToDer(input);
    if (ders.length === 0) throw new TypeError(`trustedCertificates[${index}] is a string without a PEM CERTIFICATE block`);
  } else if (input instanceof Uint8Array) {
    ders = [input];
  } else {
    throw new TypeError(`trustedCertificates[${index}] must be a PEM string or DER bytes`);
  }
  const parsed = ders.map((der) => {
    try {
      return parseCertificate(der);
    } catch (e) {
      throw new TypeError(`trustedCertificates[${index}] is not a readable X.509 certificate: ${(e as Error).message}`);
    }
  });
  anchorCache.set(key, parsed);
  return parsed;
}

/** Parses (once, then from cache) the relying party's trusted CA certificates. */
export function loadTrustAnchors(inputs: readonly TrustedCertificateInput[]): TrustAnchors {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new TypeError('trustedCertificates must be a non-empty array of CA certificates (PEM strings or DER bytes)');
  }
  // The same array with the same elements (trusted certificates are treated as immutable): no work at all.
  const hit = anchorSetCache.get(inputs);
  if (hit && hit.items.length === inputs.length && hit.items.every((item, i) => item === inputs[i])) return hit.anchors;
  const certificates = inputs.flatMap((input, i) => parseTrusted(input, i));
  const bySubject = new Map<string, ParsedCertificate[]>();
  for (const cert of certificates) {
    const list = bySubject.get(cert.subjectKey) ?? [];
    list.push(cert);
    bySubject.set(cert.subjectKey, list);
  }
  const anchors = { certificates, bySubject };
  anchorSetCache.set(inputs, { items: [...inputs], anchors });
  return anchors;
}

function day(ms: number): string {
  return new Date(ms).toISOString();
}

/** Why `ca` cannot issue certificates at `now`, or null when it can. */
function caProblem(ca: ParsedCertificate, now: number, isAnchor: boolean, caBelow: number): string | null {
  if (now < ca.notBefore) return `CA certificate ${ca.subjectLabel} is not valid before ${day(ca.notBefore)}`;
  if (now > ca.notAfter) return `CA certificate ${ca.subjectLabel} expired on ${day(ca.notAfter)}`;
  // A version 1 trust anchor has no extensions at all; trusting it is the relying party's explicit choice.
  const legacyAnchor = isAnchor && !ca.hasExtensions;
  if (!legacyAnchor) {
    if (!ca.basicConstraints?.ca) return `certificate ${ca.subjectLabel} is not a CA (basicConstraints CA:TRUE missing)`;
    if (!ca.keyUsage) return `CA certificate ${ca.subjectLabel} has no keyUsage extension (keyCertSign required)`;
    if (!hasKeyUsage(ca, KEY_USAGE.keyCertSign)) return `CA certificate ${ca.subjectLabel} may not sign certificates (keyUsage lacks keyCertSign)`;
    const limit = ca.basicConstraints.pathLength;
    if (limit !== undefined && caBelow > limit) {
      return `CA certificate ${ca.subjectLabel} allows ${limit} intermediate CA(s) below it, the path has ${caBelow}`;
    }
  }
  return null;
}

/** Whether `issuer`'s key signed `child` (cached once true). */
export function linkVerifies(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const key = child.thumbprint + issuer.thumbprint;
  if (verifiedLinks.has(key)) return true;
  if (!child.algorithmsAgree) return false;
  let ok: boolean;
  try {
    ok = verifySignature({
      algorithmOid: child.signatureAlgorithm.oid,
      ...(child.signatureAlgorithm.parameters ? { parameters: child.signatureAlgorithm.parameters } : {}),
      spki: issuer.spki,
      signedBytes: child.tbs,
      signature: child.signature,
    });
  } catch (e) {
    if (e instanceof VerificationError) return false;
    throw e;
  }
  if (ok) {
    verifiedLinks.set(key, true);
  }
  return ok;
}

function keyIdsConflict(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const aki = child.authorityKeyIdentifier;
  const ski = issuer.subjectKeyIdentifier;
  return !!aki && !!ski && Buffer.compare(aki, ski) !== 0;
}

/**
 * Builds and checks a path from `leaf` to a trust anchor. Returns the path (leaf first, anchor last).
 * Throws VerificationError CHAIN_UNTRUSTED with the most specific reason found.
 */
export function verifyChain(
  leaf: ParsedCertificate,
  intermediates: ParsedCertificate[],
  anchors: TrustAnchors,
  now: number,
): ParsedCertificate[] {
  // A path found before for the same leaf, intermediates and anchors only needs its time checks again.
  const cacheKey = intermediates.length === 0 ? leaf.thumbprint : leaf.thumbprint + intermediates.map((c) => c.thumbprint).join('');
  let paths = pathCache.get(anchors);
  const known = paths?.get(cacheKey);
  if (known && known.every((ca, i) => i === 0 || caProblem(ca, now, i === known.length - 1, i - 1) === null)) return known;
  const path = buildPath(leaf, intermediates, anchors, now);
  if (!paths) pathCache.set(anchors, (paths = new BoundedCache(CACHE_LIMIT)));
  paths.set(cacheKey, path);
  return path;
}

const pathCache = new WeakMap<TrustAnchors, BoundedCache<string, ParsedCertificate[]>>();

function buildPath(leaf: ParsedCertificate, intermediates: ParsedCertificate[], anchors: TrustAnchors, now: number): ParsedCertificate[] {
  const reasons: string[] = [];
  const path: ParsedCertificate[] = [leaf];

  const extend = (cert: ParsedCertificate): boolean => {
    if (anchors.certificates.some((a) => a.thumbprint === cert.thumbprint)) return true;
    if (path.length > MAX_PATH) {
      reasons.push(`the path is longer than ${MAX_PATH} certificates`);
      return false;
    }
    const caBelow = path.length - 1;
    const candidates: [ParsedCertificate, boolean][] = [
      ...(anchors.bySubject.get(cert.issuerKey) ?? []).map((c): [ParsedCertificate, boolean] => [c, true]),
      ...intermediates.filter((c) => c.subjectKey === cert.issuerKey).map((c): [ParsedCertificate, boolean] => [c, false]),
    ];
    for (const [issuer, isAnchor] of candidates) {
      if (path.some((p) => p.thumbprint === issuer.thumbprint) || keyIdsConflict(cert, issuer)) continue;
      if (!linkVerifies(cert, issuer)) {
        reasons.push(`the signature on ${cert.subjectLabel} does not verify with the key of ${issuer.subjectLabel}`);
        continue;
      }
      const problem = caProblem(issuer, now, isAnchor, caBelow);
      if (problem) {
        reasons.push(problem);
        continue;
      }
      path.push(issuer);
      if (isAnchor || extend(issuer)) return true;
      path.pop();
    }
    if (candidates.length === 0) {
      reasons.push(`no trusted CA or intermediate certificate named ${cert.issuerLabel} (issuer of ${cert.subjectLabel}) was given`);
    }
    return false;
  };

  if (!extend(leaf)) {
    const reason = reasons[0] ?? `no path from ${leaf.subjectLabel} to a trusted CA`;
    throw new VerificationError(
      'CHAIN_UNTRUSTED',
      `certificate ${leaf.subjectLabel} does not chain to a trusted CA: ${reason}. ` +
        'Check that the issuing CA certificate is among trustedCertificates and that the token carries the intermediate certificates.',
    );
  }
  return path;
}

