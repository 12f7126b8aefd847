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

/** Memory in front of an optional shared store; a failing shared store is skipped, never a failed login. */
export class LayeredCache<List = unknown> {
  readonly memory = new MemoryRevocationCache();
  /** Parsed CRLs by issuer and URL, kept until their nextUpdate. */
  readonly lists = new BoundedCache<string, List>(1000);
  constructor(private readonly shared: RevocationCache | undefined) {}

  async get(key: string, now: number): Promise<string | undefined> {
    const local = this.memory.peek(key, now);
    if (local !== undefined || !this.shared) return local;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), SHARED_WAIT_MS);
    });
    try {
      return await Promise.race([this.shared.get(key), late]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.memory.put(key, value, ttlMs);
    if (!this.shared) return;
    try {
      await this.shared.set(key, value, ttlMs);
    } catch {
      // the next server fetches the answer itself
    }
  }
}
