// A throwaway redis-server (Debian package) on a free loopback port, started and stopped by the test by its pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild } from '../../relying-party/testing/revocation-services';

export interface TestRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  cleanup(): Promise<void>;
}

async function spawnRedis(port: number, dir: string): Promise<ChildProcess | null> {
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
  if (ready) return child;
  child.kill('SIGKILL');
  return null;
}

export async function startRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  const start = async (fixed?: number) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = fixed ?? (await freePort());
      const started = await spawnRedis(candidate, dir);
      if (started) {
        child = started;
        port = candidate;
        return;
      }
      if (fixed) await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error('redis-server did not start (is the Debian package redis-server installed? npm run setup)');
  };
  await start();
  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    stop: () => stopChild(child),
    restart: () => start(port),
    cleanup: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
