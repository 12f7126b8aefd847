// What an OCSP response or a CRL says about one certificate, and when that statement is current.
import { RevocationUnavailable } from './fetch';

export interface RevocationAnswer {
  status: 'good' | 'revoked' | 'unknown';
  thisUpdate: number;
  /** Absent when the source promises nothing about its next update. */
  nextUpdate?: number;
  revokedAt?: number;
  /** CRLReason name ("keyCompromise", …), or "unspecified". */
  reason?: string;
}

const CRL_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  '(unused)',
  'removeFromCRL',
  'privilegeWithdrawn',
  'aACompromise',
];

export function crlReasonName(code: number | undefined): string {
  return code === undefined ? 'unspecified' : (CRL_REASONS[code] ?? `reason ${code}`);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * thisUpdate may not lie in the future, nextUpdate not in the past, each beyond `skew`; a source without
 * nextUpdate must be fresh (thisUpdate within `skew` of now).
 */
export function checkTimes(what: string, thisUpdate: number, nextUpdate: number | undefined, now: number, skew: number): void {
  if (thisUpdate > now + skew) throw new RevocationUnavailable(`${what}: thisUpdate ${iso(thisUpdate)} is in the future (server time ${iso(now)})`);
  if (nextUpdate !== undefined && nextUpdate < now - skew) {
    throw new RevocationUnavailable(`${what} is stale: its nextUpdate ${iso(nextUpdate)} has passed (server time ${iso(now)})`);
  }
  if (nextUpdate === undefined && thisUpdate < now - skew) {
    throw new RevocationUnavailable(`${what} has no nextUpdate and was made at ${iso(thisUpdate)}, too long ago to stand for now`);
  }
}
