// Drives the built native host over stdio exactly as a browser does: spawned with
// `chrome-extension://<id>/`, length-prefixed JSON frames both ways, stdin closed to end it.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { encodeFrame, FrameReader } from '../../native-host/framing';
import type { HostReply, RequestId } from '../../shared/protocol';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const HOST_BUNDLE = join(PROJECT_ROOT, 'dist', 'native-host', 'host.mjs');
export const CHROME_ORIGIN_ARG = `chrome-extension://${CHROME_EXTENSION_ID}/`;

export interface HostProcessOptions {
  /** Extra environment (merged over process.env unless `cleanEnv`). */
  env?: Record<string, string | undefined>;
  /** Start from an empty environment plus PATH/HOME and `env`. */
  cleanEnv?: boolean;
  /** Defaults to dist/native-host/host.mjs. */
  hostPath?: string;
  /** Arguments after the script; defaults to the Chromium one. */
  args?: string[];
  cwd?: string;
  /** Default timeout for replies. */
  timeoutMs?: number;
}

let nextId = 1;

export class HostProcess {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly timeoutMs: number;
  private readonly reader = new FrameReader();
  private readonly frames: Buffer[] = [];
  private waiters: Array<() => void> = [];
  private stderrChunks: Buffer[] = [];
  /** Size in bytes of every frame body received, in order. */
  readonly frameSizes: number[] = [];
  /** Resolves with the exit code (or null when killed by a signal). */
  readonly exited: Promise<number | null>;
  exitCode: number | null | undefined = undefined;
  /** The signal that ended the host, if one did (a crash in a PKCS#11 module: SIGSEGV, SIGABRT). */
  exitSignal: NodeJS.Signals | null = null;

  constructor(options: HostProcessOptions = {}) {
    const hostPath = options.hostPath ?? HOST_BUNDLE;
    if (!existsSync(hostPath)) throw new Error(`${hostPath} is missing: run \`npm run build\` (or \`node scripts/build.mjs host\`) first`);
    const base: Record<string, string | undefined> = options.cleanEnv
      ? { PATH: process.env.PATH, HOME: process.env.HOME }
      : { ...process.env };
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...base, ...options.env })) if (v !== undefined) env[k] = v;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.child = spawn(process.execPath, [hostPath, ...(options.args ?? [CHROME_ORIGIN_ARG])], {
      cwd: options.cwd ?? PROJECT_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => this.stderrChunks.push(chunk));
    // Writes after the host exits must not crash the test process.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        this.wake();
        resolve(code);
      });
    });
  }

  /** Everything the host wrote to stderr so far. */
  get stderr(): string {
    return Buffer.concat(this.stderrChunks).toString('utf8');
  }

  /** Bytes received on stdout that do not (yet) form a whole frame. */
  get leftoverStdout(): number {
    return this.reader.pendingBytes;
  }

  private onStdout(chunk: Buffer): void {
    for (const event of this.reader.push(chunk)) {
      if (event.kind === 'too-large') throw new Error(`the host wrote a frame of ${event.declared} bytes`);
      this.frameSizes.push(event.body.length);
      this.frames.push(event.body);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Sends one request object as a frame. */
  send(message: unknown): void {
    this.child.stdin.write(encodeFrame(message));
  }

  /** Writes raw bytes to stdin (partial frames, bad lengths, several frames at once). */
  writeRaw(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.stdin.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** The next reply frame, parsed as JSON. Rejects on timeout or when the host exits first. */
  async nextReply<R = Record<string, unknown>>(timeoutMs = this.timeoutMs): Promise<HostReply<R>> {
    const body = await this.nextFrame(timeoutMs);
    return JSON.parse(body.toString('utf8')) as HostReply<R>;
  }

  /** The next raw reply frame body. */
  async nextFrame(timeoutMs = this.timeoutMs): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return frame;
      if (this.exitCode !== undefined) throw new Error(`host exited (${this.exitSignal ? `signal ${this.exitSignal}` : this.exitCode}) before replying; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply from the host within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Number of whole reply frames received and not yet read. */
  get queuedReplies(): number {
    return this.frames.length;
  }

  /** Sends `{id, command, params}` and returns the next reply (replies come in request order). */
  async request<R = Record<string, unknown>>(
    command: string,
    params?: Record<string, unknown>,
    options: { id?: RequestId; timeoutMs?: number } = {},
  ): Promise<HostReply<R>> {
    const id = options.id ?? `t${nextId++}`;
    this.send(params === undefined ? { id, command } : { id, command, params });
    const reply = await this.nextReply<R>(options.timeoutMs);
    if (reply.id !== id) throw new Error(`reply id ${JSON.stringify(reply.id)} does not match request id ${JSON.stringify(id)}`);
    return reply;
  }

  /** Like request() but throws unless ok, returning the result. */
  async call<R = Record<string, unknown>>(command: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<R> {
    const reply = await this.request<R>(command, params, { timeoutMs });
    if (!reply.ok) throw new Error(`${command} failed: ${reply.error.code}: ${reply.error.message}`);
    return reply.result;
  }

  /** Closes stdin (as the browser does) and waits for the exit code; kills after `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the host at once (cleanup after a failed test). */
  kill(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }
}

/** Spawns the built host as a browser would. */
export function startHost(options: HostProcessOptions = {}): HostProcess {
  return new HostProcess(options);
}
