// Talks to a native host (or any process that speaks native framing) over its stdio.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { encodeFrame, FrameReader, readMessages } from '../native-host/framing';

export interface HostReplyFrame {
  id: string | number | null;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string; [k: string]: unknown };
}

export interface HostClientOptions {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  /** Where stderr goes: collected in memory (default) or dropped. */
  stderr?: 'collect' | 'ignore';
}

/** One running host process; replies come back in request order (§2). */
export class HostClient {
  readonly child: ChildProcessWithoutNullStreams;
  readonly spawnedAt: number;
  stderr = '';
  private readonly reader = new FrameReader(1024 * 1024);
  private readonly waiting: Array<{ resolve: (r: HostReplyFrame) => void; reject: (e: Error) => void }> = [];
  private readonly early: HostReplyFrame[] = [];
  private exitError: Error | null = null;
  readonly exited: Promise<number | null>;
  private nextId = 1;

  constructor(options: HostClientOptions) {
    this.spawnedAt = performance.now();
    this.child = spawn(options.command, options.args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout.on('data', (chunk: Buffer) => {
      let frames: unknown[];
      try {
        frames = readMessages(this.reader, chunk);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      for (const frame of frames) {
        const waiter = this.waiting.shift();
        if (waiter) waiter.resolve(frame as HostReplyFrame);
        else this.early.push(frame as HostReplyFrame);
      }
    });
    if (options.stderr === 'ignore') this.child.stderr.resume();
    else this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code) => {
        this.fail(new Error(`host exited with ${code}; stderr: ${this.stderr.slice(-500)}`));
        resolve(code);
      });
    });
  }

  private fail(error: Error): void {
    this.exitError ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  /** Send a request and wait for its reply. */
  request(command: string, params?: Record<string, unknown>, timeoutMs = 30_000): Promise<HostReplyFrame> {
    const id = this.nextId++;
    return this.sendRaw(encodeFrame(params ? { id, command, params } : { id, command }), timeoutMs);
  }

  /** Write bytes that should produce exactly one reply, and wait for it. */
  sendRaw(bytes: Buffer, timeoutMs = 30_000): Promise<HostReplyFrame> {
    const early = this.early.shift();
    if (early) return Promise.resolve(early);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push({
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.stdin.write(bytes);
    });
  }

  /** Close stdin and wait for the exit status. */
  async close(timeoutMs = 5_000): Promise<number | null> {
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }
}
