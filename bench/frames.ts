// Native messaging framing (PROTOCOL §2) for benchmarks and robustness tests:
// a 32-bit little-endian length, then UTF-8 JSON. x86-64 and arm64 are little-endian.

/** One frame for the host's stdin. */
export function encodeFrame(message: unknown): Buffer {
  return encodeRawFrame(Buffer.from(JSON.stringify(message), 'utf8'));
}

/** A frame around any bytes, well-formed JSON or not. */
export function encodeRawFrame(body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Thrown when a byte stream is not a clean sequence of frames. */
export class FrameStreamError extends Error {}

/**
 * Cuts a byte stream into frames as it arrives. Every frame body must be JSON;
 * `strict` mode treats anything else as a protocol violation.
 */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  /** Total bytes fed so far. */
  bytes = 0;

  constructor(private readonly maxFrame = 1024 * 1024) {}

  /** Feed bytes; returns the frames now complete, each parsed from JSON. */
  push(chunk: Buffer): unknown[] {
    this.bytes += chunk.length;
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: unknown[] = [];
    while (this.buffered.length >= 4) {
      const length = this.buffered.readUInt32LE(0);
      if (length > this.maxFrame) throw new FrameStreamError(`frame of ${length} bytes exceeds ${this.maxFrame}`);
      if (this.buffered.length < 4 + length) break;
      const body = this.buffered.subarray(4, 4 + length).toString('utf8');
      this.buffered = this.buffered.subarray(4 + length);
      try {
        out.push(JSON.parse(body));
      } catch {
        throw new FrameStreamError(`frame body is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
      }
    }
    return out;
  }

  /** Bytes left over that do not make a whole frame. */
  get pending(): number {
    return this.buffered.length;
  }
}
