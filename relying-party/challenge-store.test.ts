// The in-memory challenge store: format, single use, expiry, bounded memory.
import { describe, expect, it } from 'vitest';
import { isValidChallenge } from '../shared/protocol';
import { createChallengeStore } from './index';

describe('createChallengeStore', () => {
  it('issues 32 random bytes as base64url, each different and valid for the protocol', async () => {
    const store = createChallengeStore();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const c = await store.issue();
      expect(c).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(c, 'base64url')).toHaveLength(32);
      expect(isValidChallenge(c)).toBe(true);
      seen.add(c);
    }
    expect(seen.size).toBe(200);
  });

  it('consumes a challenge exactly once, and never one it did not issue', async () => {
    const store = createChallengeStore();
    const c = await store.issue();
    const results = await Promise.all([store.consume(c), store.consume(c), store.consume(c)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.consume(c)).toBe(false);
    expect(await store.consume('A'.repeat(43))).toBe(false);
    expect(await store.consume('not valid at all')).toBe(false);
    expect(await store.consume(undefined as unknown as string)).toBe(false);
  });

  it('refuses an expired challenge', async () => {
    let now = 1_000_000;
    const store = createChallengeStore({ ttlMs: 1000, now: () => now });
    const early = await store.issue();
    const late = await store.issue();
    now += 999;
    expect(await store.consume(early)).toBe(true);
    now += 1;
    expect(await store.consume(late)).toBe(false);
  });

  it('expires by the real clock too', async () => {
    const store = createChallengeStore({ ttlMs: 50 });
    const c = await store.issue();
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.consume(c)).toBe(false);
  });

  it('keeps memory bounded: expired entries are purged, a flood drops the oldest', async () => {
    let now = 0;
    const store = createChallengeStore({ ttlMs: 10, maxEntries: 100, now: () => now });
    const first = await store.issue();
    for (let i = 0; i < 500; i++) await store.issue();
    expect(await store.consume(first)).toBe(false); // dropped by the bound, though not expired
    const recent = await store.issue();
    expect(await store.consume(recent)).toBe(true);
    now = 100;
    const survivor = await store.issue(); // purges everything expired on the way
    expect(await store.consume(survivor)).toBe(true);
  });

  it('rejects a bad ttl', () => {
    expect(() => createChallengeStore({ ttlMs: 0 })).toThrow(/ttlMs/);
    expect(() => createChallengeStore({ ttlMs: 1.5 })).toThrow(/ttlMs/);
  });
});
