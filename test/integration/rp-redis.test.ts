// createRedisChallengeStore against a real redis-server (Debian package) started on a free loopback port.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisChallengeStore, type ChallengeStore } from '../../relying-party/index';
import { freePort } from '../../relying-party/testing/revocation-services';
import { startRedis, type TestRedis } from '../helpers/redis-server';

let redis: TestRedis;
let url = '';
const stores: ChallengeStore[] = [];

function store(options: { ttlMs?: number; keyPrefix?: string } = {}): ChallengeStore {
  const s = createRedisChallengeStore({ url, keyPrefix: 'test:', ...options });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedis();
  url = redis.url;
});

afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  await redis?.cleanup();
});

describe('createRedisChallengeStore', () => {
  it('issues protocol-valid challenges that another server (store instance) can consume, once', async () => {
    const a = store();
    const b = store();
    const c = await a.issue();
    expect(c).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await b.consume(c)).toBe(true);
    expect(await a.consume(c)).toBe(false);
    expect(await b.consume(c)).toBe(false);
  });

  it('a challenge is consumed once across instances even when they race', async () => {
    const instances = [store(), store(), store()];
    const challenges = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 3]!.issue()));
    for (const c of challenges) {
      const results = await Promise.all([...instances, ...instances].map((s) => s.consume(c)));
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('expiry holds', async () => {
    const a = store({ ttlMs: 150 });
    const b = store({ ttlMs: 150 });
    const c = await a.issue();
    const d = await a.issue();
    expect(await b.consume(d)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await b.consume(c)).toBe(false);
  });

  it('key prefixes keep applications apart; unknown or malformed challenges are false', async () => {
    const app1 = store({ keyPrefix: 'app1:' });
    const app2 = store({ keyPrefix: 'app2:' });
    const c = await app1.issue();
    expect(await app2.consume(c)).toBe(false);
    expect(await app1.consume(c)).toBe(true);
    expect(await app1.consume('A'.repeat(43))).toBe(false);
    expect(await app1.consume('')).toBe(false);
  });

  it('an unreachable Redis is a clear error, not a hang', async () => {
    const port = await freePort();
    const s = createRedisChallengeStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 1000 });
    const started = Date.now();
    await expect(s.issue()).rejects.toThrow(/cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    expect(Date.now() - started).toBeLessThan(10_000);
    await s.close();
    expect(() => createRedisChallengeStore({ url: 'http://localhost' })).toThrow(/redis:\/\//);
  });

  it('a closed store refuses work', async () => {
    const s = createRedisChallengeStore({ url });
    await s.issue();
    await s.close();
    await expect(s.issue()).rejects.toThrow(/closed/);
  });

  it('Redis going away is an error within the connect timeout, and the store recovers when it is back', async () => {
    const s = createRedisChallengeStore({ url, keyPrefix: 'test:', connectTimeoutMs: 1000 });
    stores.push(s);
    const before = await s.issue();
    await redis.stop();
    const started = Date.now();
    await expect(s.issue()).rejects.toThrow(/Redis/);
    await expect(s.consume(before)).rejects.toThrow(/Redis/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await redis.restart();
    const after = await s.issue();
    expect(await s.consume(after)).toBe(true);
  });
});
