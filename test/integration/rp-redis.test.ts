// createRedisChallengeStore against a real redis-server (Debian package) started on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisChallengeStore, type ChallengeStore } from '../../relying-party/index';

let redis: ChildProcess | undefined;
let url = '';
let dir = '';
const stores: ChallengeStore[] = [];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let redisPort = 0;

async function startRedis(fixedPort?: number): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = fixedPort ?? (await freePort());
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      const timer = setTimeout(() => resolve(false), 10_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      redis = child;
      redisPort = port;
      url = `redis://127.0.0.1:${port}`;
      return;
    }
    child.kill('SIGKILL');
    if (fixedPort) await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('redis-server did not start (is the Debian package redis-server installed? npm run setup)');
}

function store(options: { ttlMs?: number; keyPrefix?: string } = {}): ChallengeStore {
  const s = createRedisChallengeStore({ url, keyPrefix: 'test:', ...options });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tokensign-redis-'));
  await startRedis();
});

async function stopRedis(): Promise<void> {
  const child = redis;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

afterAll(async () => {
  await Promise.allSettled(stores.map((s) => s.close()));
  await stopRedis();
  if (dir) rmSync(dir, { recursive: true, force: true });
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
    await stopRedis();
    const started = Date.now();
    await expect(s.issue()).rejects.toThrow(/Redis/);
    await expect(s.consume(before)).rejects.toThrow(/Redis/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await startRedis(redisPort);
    const after = await s.issue();
    expect(await s.consume(after)).toBe(true);
  });
});
