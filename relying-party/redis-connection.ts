// One Redis connection as the relying party uses it (challenge store, shared revocation cache): connected on first
// use, a bounded wait when it is lost, every failure an error of the caller's kind naming the server, never a hang.

/** The part of the node-redis client the relying party uses. */
export interface RedisClient {
  isOpen: boolean;
  connect(): Promise<unknown>;
  set(key: string, value: string, options: { condition?: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<string | null>;
  get(key: string): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  close(): Promise<void>;
  destroy(): void;
  isReady: boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'ready' | 'end', listener: () => void): unknown;
  off(event: 'ready' | 'end', listener: () => void): unknown;
}

export interface RedisConnectionOptions {
  url: string;
  connectTimeoutMs: number;
}

export interface RedisConnection {
  run<T>(what: string, command: (c: RedisClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

interface ConnectionState {
  url: string;
  where: string;
  connectTimeout: number;
  fail: (message: string, cause?: unknown) => Error;
  lastError?: Error;
}

async function openClient(state: ConnectionState): Promise<RedisClient> {
  // The redis package is loaded on first use, so the library works without it when Redis is not used.
  const { createClient } = await import('redis');
  const c = createClient({
    url: state.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: state.connectTimeout,
      reconnectStrategy: (retries: number, cause: Error) => (retries >= 3 ? cause : Math.min(100 * 2 ** retries, 1000)),
    },
  }) as unknown as RedisClient;
  c.on('error', (e) => {
    state.lastError = e; // reported by the failing command; an unhandled 'error' event would crash the server
  });
  try {
    await c.connect();
  } catch (e) {
    try {
      if (c.isOpen) c.destroy();
    } catch {
      // already torn down by its reconnect strategy
    }
    throw state.fail(`cannot connect to Redis at ${state.where}: ${(e as Error).message}`, e);
  }
  return c;
}

export function createRedisConnection(options: RedisConnectionOptions, fail: (message: string, cause?: unknown) => Error): RedisConnection {
  const connectTimeout = options.connectTimeoutMs;
  const where = redactUrl(options.url);
  const state: ConnectionState = { url: options.url, where, connectTimeout, fail };
  let client: RedisClient | undefined;
  let connecting: Promise<RedisClient> | undefined;
  let closed = false;

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
      const onEnd = () => done(fail(`lost the connection to Redis at ${where}: ${state.lastError?.message ?? 'closed'}`));
      const timer = setTimeout(
        () => done(fail(`Redis at ${where} is unreachable (reconnecting for ${connectTimeout} ms): ${state.lastError?.message ?? ''}`)),
        connectTimeout,
      );
      c.once('ready', onReady);
      c.once('end', onEnd);
    });
  }

  async function redis(): Promise<RedisClient> {
    if (closed) throw fail('the Redis connection is closed');
    if (client?.isReady) return client;
    if (client?.isOpen) return waitReady(client);
    connecting ??= openClient(state).finally(() => {
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
      const detail = (e as Error).message || state.lastError?.message || String(e);
      throw fail(`Redis ${what} failed at ${where}: ${detail}`, e);
    }
  }

  return {
    run,
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
