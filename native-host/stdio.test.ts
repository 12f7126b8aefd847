// The host's stdio: the first request over blocking fd calls, the same fds in the thread pool after
// its reply, Node's streams only when an fd is non-blocking (stdio.ts); every fallback keeps the
// bytes and the order.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader } from './framing';
import { runHost } from './host';
import { StdioChannel, type StdioSystem } from './stdio';
import { TokenService } from './service';
import type { HelloResult } from '../shared/protocol';

function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

type ReadStep = Uint8Array | 0 | string;
type ReadDone = (error: NodeJS.ErrnoException | null, bytes: number) => void;

/**
 * A scripted fd 0 and fd 1, and streams that record when they were first asked for. Blocking and
 * thread-pool calls take their results from the same scripts; a thread-pool read past the script
 * waits, as a read of an idle pipe does, until `feed` gives it something.
 */
class FakeSystem implements StdioSystem {
  readonly log: string[] = [];
  readonly written: Buffer[] = [];
  readonly stdinStream = new PassThrough();
  readonly stdoutStream = new PassThrough();
  private waiting: { buffer: Buffer; done: ReadDone } | undefined;
  /** What each read returns: bytes, 0 for the end, or an error code (thrown, or passed to the callback). */
  constructor(
    private readonly reads: ReadStep[],
    private readonly writes: Array<number | string> = [],
  ) {}

  read(buffer: Buffer): number {
    const next = this.reads.shift();
    if (next === undefined) throw new Error('read past the script: the test would block here');
    if (typeof next === 'string') throw systemError(next);
    if (next === 0) return 0;
    buffer.set(next);
    this.log.push(`read ${next.length}`);
    return next.length;
  }

  readLater(buffer: Buffer, done: ReadDone): void {
    const next = this.reads.shift();
    if (next === undefined) {
      this.waiting = { buffer, done };
      return;
    }
    setImmediate(() => this.complete(next, buffer, done));
  }

  /** Completes the thread-pool read that is waiting for input. */
  feed(step: ReadStep): void {
    const waiting = this.waiting;
    if (!waiting) throw new Error('no read is waiting');
    this.waiting = undefined;
    this.complete(step, waiting.buffer, waiting.done);
  }

  private complete(step: ReadStep, buffer: Buffer, done: ReadDone): void {
    if (typeof step === 'string') return done(systemError(step), 0);
    if (step === 0) return done(null, 0);
    buffer.set(step);
    this.log.push(`read later ${step.length}`);
    done(null, step.length);
  }

  writeLater(bytes: Uint8Array, offset: number, done: (error: NodeJS.ErrnoException | null, written: number) => void): void {
    setImmediate(() => {
      try {
        const n = this.write(bytes, offset);
        this.log[this.log.length - 1] = `write later ${n}`;
        done(null, n);
      } catch (e) {
        done(e as NodeJS.ErrnoException, 0);
      }
    });
  }

  write(bytes: Uint8Array, offset: number): number {
    const next = this.writes.shift();
    if (typeof next === 'string') throw systemError(next);
    const n = Math.min(next ?? Infinity, bytes.length - offset);
    this.written.push(Buffer.from(bytes.subarray(offset, offset + n)));
    this.log.push(`write ${n}`);
    return n;
  }

  stdin() {
    this.log.push('stdin stream');
    return this.stdinStream;
  }

  stdout() {
    this.log.push('stdout stream');
    this.stdoutStream.on('data', (chunk: Buffer) => this.written.push(chunk));
    return this.stdoutStream;
  }
}

/** A service whose hello needs no token: the channel is what is under test. */
class HelloOnly extends TokenService {
  override hello(): Promise<HelloResult> {
    return Promise.resolve({ protocol: 1, version: 'test', modules: [] });
  }
  override close(): Promise<void> {
    return Promise.resolve();
  }
}

