// The host's stdin and stdout while it starts. process.stdin and process.stdout on a pipe are
// net.Sockets: creating them loads Node's stream stack (net, stream and about twenty internal
// modules), 6-8 ms of a fresh Node 24 process, and a browser starting the host waits on its first
// replies then (list-tokens is sent right behind hello, with the browser's window opening on the same
// cores). So the host reads its first request with blocking reads of fd 0 and writes that reply with
// a blocking write to fd 1 (it has nothing else to do yet); from the next event-loop turn on it reads
// and writes the same fds in libuv's thread pool, so no read or write blocks the event loop and stdin
// is read while a request runs. Once its start-up is over (START_UP_MS) it hands both to Node's
// streams, whose reads and writes need no thread hop: stdout at once (or when its last queued reply
// is out), stdin when the read in the pool comes back with the next bytes (it cannot be called back).
// An fd that cannot be used that way (non-blocking: EAGAIN) hands over to the stream at once, without
// losing a byte or changing the order of replies; other errors are reported as a stream reports them.
import { EventEmitter } from 'node:events';
import { read, readSync, write, writeSync } from 'node:fs';

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
  /** A read into `buffer` off the event loop; `done` with the bytes read (0 at end of input) or the error. */
  readLater(buffer: Buffer, done: (error: NodeJS.ErrnoException | null, bytes: number) => void): void;
  /** A write of `bytes` from `offset` off the event loop; `done` with the bytes written or the error. */
  writeLater(bytes: Uint8Array, offset: number, done: (error: NodeJS.ErrnoException | null, written: number) => void): void;
  stdin(): NodeJS.ReadableStream & { isPaused(): boolean; destroy(): unknown };
  stdout(): NodeJS.WritableStream;
}

const processSystem: StdioSystem = {
  read: (buffer) => readSync(0, buffer, 0, buffer.length, null),
  write: (bytes, offset) => writeSync(1, bytes, offset),
  readLater: (buffer, done) => read(0, buffer, 0, buffer.length, null, (error, bytes) => done(error, bytes)),
  writeLater: (bytes, offset, done) => write(1, bytes, offset, bytes.length - offset, null, (error, written) => done(error, written)),
  stdin: () => process.stdin,
  stdout: () => process.stdout,
};

const READ_CHUNK = 64 * 1024;

/** A starting host's first second: its first listing is out by then (and its log lines held, log.ts). */
export const START_UP_MS = 1000;

function errorCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** stdin and stdout of the host: blocking fd calls for the first request, the thread pool after it, Node's streams after the start-up. */
export class StdioChannel {
  readonly input: LazyInput;
  readonly output: LazyOutput;
  private offLoopScheduled = false;

  constructor(
    private readonly system: StdioSystem = processSystem,
    /** How long the thread pool serves before the streams take over. */
    private readonly startUpMs = START_UP_MS,
  ) {
    this.input = new LazyInput(system);
    this.output = new LazyOutput(system);
  }

  /**
   * Reads stdin with blocking reads until `enough()` (a whole request arrived) or the input ends,
   * emitting 'data' (and 'end') as a stream would; reads and writes go to the thread pool after the
   * current turn, and to Node's streams after the start-up. Call once, after the listeners are on.
   */
  readFirst(enough: () => boolean): void {
    this.input.readBlocking(enough);
    this.offLoopSoon();
  }

  /** From the next event-loop turn on, the thread pool (after the replies to what was read so far); the streams after the start-up. */
  private offLoopSoon(): void {
    if (this.offLoopScheduled) return;
    this.offLoopScheduled = true;
    setImmediate(() => {
      this.input.readOffLoop();
      this.output.writeOffLoop();
      setTimeout(() => {
        this.output.useStreamWhenIdle();
        this.input.useStreamAfterRead();
      }, this.startUpMs).unref();
    });
  }
}

/** A call interrupted by a signal (EINTR): made again. */
function isInterrupted(e: unknown): boolean {
  return errorCode(e) === 'EINTR';
}

/** An fd in non-blocking mode: a read or write would spin, so Node's stream takes it. */
function isNonBlocking(e: unknown): boolean {
  return errorCode(e) === 'EAGAIN' || errorCode(e) === 'EWOULDBLOCK';
}

export class LazyInput extends EventEmitter implements HostInput {
  private stream: ReturnType<StdioSystem['stdin']> | undefined;
  private paused = false;
  /** Ended, destroyed or handed over: no more blocking reads. */
  private done = false;
  private ended = false;
  private destroyed = false;
  /** Reading in the thread pool (readOffLoop), one read at a time. */
  private offLoop = false;
  private reading = false;
  private buffer: Buffer | undefined;
  /** Bytes of a read that completed while paused: emitted on resume, before the next read. */
  private held = 0;
  /** The start-up is over: the stream takes over instead of the next read in the pool. */
  private streamWanted = false;

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
          if (isInterrupted(e)) continue;
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

  /** Reads on in the thread pool (once; not after the end, destroy() or a hand-over to the stream). */
  readOffLoop(): void {
    this.done = true;
    if (this.offLoop || this.stream || this.ended || this.destroyed) return;
    this.offLoop = true;
    this.readNext();
  }

