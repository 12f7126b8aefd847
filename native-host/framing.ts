// Native messaging framing (docs/PROTOCOL.md §2): uint32 length in native byte order + UTF-8 JSON.
// The one encoder and reader: the host, doctor's host client, the benchmarks and the tests use these.
import { endianness } from 'node:os';
import { MAX_REPLY_BYTES, MAX_REQUEST_BYTES } from '../shared/protocol';

const LITTLE_ENDIAN = endianness() === 'LE';

export type FrameEvent =
  | { kind: 'frame'; body: Buffer }
  /** A frame declared more than the limit; its bytes are being discarded. */
  | { kind: 'too-large'; declared: number };

/**
 * Incremental frame parser. Feed it stdin chunks; it returns whole frames in order.
 * Oversized frames are reported once, as soon as their header arrives, and their bytes are
 * dropped as they come (never buffered).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame being collected, once its header is read. */
  private expected: number | null = null;
  /** Bytes still to drop from an oversized frame. */
  private discarding = 0;

  constructor(private readonly maxBytes = MAX_REQUEST_BYTES) {}

  /** True while part of a frame (or of a discarded frame) is outstanding. */
  get midFrame(): boolean {
    return this.buffered > 0 || this.expected !== null || this.discarding > 0;
  }

  /** Bytes received that do not (yet) make a whole frame (a discarded frame's bytes are not kept). */
  get pendingBytes(): number {
    return this.buffered + (this.expected === null ? 0 : 4);
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let data = chunk;
    while (data.length > 0) {
      if (this.discarding > 0) {
        const drop = Math.min(this.discarding, data.length);
        this.discarding -= drop;
        data = data.subarray(drop);
        continue;
      }
      if (this.expected === null) {
        // Collect the 4 header bytes (they may arrive one by one).
        const need = 4 - this.buffered;
        const take = Math.min(need, data.length);
        // Copied like the body: the caller may wipe or reuse its chunk once push returns.
        this.chunks.push(Buffer.from(data.subarray(0, take)));
        this.buffered += take;
        data = data.subarray(take);
        if (this.buffered < 4) continue;
        const header = Buffer.concat(this.chunks);
        this.chunks = [];
        this.buffered = 0;
        const declared = LITTLE_ENDIAN ? header.readUInt32LE(0) : header.readUInt32BE(0);
        if (declared > this.maxBytes) {
          this.discarding = declared;
          events.push({ kind: 'too-large', declared });
          continue;
        }
        this.expected = declared;
        if (declared === 0) {
          this.expected = null;
          events.push({ kind: 'frame', body: Buffer.alloc(0) });
        }
        continue;
      }
      const need = this.expected - this.buffered;
      const take = Math.min(need, data.length);
      // Copy: the caller's chunk buffer may be reused by the stream.
      this.chunks.push(Buffer.from(data.subarray(0, take)));
      this.buffered += take;
      data = data.subarray(take);
      if (this.buffered === this.expected) {
        const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
        // The parts are the reader's own copies of request bytes (a PIN among them): wipe them.
        if (this.chunks.length > 1) for (const part of this.chunks) part.fill(0);
        this.chunks = [];
        this.buffered = 0;
        this.expected = null;
        events.push({ kind: 'frame', body });
      }
    }
    return events;
  }
}

/** Frames raw bytes: a length header, then the body as given (well-formed JSON or not). */
export function frameBytes(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + body.length);
  writeLength(out, body.length);
  out.set(body, 4);
  return out;
}

/** Frames one message as UTF-8 JSON. */
export function encodeFrame(message: unknown): Buffer {
  return frameBytes(Buffer.from(JSON.stringify(message), 'utf8'));
}

/** JSON → frame, or null when the body would exceed the reply limit. */
export function encodeReply(message: unknown, maxBytes = MAX_REPLY_BYTES): Buffer | null {
  const json = JSON.stringify(message);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > maxBytes) return null;
  // The JSON is written straight after the header: one buffer, every byte of it written.
  const out = Buffer.allocUnsafe(4 + length);
  writeLength(out, length);
  // JSON.stringify output is well-formed UTF-16, so this writes exactly `length` bytes; never send
  // a partly uninitialized buffer if it ever did not.
  if (out.write(json, 4, 'utf8') !== length) return frameBytes(Buffer.from(json, 'utf8'));
  return out;
}

function writeLength(out: Buffer, length: number): void {
  if (LITTLE_ENDIAN) out.writeUInt32LE(length, 0);
  else out.writeUInt32BE(length, 0);
}

/** A frame stream a client cannot read: a frame over its limit, or a body that is not JSON. */
export class FrameStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameStreamError';
  }
}

/** For a host's clients: the messages now complete in `chunk`, each parsed from JSON. */
export function readMessages(reader: FrameReader, chunk: Buffer): unknown[] {
  return reader.push(chunk).map((event) => {
    if (event.kind === 'too-large') throw new FrameStreamError(`a frame of ${event.declared} bytes is over the limit`);
    const text = event.body.toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new FrameStreamError(`a frame body is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
  });
}
