// The host's stdio: the first request over blocking fd calls, Node's streams only after its reply
// (stdio.ts), with every fallback keeping the bytes and the order.
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

/** A scripted fd 0 and fd 1, and streams that record when they were first asked for. */
class FakeSystem implements StdioSystem {
  readonly log: string[] = [];
  readonly written: Buffer[] = [];
  readonly stdinStream = new PassThrough();
  readonly stdoutStream = new PassThrough();
  /** What each blocking read returns: bytes, 0 for the end, or an error code to throw. */
  constructor(
    private readonly reads: Array<Uint8Array | 0 | string>,
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

function runOn(system: FakeSystem): Promise<void> {
  const channel = new StdioChannel(system);
  return runHost({ stdio: channel, service: new HelloOnly() });
}

describe('the host on its own stdio', () => {
  it('answers the first request before asking Node for the stdin or stdout stream', async () => {
    const hello = encodeFrame({ id: 1, command: 'hello' });
    const system = new FakeSystem([hello.subarray(0, 3), hello.subarray(3)]);
    const done = runOn(system);
    await tick();
    await tick();
    expect(system.log.slice(0, 3)).toEqual(['read 3', `read ${hello.length - 3}`, expect.stringMatching(/^write /)]);
    expect(system.log.indexOf('stdin stream')).toBeGreaterThan(2);
    expect(replies(system.written)).toEqual([{ id: 1, ok: true, result: { protocol: 1, version: 'test', modules: [] } }]);
    // Later requests come through the stream, and their replies go out through it, in order.
    system.stdinStream.write(Buffer.concat([encodeFrame({ id: 2, command: 'hello' }), encodeFrame({ id: 3, command: 'hello' })]));
    system.stdinStream.end();
    await done;
    expect(system.log).toContain('stdout stream');
    expect(replies(system.written).map((r) => (r as { id: number }).id)).toEqual([1, 2, 3]);
  });

  it('takes the stream at once, losing nothing, when stdin cannot be read blocking (EAGAIN)', async () => {
    const system = new FakeSystem(['EAGAIN']);
    system.stdinStream.end(encodeFrame({ id: 'a', command: 'hello' }));
    const done = runOn(system);
    expect(system.log).toEqual(['stdin stream']);
    await done;
    expect(replies(system.written)).toMatchObject([{ id: 'a', ok: true }]);
  });

  it('retries a read interrupted by a signal (EINTR)', async () => {
    const frame = encodeFrame({ id: 'i', command: 'hello' });
    const system = new FakeSystem(['EINTR', frame]);
    system.stdinStream.end();
    await runOn(system);
    expect(system.log.slice(0, 2)).toEqual([`read ${frame.length}`, expect.stringMatching(/^write /)]);
    expect(replies(system.written)).toMatchObject([{ id: 'i', ok: true }]);
  });

  it('ends when stdin ends before a whole request, and never opens the stdin stream', async () => {
    const system = new FakeSystem([encodeFrame({ id: 1, command: 'hello' }).subarray(0, 5), 0]);
    await runOn(system);
    await tick();
    expect(system.log).not.toContain('stdin stream');
    expect(system.written).toEqual([]);
  });

  it('writes the rest of a reply through the stream when stdout stops taking bytes (EAGAIN), in order', async () => {
    const system = new FakeSystem([encodeFrame({ id: 'w', command: 'hello' })], [10, 'EAGAIN']);
    system.stdinStream.end();
    await runOn(system);
    expect(system.log).toContain('stdout stream');
    expect(replies(system.written)).toMatchObject([{ id: 'w', ok: true }]);
  });

  it('reports a closed stdout (EPIPE) as a stream would, and finishes', async () => {
    const system = new FakeSystem([encodeFrame({ id: 'p', command: 'hello' })], ['EPIPE']);
    await runOn(system);
    expect(system.written).toEqual([]);
    // The input was destroyed on the write error: no stdin stream was opened for a host with no one listening.
    await tick();
    expect(system.log).not.toContain('stdin stream');
  });
});
