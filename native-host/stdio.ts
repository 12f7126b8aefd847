// The host's stdin and stdout, cheap until the first request is answered. Node's process.stdin and
// process.stdout on a pipe are net.Sockets: creating them loads the stream stack (net, stream and
// about twenty internal modules) and the reply then waits for an event-loop turn; together about
// 3-4 ms of a cold start, more than the host's own work for hello. A host has nothing else to do
// before its first request, so it reads that request with blocking reads of fd 0 and writes the
// reply with blocking writes to fd 1; then (setImmediate, after that reply) it changes to the
// streams for the rest of its life, so later replies never block the event loop and stdin is read
// while a request runs. Any fd that cannot be used that way (non-blocking, closed, an error) means
// the streams at once, without losing a byte or changing the order of replies.
import { EventEmitter } from 'node:events';
import { readSync, writeSync } from 'node:fs';

/** What runHost reads requests from: a Readable satisfies it. */
export interface HostInput {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  destroy(): unknown;
}

/** What runHost writes replies to: a Writable satisfies it. */
export interface HostOutput {
  write(chunk: Uint8Array, callback: (error?: Error | null) => void): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/** The fd operations and streams StdioChannel uses; tests pass their own. */
export interface StdioSystem {
  /** Blocking read into `buffer`; 0 at end of input. Throws a Node system error. */
  read(buffer: Buffer): number;
  /** Blocking write of `bytes` from `offset`; bytes written. Throws a Node system error. */
  write(bytes: Uint8Array, offset: number): number;
  stdin(): NodeJS.ReadableStream & { isPaused(): boolean; destroy(): unknown };
  stdout(): NodeJS.WritableStream;
}

const processSystem: StdioSystem = {
  read: (buffer) => readSync(0, buffer, 0, buffer.length, null),
  write: (bytes, offset) => writeSync(1, bytes, offset),
  stdin: () => process.stdin,
  stdout: () => process.stdout,
};

const READ_CHUNK = 64 * 1024;

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** stdin and stdout of the host: blocking fd calls for the first request, Node's streams after it. */
export class StdioChannel {
  readonly input: LazyInput;
  readonly output: LazyOutput;
  private streamsScheduled = false;

  constructor(private readonly system: StdioSystem = processSystem) {
    this.input = new LazyInput(system);
    this.output = new LazyOutput(system);
  }

  /**
   * Reads stdin with blocking reads until `enough()` (a whole request arrived) or the input ends,
   * emitting 'data' (and 'end') as a stream would; the streams take over after the current turn.
   * Call once, after the listeners are on.
   */
  readFirst(enough: () => boolean): void {
    this.input.readBlocking(enough);
    this.useStreamsSoon();
  }

  /** From the next event-loop turn on, Node's streams (after the replies to what was read so far). */
  private useStreamsSoon(): void {
    if (this.streamsScheduled) return;
    this.streamsScheduled = true;
    setImmediate(() => {
      this.input.useStream();
      this.output.useStream();
    });
  }
}

export class LazyInput extends EventEmitter implements HostInput {
  private stream: ReturnType<StdioSystem['stdin']> | undefined;
  private paused = false;
  /** Ended, destroyed or handed to the stream: no more blocking reads. */
  private done = false;
  private ended = false;
  private destroyed = false;

  constructor(private readonly system: StdioSystem) {
    super();
  }

  readBlocking(enough: () => boolean): void {
    if (this.done) return;
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    try {
      while (!enough() && !this.paused && !this.destroyed) {
        let n: number;
        try {
          n = this.system.read(buffer);
        } catch (e) {
          if (errorCode(e) === 'EINTR') continue;
          // Non-blocking (EAGAIN), closed or unreadable: the stream takes over now and reports what it finds.
          this.useStream();
          return;
        }
        if (n === 0) {
          this.ended = true;
          this.done = true;
          this.emit('end');
          return;
        }
        // A view of the read buffer: the host copies what it keeps and wipes the chunk.
        this.emit('data', buffer.subarray(0, n));
      }
    } finally {
      // Request bytes (a PIN among them) do not linger in the buffer.
      buffer.fill(0);
    }
  }

  /** Hands reading to Node's stream (once; not after the end or destroy()). */
  useStream(): void {
    this.done = true;
    if (this.stream || this.ended || this.destroyed) return;
    const stream = this.system.stdin();
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => this.emit('data', chunk));
    stream.on('end', () => this.emit('end'));
    stream.on('close', () => this.emit('close'));
    stream.on('error', (e: Error) => this.emit('error', e));
    if (this.paused) stream.pause();
  }

  pause(): this {
    this.paused = true;
    this.stream?.pause();
    return this;
  }

  resume(): this {
    this.paused = false;
    this.stream?.resume();
    return this;
  }

  isPaused(): boolean {
    return this.stream ? this.stream.isPaused() : this.paused;
  }

  destroy(): this {
    if (this.stream) {
      this.stream.destroy();
    } else if (!this.destroyed) {
      this.destroyed = true;
      this.done = true;
      process.nextTick(() => this.emit('close'));
    }
    this.destroyed = true;
    return this;
  }
}

export class LazyOutput extends EventEmitter implements HostOutput {
  private stream: NodeJS.WritableStream | undefined;
  private failed = false;

  constructor(private readonly system: StdioSystem) {
    super();
  }

  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean {
    if (this.stream) return this.stream.write(chunk, callback);
    if (this.failed) {
      process.nextTick(callback, new Error('stdout is closed'));
      return false;
    }
    let offset = 0;
    while (offset < chunk.length) {
      try {
        offset += this.system.write(chunk, offset);
      } catch (e) {
        if (errorCode(e) === 'EINTR') continue;
        if (errorCode(e) === 'EAGAIN') {
          // Non-blocking stdout: the stream writes the rest, in order, and everything after it.
          this.useStream();
          return this.stream!.write(chunk.subarray(offset), callback);
        }
        // EPIPE and the like: reported as a stream reports them.
        this.failed = true;
        process.nextTick(() => {
          this.emit('error', e);
          callback(e as Error);
        });
        return false;
      }
    }
    process.nextTick(callback);
    return true;
  }

  /** Hands writing to Node's stream (once). */
  useStream(): void {
    if (this.stream || this.failed) return;
    const stream = this.system.stdout();
    this.stream = stream;
    stream.on('error', (e: NodeJS.ErrnoException) => this.emit('error', e));
  }
}
