// The challenge store on Redis, for a portal running on several servers: SET NX PX issues,
// GETDEL consumes, so a challenge is used at most once across all of them (Redis ≥ 6.2).
import { isValidChallenge } from '../shared/protocol';
import { checkTtl, newChallenge, type ChallengeStore } from './challenge-store';

export interface RedisChallengeStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  ttlMs?: number;
  /** Prepended to each key, so several applications can share one Redis. Default "tokensign:challenge:". */
  keyPrefix?: string;
  /** Connection timeout; also how long a command may wait for a (re)connection. Default 5 s. */
  connectTimeoutMs?: number;
}

/** The part of the node-redis client the store uses. */
interface RedisClient {
  isOpen: boolean;
  connect(): Promise<unknown>;
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  close(): Promise<void>;
  destroy(): void;
  isReady: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'ready' | 'end', listener: () => void): unknown;
  off(event: 'ready' | 'end', listener: () => void): unknown;
}

export class ChallengeStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ChallengeStoreError';
  }
}

export function createRedisChallengeStore(options: RedisChallengeStoreOptions): ChallengeStore {
  if (typeof options?.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError('url must be a redis:// or rediss:// URL');
  }
  const ttl = checkTtl(options.ttlMs);
  const prefix = options.keyPrefix ?? 'tokensign:challenge:';
  if (typeof prefix !== 'string') throw new TypeError('keyPrefix must be a string');
  const connectTimeout = options.connectTimeoutMs ?? 5000;
  const where = redactUrl(options.url);

  let client: RedisClient | undefined;
  let connecting: Promise<RedisClient> | undefined;
  let closed = false;
  let lastError: Error | undefined;

  async function open(): Promise<RedisClient> {
    // The redis package is loaded on first use, so the library works without it when Redis is not used.
    const { createClient } = await import('redis');
    const c = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout,
        reconnectStrategy: (retries: number, cause: Error) => (retries >= 3 ? cause : Math.min(100 * 2 ** retries, 1000)),
      },
    }) as unknown as RedisClient;
    c.on('error', (e) => {
      lastError = e; // reported by the failing command; an unhandled 'error' event would crash the server
    });
    try {
      await c.connect();
    } catch (e) {
      try {
        if (c.isOpen) c.destroy();
      } catch {
        // already torn down by its reconnect strategy
      }
      throw new ChallengeStoreError(`cannot connect to Redis at ${where}: ${(e as Error).message}`, { cause: e });
    }
    return c;
  }

  /** A client that lost its connection retries a few times: wait for it, but not longer than a connect. */
  function waitReady(c: RedisClient): Promise<RedisClient> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        c.off('ready', onReady);
        c.off('end', onEnd);
        if (error) reject(error);
        else resolve(c);
      };
      const onReady = () => done();
      const onEnd = () => done(new ChallengeStoreError(`lost the connection to Redis at ${where}: ${lastError?.message ?? 'closed'}`));
      const timer = setTimeout(
        () => done(new ChallengeStoreError(`Redis at ${where} is unreachable (reconnecting for ${connectTimeout} ms): ${lastError?.message ?? ''}`)),
        connectTimeout,
      );
      c.once('ready', onReady);
      c.once('end', onEnd);
    });
  }

  async function redis(): Promise<RedisClient> {
    if (closed) throw new ChallengeStoreError('the challenge store is closed');
    if (client?.isReady) return client;
    if (client?.isOpen) return waitReady(client);
    connecting ??= open().finally(() => {
      connecting = undefined;
    });
    client = await connecting;
    return client;
  }

  async function run<T>(what: string, command: (c: RedisClient) => Promise<T>): Promise<T> {
    const c = await redis();
    try {
      return await command(c);
    } catch (e) {
      const detail = (e as Error).message || lastError?.message || String(e);
      throw new ChallengeStoreError(`Redis ${what} failed at ${where}: ${detail}`, { cause: e });
    }
  }

  return {
    async issue() {
      for (let attempt = 0; attempt < 3; attempt++) {
        const challenge = newChallenge();
        const reply = await run('SET', (c) => c.set(prefix + challenge, '1', { condition: 'NX', expiration: { type: 'PX', value: ttl } }));
        if (reply === 'OK') return challenge;
      }
      throw new ChallengeStoreError('could not store a fresh challenge (random collisions): check the Redis server');
    },
    async consume(challenge) {
      if (!isValidChallenge(challenge)) return false;
      const value = await run('GETDEL', (c) => c.getDel(prefix + challenge));
      return value !== null;
    },
    async close() {
      closed = true;
      const c = client ?? (await connecting?.catch(() => undefined));
      client = undefined;
      if (c?.isOpen) await c.close();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
