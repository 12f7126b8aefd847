// The challenge store on Redis, for a portal running on several servers: SET NX PX issues,
// GETDEL consumes, so a challenge is used at most once across all of them (Redis ≥ 6.2).
import { isValidChallenge } from '../shared/protocol';
import { checkTtl, newChallenge, type ChallengeStore } from './challenge-store';
import { createRedisConnection } from './redis-connection';

export interface RedisChallengeStoreOptions {
  /** redis://[user:password@]host:port[/db] or rediss://… */
  url: string;
  ttlMs?: number;
  /** Prepended to each key, so several applications can share one Redis. Default "tokensign:challenge:". */
  keyPrefix?: string;
  /** Connection timeout; also how long a command may wait for a (re)connection. Default 5 s. */
  connectTimeoutMs?: number;
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

  const redis = createRedisConnection({ url: options.url, connectTimeoutMs: connectTimeout }, (m, cause) => new ChallengeStoreError(m, { cause }));
  const run = redis.run;

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
    close: redis.close,
  };
}