function replies(bytes: Buffer[]): unknown[] {
  const reader = new FrameReader(1 << 20);
  const out: unknown[] = [];
  for (const event of reader.push(Buffer.concat(bytes))) if (event.kind === 'frame') out.push(JSON.parse(event.body.toString('utf8')));
  return out;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** The host on `system`; the streams take over after `startUpMs` (long past each test unless given). */
function runOn(system: FakeSystem, startUpMs = 60_000): Promise<void> {
  const channel = new StdioChannel(system, startUpMs);
  return runHost({ stdio: channel, service: new HelloOnly() });
}

describe('the host on its own stdio', () => {
  it("answers the first request with blocking fd calls and later ones in the thread pool, never creating Node's stdio streams", async () => {
    // Creating process.stdin on a pipe loads Node's stream stack: 6-8 ms of a starting host, which
    // a browser's second request (list-tokens, sent behind hello) waited on.
    const hello = encodeFrame({ id: 1, command: 'hello' });
    const system = new FakeSystem([hello.subarray(0, 3), hello.subarray(3)]);
    const done = runOn(system);
    await tick();
    await tick();
    expect(system.log.slice(0, 3)).toEqual(['read 3', `read ${hello.length - 3}`, expect.stringMatching(/^write \d/)]);
    expect(replies(system.written)).toEqual([{ id: 1, ok: true, result: { protocol: 1, version: 'test', modules: [] } }]);
    // Later requests are read off the event loop, and their replies go out the same way, in order.
    system.feed(Buffer.concat([encodeFrame({ id: 2, command: 'hello' }), encodeFrame({ id: 3, command: 'hello' })]));
    await tick();
    system.feed(encodeFrame({ id: 4, command: 'hello' }));
    await tick();
    system.feed(0);
    await done;
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3, 4]);
    expect(system.log.filter((line) => line.startsWith('write later'))).toHaveLength(3);
    expect(system.log).not.toContain('stdin stream');
    expect(system.log).not.toContain('stdout stream');
  });

  it("hands stdin and stdout to Node's streams once the start-up is over, losing nothing and keeping the order", async () => {
    const frames = [1, 2, 3, 4].map((id) => encodeFrame({ id, command: 'hello' }));
    const system = new FakeSystem([frames[0]!]);
    const done = runOn(system, 5);
    await new Promise((resolve) => setTimeout(resolve, 30));
    // stdout at once (nothing was queued); stdin only when its read in the pool comes back.
    expect(system.log).toContain('stdout stream');
    expect(system.log).not.toContain('stdin stream');
    system.feed(frames[1]!);
    await tick();
    await tick();
    expect(system.log).toContain('stdin stream');
    system.stdinStream.end(Buffer.concat([frames[2]!, frames[3]!]));
    await done;
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3, 4]);
    expect(system.log.filter((line) => line === 'read later ' + frames[1]!.length)).toHaveLength(1);
  });

  it('takes the stream at once, losing nothing, when stdin cannot be read blocking (EAGAIN)', async () => {
    const system = new FakeSystem(['EAGAIN']);
    system.stdinStream.end(encodeFrame({ id: 'a', command: 'hello' }));
    const done = runOn(system);
    expect(system.log).toEqual(['stdin stream']);
    await done;
    expect(replies(system.written)).toMatchObject([{ id: 'a', ok: true }]);
  });

  it('hands stdin to the stream, losing nothing, when it turns non-blocking after the first request (EAGAIN)', async () => {
    const system = new FakeSystem([encodeFrame({ id: 1, command: 'hello' }), 'EAGAIN']);
    system.stdinStream.end(Buffer.concat([encodeFrame({ id: 2, command: 'hello' }), encodeFrame({ id: 3, command: 'hello' })]));
    await runOn(system);
    expect(system.log).toContain('stdin stream');
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3]);
  });

  it('retries a read interrupted by a signal (EINTR), blocking or in the thread pool', async () => {
    const frame = encodeFrame({ id: 'i', command: 'hello' });
    const system = new FakeSystem(['EINTR', frame, 'EINTR', encodeFrame({ id: 'j', command: 'hello' }), 0]);
    await runOn(system);
    expect(system.log.slice(0, 2)).toEqual([`read ${frame.length}`, expect.stringMatching(/^write /)]);
    expect(replies(system.written)).toMatchObject([{ id: 'i', ok: true }, { id: 'j', ok: true }]);
  });

  it('ends when stdin fails after the first request, as on a stream error', async () => {
    const system = new FakeSystem([encodeFrame({ id: 1, command: 'hello' }), 'EIO']);
    await runOn(system);
    expect(replies(system.written)).toMatchObject([{ id: 1, ok: true }]);
    expect(system.log).not.toContain('stdin stream');
  });

  it('ends when stdin ends before a whole request, and never opens the stdin stream', async () => {
    const system = new FakeSystem([encodeFrame({ id: 1, command: 'hello' }).subarray(0, 5), 0]);
    await runOn(system);
    await tick();
    expect(system.log).not.toContain('stdin stream');
    expect(system.written).toEqual([]);
  });

  it('writes the rest of a reply through the stream when stdout stops taking bytes (EAGAIN), in order', async () => {
    const system = new FakeSystem([encodeFrame({ id: 'w', command: 'hello' }), 0], [10, 'EAGAIN']);
    await runOn(system);
    expect(system.log).toContain('stdout stream');
    expect(replies(system.written)).toMatchObject([{ id: 'w', ok: true }]);
  });

  it('writes the rest of a later reply, and those behind it, through the stream when stdout turns non-blocking, in order', async () => {
    const frames = [1, 2, 3].map((id) => encodeFrame({ id, command: 'hello' }));
    const system = new FakeSystem([frames[0]!, Buffer.concat([frames[1]!, frames[2]!]), 0], [Infinity, 7, 'EAGAIN']);
    await runOn(system);
    expect(system.log).toContain('stdout stream');
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3]);
  });

  it('reports a closed stdout (EPIPE) as a stream would, and finishes', async () => {
    const system = new FakeSystem([encodeFrame({ id: 'p', command: 'hello' })], ['EPIPE']);
    await runOn(system);
    expect(system.written).toEqual([]);
    // The input was destroyed on the write error: no stdin stream was opened for a host with no one listening.
    await tick();
    expect(system.log).not.toContain('stdin stream');
  });

  it('reports a stdout closed after the first reply (EPIPE) and finishes, with the replies waiting failed', async () => {
    const frames = [1, 2].map((id) => encodeFrame({ id, command: 'hello' }));
    const system = new FakeSystem([frames[0]!, frames[1]!], [Infinity, 'EPIPE']);
    await runOn(system);
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1]);
    expect(system.log).not.toContain('stdout stream');
  });
});

