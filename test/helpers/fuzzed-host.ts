// The native host under a fuzz test: one process fed raw frames, every stdout byte read as strict
// frames, replies kept in order, and the shape every reply must have whatever the request.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FrameReader, readMessages } from '../../native-host/framing';
import { HOST_ERROR_CODES } from '../../shared/protocol';
import { CHROME_ORIGIN_ARG, HOST_BUNDLE } from './host-process';

const HOST_CODES: ReadonlySet<string> = new Set(HOST_ERROR_CODES);

export type Id = string | number;
export interface Reply {
  id: Id | null;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

export class FuzzedHost {
  readonly child: ChildProcessWithoutNullStreams;
  readonly reader = new FrameReader(1024 * 1024);
  /** Every byte the host wrote to stdout. */
  stdoutBytes = 0;
  readonly replies: Reply[] = [];
  stderr = '';
  streamError: Error | null = null;
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  readonly exited: Promise<void>;
  private wake: (() => void) | null = null;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [HOST_BUNDLE, CHROME_ORIGIN_ARG], { env: { ...process.env, ...env }, stdio: 'pipe' });
    this.child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.stdoutBytes += chunk.length;
        for (const frame of readMessages(this.reader, chunk)) this.replies.push(frame as Reply);
      } catch (e) {
        this.streamError ??= e as Error;
      }
      this.wake?.();
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake?.();
        resolve();
      }),
    );
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  /** Wait until `count` replies have arrived in total (or the host died, or the stream broke). */
  async waitForReplies(count: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.replies.length < count) {
      if (this.exit) throw new Error(`host died (${JSON.stringify(this.exit)}) after ${this.replies.length} replies; stderr: ${this.stderr.slice(-2000)}`);
      if (this.streamError) throw this.streamError;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`only ${this.replies.length} of ${count} replies within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  rssHighWaterMarkKiB(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  }
}


/** Problems with the shape every reply must have, whatever the request. */
export function shapeProblem(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return 'reply is not an object';
  const r = reply as Record<string, unknown>;
  if (!(typeof r.id === 'string' || typeof r.id === 'number' || r.id === null)) return `reply id has type ${typeof r.id}`;
  if (r.ok === true) {
    if (typeof r.result !== 'object' || r.result === null) return 'ok reply without a result object';
    if ('error' in r) return 'ok reply with an error';
    return null;
  }
  if (r.ok !== false) return 'reply ok is not a boolean';
  const error = r.error as Record<string, unknown> | undefined;
  if (typeof error !== 'object' || error === null) return 'error reply without an error object';
  if (typeof error.code !== 'string' || !HOST_CODES.has(error.code)) return `unknown error code ${JSON.stringify(error.code)}`;
  if (typeof error.message !== 'string' || error.message.length === 0) return 'error without a message';
  if ('result' in r) return 'error reply with a result';
  return null;
}
