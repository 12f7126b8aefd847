// Revocation answers kept for as long as they are valid: in this process's memory first, then (optionally) in
// a store every server of the portal shares, e.g. the Redis the challenge store uses.
import { BoundedCache } from '../../shared/bounded-cache';
import { createRedisConnection } from '../redis-connection';

/** A store shared by several verifier instances. Values are strings; entries expire after ttlMs. */
export interface RevocationCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  close?(): Promise<void>;
}

const MEMORY_LIMIT = 5000;
/** A shared store slower than this is skipped for the login at hand. */
const SHARED_WAIT_MS = 2000;
/** After a shared store failed, it is tried again this much later. */
const SHARED_RETRY_MS = 30_000;

/** A bounded in-memory map whose entries expire; `peek` is synchronous for the hot path. */
export class MemoryRevocationCache implements RevocationCache {
  private readonly entries = new BoundedCache<string, { value: string; expires: number }>(MEMORY_LIMIT);

  peek(key: string, now = Date.now()): string | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.peek(key));
  }

  put(key: string, value: string, ttlMs: number): void {
    if (!(ttlMs > 0)) return;
    this.entries.set(key, { value, expires: Date.now() + ttlMs });
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.put(key, value, ttlMs);
    return Promise.resolve();
  }
}

export interface RedisRevocationCacheOptions {
  /** redis://[user:password@]host:port[/db] or rediss://…: the same server the challenge store uses. */
  url: string;
  /** Default "tokensign:revocation:". */
  keyPrefix?: string;
  /** Connection timeout; a Redis that does not answer in time is skipped (the answer is fetched instead). Default 2 s. */
  connectTimeoutMs?: number;
}

/** Revocation answers shared across servers through Redis (SET … PX by the answer's validity, GET). */
export function createRedisRevocationCache(options: RedisRevocationCacheOptions): RevocationCache {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw new TypeError('url must be a redis:// or rediss:// URL');
  const prefix = options.keyPrefix ?? 'tokensign:revocation:';
  const redis = createRedisConnection({ url: options.url, connectTimeoutMs: options.connectTimeoutMs ?? 2000 }, (m, cause) => new Error(m, { cause }));
  return {
    async get(key) {
      return (await redis.run('GET', (c) => c.get(prefix + key))) ?? undefined;
    },
    async set(key, value, ttlMs) {
      const ms = Math.max(1, Math.floor(ttlMs));
      await redis.run('SET', (c) => c.set(prefix + key, value, { expiration: { type: 'PX', value: ms } }));
    },
    close: redis.close,
  };
}

/**
 * This process's memory (parsed answers, read synchronously: a warm login waits for nothing) in front of an optional
 * shared store of strings; a failing or slow shared store is skipped, never a failed login.
 */
export class LayeredCache {
  private readonly local = new BoundedCache<string, { value: unknown; until: number }>(MEMORY_LIMIT);
  /** While a shared store that failed is left alone: logins do not each wait for it. */
  private skipSharedUntil = 0;
  constructor(private readonly shared: RevocationCache | undefined) {}

  /** The value kept in memory for `key`, if it still stands at `now`. */
  peek<T>(key: string, now: number): T | undefined {
    const hit = this.local.get(key);
    if (!hit) return undefined;
    if (hit.until > now) return hit.value as T;
    this.local.delete(key);
    return undefined;
  }

  keep(key: string, value: unknown, until: number): void {
    this.local.set(key, { value, until });
  }

  /** The shared store's text for `key`; undefined when absent, failing or slower than SHARED_WAIT_MS. */
  fromShared(key: string): Promise<string | undefined> {
    return this.shared ? this.bounded(() => this.shared!.get(key)) : Promise.resolve(undefined);
  }

  async share(key: string, text: string, ttlMs: number): Promise<void> {
    if (this.shared && ttlMs > 0) await this.bounded(() => this.shared!.set(key, text, ttlMs));
  }

  private async bounded<T>(run: () => Promise<T>): Promise<T | undefined> {
    if (Date.now() < this.skipSharedUntil) return undefined;
    const failed = (): undefined => {
      this.skipSharedUntil = Date.now() + SHARED_RETRY_MS;
      return undefined;
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(failed()), SHARED_WAIT_MS);
    });
    // A late failure must not become an unhandled rejection.
    const settled = run().catch(failed);
    try {
      return await Promise.race([settled, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