describe('stdout written in the thread pool', () => {
  it('hands over to the stream only once the replies in the pool are out, in order', async () => {
    const system = new FakeSystem([], [Infinity, 2, Infinity]);
    const output = new StdioChannel(system).output;
    output.writeOffLoop();
    const done: string[] = [];
    output.write(Buffer.from('first'), () => done.push('first'));
    output.write(Buffer.from('second'), () => done.push('second'));
    // The start-up ends while both are queued: the stream must wait for them.
    output.useStreamWhenIdle();
    expect(system.log).not.toContain('stdout stream');
    output.write(Buffer.from('third'), () => done.push('third'));
    for (let i = 0; i < 6; i++) await tick();
    expect(system.log).toEqual(['write later 5', 'write later 2', 'write later 4', 'write later 5', 'stdout stream']);
    output.write(Buffer.from('fourth'), () => done.push('fourth'));
    await tick();
    expect(Buffer.concat(system.written).toString()).toBe('firstsecondthirdfourth');
    expect(done).toEqual(['first', 'second', 'third', 'fourth']);
  });
});

describe('stdin read in the thread pool', () => {
  it('holds what a read brought while paused, and gives it on resume, in order', async () => {
    const system = new FakeSystem([Buffer.from('ab'), Buffer.from('cd'), 0]);
    const input = new StdioChannel(system).input;
    const got: string[] = [];
    let ended = false;
    input.on('data', (chunk) => {
      got.push(chunk.toString());
      input.pause();
    });
    input.on('end', () => (ended = true));
    input.readOffLoop();
    await tick();
    await tick();
    expect(got).toEqual(['ab']);
    input.resume();
    await tick();
    await tick();
    expect(got).toEqual(['ab', 'cd']);
    expect(ended).toBe(false);
    input.resume();
    await tick();
    await tick();
    expect(ended).toBe(true);
  });

  it('wipes the read buffer after each chunk is handed on', async () => {
    const system = new FakeSystem([Buffer.from('1234')]);
    const input = new StdioChannel(system).input;
    let view: Buffer | undefined;
    input.on('data', (chunk: Buffer) => (view = chunk));
    input.readOffLoop();
    await tick();
    expect(view && [...view]).toEqual([0, 0, 0, 0]);
    input.destroy();
  });
});