  private readNext(): void {
    if (!this.offLoop || this.reading || this.paused || this.destroyed || this.ended) return;
    if (this.streamWanted) {
      this.useStream();
      return;
    }
    const buffer = (this.buffer ??= Buffer.allocUnsafe(READ_CHUNK));
    this.reading = true;
    this.system.readLater(buffer, (error, n) => {
      this.reading = false;
      if (this.destroyed) {
        buffer.fill(0);
        return;
      }
      if (error) {
        if (isInterrupted(error)) {
          this.readNext();
        } else if (isNonBlocking(error)) {
          this.useStream();
        } else {
          this.ended = true;
          this.emit('error', error);
        }
        return;
      }
      if (n === 0) {
        this.ended = true;
        this.emit('end');
        return;
      }
      this.held = n;
      this.emitHeld();
    });
  }

  /** Emits the bytes of the last read unless paused, then reads on. */
  private emitHeld(): void {
    if (this.paused || this.held === 0 || !this.buffer) return;
    const n = this.held;
    this.held = 0;
    // A view of the read buffer: the host copies what it keeps; wiped before the buffer is read into again.
    this.emit('data', this.buffer.subarray(0, n));
    this.buffer.fill(0, 0, n);
    this.readNext();
  }

  /**
   * Hands reading to Node's stream once the read in the pool is back and its bytes are given on (at
   * once when none is out). A read in the pool cannot be called back, and the stream must not read
   * beside it.
   */
  useStreamAfterRead(): void {
    this.streamWanted = true;
    if (this.offLoop && !this.reading && this.held === 0) this.useStream();
  }

  /** Hands reading to Node's stream (once; not after the end or destroy()). */
  useStream(): void {
    this.done = true;
    this.offLoop = false;
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
    if (this.stream) {
      this.stream.resume();
    } else if (this.offLoop) {
      // Later, as a stream resumes: never inside the caller's own handler.
      process.nextTick(() => {
        if (this.held > 0) this.emitHeld();
        else this.readNext();
      });
    }
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
      // A read still in the thread pool ends with the input (or the process); its bytes are wiped then.
      if (this.held > 0) this.buffer?.fill(0);
      this.held = 0;
      process.nextTick(() => this.emit('close'));
    }
    this.destroyed = true;
    return this;
  }
}

/** A reply waiting for the thread pool, and how much of it is out. */
interface PendingWrite {
  chunk: Uint8Array;
  offset: number;
  callback: (error?: Error | null) => void;
}

export class LazyOutput extends EventEmitter implements HostOutput {
  private stream: NodeJS.WritableStream | undefined;
  private failed = false;
  /** Writing in the thread pool (writeOffLoop): replies leave one after another, in order. */
  private offLoop = false;
  private readonly queue: PendingWrite[] = [];
  private writing = false;
  /** The start-up is over: the stream takes over once the queue is empty. */
  private streamWanted = false;

  constructor(private readonly system: StdioSystem) {
    super();
  }

  write(chunk: Uint8Array, callback: (error?: Error | null) => void): boolean {
    if (this.stream) return this.stream.write(chunk, callback);
    if (this.failed) {
      process.nextTick(callback, new Error('stdout is closed'));
      return false;
    }
    if (this.offLoop) {
      this.queue.push({ chunk, offset: 0, callback });
      this.writeNext();
      return this.queue.length === 1;
    }
    let offset = 0;
    while (offset < chunk.length) {
      try {
        offset += this.system.write(chunk, offset);
      } catch (e) {
        if (isInterrupted(e)) continue;
        if (isNonBlocking(e)) {
          // Non-blocking stdout: the stream writes the rest, in order, and everything after it.
          this.useStream();
          return this.stream!.write(chunk.subarray(offset), callback);
        }
        this.fail(e as NodeJS.ErrnoException, [callback]);
        return false;
      }
    }
    process.nextTick(callback);
    return true;
  }

  /** Writes in the thread pool from now on (once; not after a hand-over to the stream or a failure). */
  writeOffLoop(): void {
    if (this.stream || this.failed) return;
    this.offLoop = true;
  }

  private writeNext(): void {
    const next = this.queue[0];
    if (this.writing || !next) return;
    this.writing = true;
    this.system.writeLater(next.chunk, next.offset, (error, written) => {
      this.writing = false;
      if (error) {
        if (isInterrupted(error)) {
          this.writeNext();
        } else if (isNonBlocking(error)) {
          // The stream writes what is left of this reply and the replies behind it, in order.
          this.useStream();
          for (const pending of this.queue.splice(0)) this.stream!.write(pending.chunk.subarray(pending.offset), pending.callback);
        } else {
          this.fail(error, this.queue.splice(0).map((pending) => pending.callback));
        }
        return;
      }
      next.offset += written;
      if (next.offset >= next.chunk.length) {
        this.queue.shift();
        next.callback();
      }
      if (this.streamWanted && this.queue.length === 0) this.useStreamWhenIdle();
      else this.writeNext();
    });
  }

  /** Hands writing to Node's stream now, or once the replies in the queue are out (in order). */
  useStreamWhenIdle(): void {
    this.streamWanted = true;
    if (this.writing || this.queue.length > 0) return;
    this.useStream();
  }

  /** EPIPE and the like: reported as a stream reports them, once; the replies waiting fail with it. */
  private fail(error: NodeJS.ErrnoException, callbacks: Array<(error?: Error | null) => void>): void {
    this.failed = true;
    process.nextTick(() => {
      this.emit('error', error);
      for (const callback of callbacks) callback(error);
    });
  }

  /** Hands writing to Node's stream (once). */
  useStream(): void {
    this.offLoop = false;
    if (this.stream || this.failed) return;
    const stream = this.system.stdout();
    this.stream = stream;
    stream.on('error', (e: NodeJS.ErrnoException) => this.emit('error', e));
  }
}
