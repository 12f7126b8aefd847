// The revocation step of verifyAuthentication: the portal's policy (OCSP then CRL by default, fail closed),
// answers cached by their validity, every download bounded in time and size.
import { createHash, randomBytes } from 'node:crypto';
import { VerificationError } from '../errors';
import type { ParsedCertificate } from '../x509';
import { LayeredCache, type RevocationCache } from './cache';
import { crlAnswer, readCrl, type CertificateList } from './crl';
import { RevocationUnavailable, checkHttpUrl, defaultRevocationFetch, download, type RevocationFetch } from './fetch';
import { ocspRequest, readOcspResponse } from './ocsp';
import type { RevocationAnswer } from './answer';

export type RevocationMode = 'ocsp-then-crl' | 'ocsp' | 'crl' | 'off';
export type RevocationSource = 'ocsp' | 'crl';

export interface RevocationOptions {
  /** Default 'ocsp-then-crl'. */
  mode?: RevocationMode;
  /** Per download (one OCSP request, one CRL); default 5000 ms. */
  timeoutMs?: number;
  /** An OCSP responder to ask instead of the one in the certificate's authorityInfoAccess. */
  ocspUrl?: string;
  /** Replaces every download (e.g. to go through the portal's proxy). Only http/https URLs reach it. */
  fetch?: RevocationFetch;
  /** A store shared by the portal's servers (createRedisRevocationCache); this process's memory is always used first. */
  cache?: RevocationCache;
  /** Log in when no source answers (status 'not-checked') instead of refusing with REVOCATION_UNKNOWN. Default false. */
  failOpen?: boolean;
  /** Allowed clock difference to the CA for thisUpdate/nextUpdate; default 5 minutes. */
  maxClockSkewMs?: number;
}

export interface RevocationStatus {
  status: 'good' | 'not-checked';
  source: RevocationSource | null;
  /** The time the OCSP response or CRL speaks for (its thisUpdate); null when not checked. */
  checkedAt: Date | null;
}

interface Policy {
  sources: RevocationSource[];
  timeoutMs: number;
  ocspUrl?: string;
  fetch: RevocationFetch;
  cache: LayeredCache;
  failOpen: boolean;
  skew: number;
}

const OCSP_MAX_BYTES = 64 * 1024;
const CRL_MAX_BYTES = 10 * 1024 * 1024;
const CRL_URLS_TRIED = 2;
const SOURCES: Record<RevocationMode, RevocationSource[]> = { 'ocsp-then-crl': ['ocsp', 'crl'], ocsp: ['ocsp'], crl: ['crl'], off: [] };
const processCache = new LayeredCache(undefined);
const sharedCaches = new WeakMap<RevocationCache, LayeredCache>();
const policies = new WeakMap<RevocationOptions, Policy>();
const defaultPolicy = makePolicy({});

function makePolicy(options: RevocationOptions): Policy {
  const mode = options.mode ?? 'ocsp-then-crl';
  if (!Object.hasOwn(SOURCES, mode)) throw new TypeError(`revocation.mode must be one of ${Object.keys(SOURCES).join(', ')}`);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= 60_000)) throw new TypeError('revocation.timeoutMs must be between 1 and 60000');
  const skew = options.maxClockSkewMs ?? 5 * 60 * 1000;
  if (typeof skew !== 'number' || !(skew >= 0)) throw new TypeError('revocation.maxClockSkewMs must be a non-negative number');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('revocation.fetch must be a function');
  if (options.ocspUrl !== undefined) {
    try {
      checkHttpUrl(options.ocspUrl, 'revocation.ocspUrl');
    } catch (e) {
      throw new TypeError((e as Error).message);
    }
  }
  const shared = options.cache;
  if (shared !== undefined && (typeof shared?.get !== 'function' || typeof shared.set !== 'function')) {
    throw new TypeError('revocation.cache must have get(key) and set(key, value, ttlMs)');
  }
  let cache = processCache;
  if (shared) sharedCaches.set(shared, (cache = sharedCaches.get(shared) ?? new LayeredCache(shared)));
  return {
    sources: SOURCES[mode],
    timeoutMs,
    ...(options.ocspUrl ? { ocspUrl: options.ocspUrl } : {}),
    fetch: options.fetch ?? defaultRevocationFetch,
    cache,
    failOpen: options.failOpen === true,
    skew,
  };
}

/** The policy of a `revocation` option, read once per options object. */
export function revocationPolicy(options: RevocationOptions | undefined): Policy {
  if (options === undefined) return defaultPolicy;
  if (typeof options !== 'object' || options === null) throw new TypeError('revocation must be an object such as { mode: "ocsp-then-crl" }');
  let policy = policies.get(options);
  if (!policy) policies.set(options, (policy = makePolicy(options)));
  return policy;
}

interface Verdict {
  status: 'good' | 'revoked';
  thisUpdate: number;
  revokedAt?: number;
  reason?: string;
}

const verdictKey = (source: RevocationSource, cert: ParsedCertificate, issuer: ParsedCertificate): string =>
  `${source}:${issuer.thumbprint}:${cert.serialHex}`;

/** What the shared store said earlier, kept in memory from now on; undefined when it has nothing current. */
async function sharedVerdict(key: string, policy: Policy, now: number): Promise<Verdict | undefined> {
  const text = await policy.cache.fromShared(key);
  if (text === undefined) return undefined;
  try {
    const stored = JSON.parse(text) as Verdict & { until: number };
    if (!(stored.until > now)) return undefined;
    policy.cache.keep(key, stored, stored.until);
    return stored;
  } catch {
    return undefined;
  }
}

