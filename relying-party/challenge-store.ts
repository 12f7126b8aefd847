// Login challenges: 32 random bytes, base64url, each usable once and only until it expires.
import { randomBytes } from 'node:crypto';
import { isValidChallenge } from '../shared/protocol';

export const DEFAULT_CHALLENGE_TTL_MS = 5 * 60 * 1000;

export interface ChallengeStore {
  /** A new challenge, valid for the store's TTL. */
  issue(): Promise<string>;
  /** True exactly once for an issued, unexpired challenge; false for anything else. */
  consume(challenge: string): Promise<boolean>;
  /** Releases what the store holds (connections, timers). */
  close(): Promise<void>;
}

export interface ChallengeStoreOptions {
  ttlMs?: number;
  /** Most challenges kept at once; past it the oldest are dropped (a flood must not eat the memory). */
  maxEntries?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export function checkTtl(ttlMs: unknown): number {
  const ttl = ttlMs ?? DEFAULT_CHALLENGE_TTL_MS;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl <= 0) throw new TypeError('ttlMs must be a positive integer of milliseconds');
  return ttl;
}

/** The in-memory store: for a portal on one server. */
export function createChallengeStore(options: ChallengeStoreOptions = {}): ChallengeStore {
  const ttl = checkTtl(options.ttlMs);
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries <= 0) throw new TypeError('maxEntries must be a positive integer');
  const now = options.now ?? Date.now;
  // Insertion order is expiry order (one TTL for all), so expired entries are always at the front.
  const expiries = new Map<string, number>();

  const purge = (t: number): void => {
    for (const [challenge, expiresAt] of expiries) {
      if (expiresAt > t && expiries.size <= maxEntries) break;
      expiries.delete(challenge);
    }
  };

  return {
    async issue() {
      const t = now();
      let challenge = newChallenge();
      while (expiries.has(challenge)) challenge = newChallenge();
      expiries.set(challenge, t + ttl);
      purge(t);
      return challenge;
    },
    async consume(challenge) {
      if (!isValidChallenge(challenge)) return false;
      const expiresAt = expiries.get(challenge);
      if (expiresAt === undefined) return false;
      expiries.delete(challenge);
      return expiresAt > now();
    },
    async close() {
      expiries.clear();
    },
  };
}