async function remember(key: string, answer: RevocationAnswer, policy: Policy, now: number): Promise<void> {
  if (answer.nextUpdate === undefined || answer.status === 'unknown') return;
  const verdict = { ...answer, until: answer.nextUpdate };
  policy.cache.keep(key, verdict, verdict.until);
  await policy.cache.share(key, JSON.stringify(verdict), verdict.until - now);
}

async function askOcsp(cert: ParsedCertificate, issuer: ParsedCertificate, policy: Policy, now: number): Promise<RevocationAnswer> {
  const url = policy.ocspUrl ?? cert.ocspUrls[0];
  if (!url) throw new RevocationUnavailable('OCSP: the certificate names no responder (authorityInfoAccess) and none is configured');
  const ctx = { cert, issuer, now, skew: policy.skew };
  const nonce = randomBytes(32);
  const body = ocspRequest(ctx, nonce);
  const headers = { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' };
  const der = await download(policy.fetch, { url, method: 'POST', headers, body, maxBytes: OCSP_MAX_BYTES }, policy.timeoutMs);
  return readOcspResponse(der, ctx, nonce);
}

async function crlFrom(url: string, issuer: ParsedCertificate, policy: Policy, now: number): Promise<CertificateList> {
  const key = `crl-list:${issuer.thumbprint}:${createHash('sha256').update(url).digest('hex')}`;
  const known = policy.cache.peek<CertificateList>(key, now - policy.skew);
  if (known) return known;
  const stored = await policy.cache.fromShared(key);
  const der = stored !== undefined ? Buffer.from(stored, 'base64') : await download(policy.fetch, { url, method: 'GET', headers: {}, maxBytes: CRL_MAX_BYTES }, policy.timeoutMs);
  const list = readCrl(der, issuer, now, policy.skew);
  policy.cache.keep(key, list, list.nextUpdate!);
  if (stored === undefined) await policy.cache.share(key, Buffer.from(der).toString('base64'), list.nextUpdate! - now);
  return list;
}

async function askCrl(cert: ParsedCertificate, issuer: ParsedCertificate, policy: Policy, now: number): Promise<RevocationAnswer> {
  const urls = cert.crlUrls.slice(0, CRL_URLS_TRIED);
  if (urls.length === 0) throw new RevocationUnavailable('CRL: the certificate names no CRL distribution point');
  const reasons: string[] = [];
  for (const url of urls) {
    try {
      return crlAnswer(await crlFrom(url, issuer, policy, now), cert);
    } catch (e) {
      if (!(e instanceof RevocationUnavailable)) throw e;
      reasons.push(e.message);
    }
  }
  throw new RevocationUnavailable(reasons.join('; '));
}

function conclude(cert: ParsedCertificate, verdict: Verdict, source: RevocationSource): RevocationStatus {
  if (verdict.status === 'revoked') {
    const when = verdict.revokedAt === undefined ? '' : ` on ${new Date(verdict.revokedAt).toISOString()}`;
    throw new VerificationError(
      'CERTIFICATE_REVOKED',
      `certificate ${cert.subjectLabel} (serial ${cert.serialHex}) was revoked by its CA${when}, reason ${verdict.reason ?? 'unspecified'} (${source.toUpperCase()})`,
    );
  }
  return { status: 'good', source, checkedAt: new Date(verdict.thisUpdate) };
}

const NOT_CHECKED: RevocationStatus = { status: 'not-checked', source: null, checkedAt: null };

/**
 * Is `cert` (issued by `issuer`) revoked? Returns its status; throws VerificationError CERTIFICATE_REVOKED,
 * or REVOCATION_UNKNOWN with every source's reason when none answered and the policy fails closed.
 */
export function checkRevocation(
  cert: ParsedCertificate,
  issuer: ParsedCertificate | undefined,
  policy: Policy,
  now: number,
): RevocationStatus | Promise<RevocationStatus> {
  if (policy.sources.length === 0) return NOT_CHECKED;
  // A certificate trusted as such (it is itself a trust anchor) has no issuer to ask.
  if (!issuer) return NOT_CHECKED;
  // A warm cache answers without waiting for anything.
  for (const source of policy.sources) {
    const hit = policy.cache.peek<Verdict>(verdictKey(source, cert, issuer), now);
    if (hit) return conclude(cert, hit, source);
  }
  return askSources(cert, issuer, policy, now);
}

async function askSources(cert: ParsedCertificate, issuer: ParsedCertificate, policy: Policy, now: number): Promise<RevocationStatus> {
  for (const source of policy.sources) {
    const hit = await sharedVerdict(verdictKey(source, cert, issuer), policy, now);
    if (hit) return conclude(cert, hit, source);
  }
  const reasons: string[] = [];
  for (const source of policy.sources) {
    try {
      const answer = source === 'ocsp' ? await askOcsp(cert, issuer, policy, now) : await askCrl(cert, issuer, policy, now);
      if (answer.status === 'unknown') {
        reasons.push(`OCSP: the responder does not know certificate serial ${cert.serialHex} (status unknown)`);
        continue;
      }
      await remember(verdictKey(source, cert, issuer), answer, policy, now);
      return conclude(cert, { ...answer, status: answer.status }, source);
    } catch (e) {
      if (!(e instanceof RevocationUnavailable)) throw e;
      reasons.push(e.message);
    }
  }
  if (policy.failOpen) return NOT_CHECKED;
  throw new VerificationError(
    'REVOCATION_UNKNOWN',
    `the revocation status of ${cert.subjectLabel} (serial ${cert.serialHex}) could not be established: ${reasons.join('; ')}`,
  );
}

export { createRedisRevocationCache, MemoryRevocationCache, type RevocationCache, type RedisRevocationCacheOptions } from './cache';
export type { RevocationFetch, RevocationFetchRequest } from './fetch';
