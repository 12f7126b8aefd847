// A small, strict-enough BER/DER reader. The relying party parses each CMS with it, and
// shared/certificate.ts each X.509 certificate (host, extension, relying party): schema-driven
// parsing (asn1js/pkijs) costs more than the signature check, and its code more than Node's start-up.
// Runs in Node and in the browser: no node: imports, no Buffer.
import { latin1Decode, toHex } from './encoding';

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VIDEOTEX_STRING: 0x15,
  GRAPHIC_STRING: 0x19,
  VISIBLE_STRING: 0x1a,
  GENERAL_STRING: 0x1b,
  CHARACTER_STRING: 0x1d,
  BMP_STRING: 0x1e,
  NUMERIC_STRING: 0x12,
  UNIVERSAL_STRING: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One TLV. `tag` is the first identifier byte (class | constructed | number) for low tag numbers. */
export interface DerNode {
  readonly buf: Uint8Array;
  /** Identifier byte; for tag numbers ≥ 31 the class/constructed bits with number 0x1f. */
  readonly tag: number;
  readonly tagNumber: number;
  readonly constructed: boolean;
  /** Offset of the identifier. */
  readonly start: number;
  readonly contentStart: number;
  readonly contentEnd: number;
  /** Offset after the whole TLV (after end-of-contents for indefinite lengths). */
  readonly end: number;
}

const MAX_DEPTH = 40;

export function readNode(buf: Uint8Array, offset: number, limit: number = buf.length, depth = 0): DerNode {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
  let p = offset;
  if (p >= limit) throw new DerError('unexpected end of data');
  const tag = buf[p++]!;
  const constructed = (tag & 0x20) !== 0;
  let tagNumber = tag & 0x1f;
  if (tagNumber === 0x1f) {
    tagNumber = 0;
    for (let i = 0; ; i++) {
      if (p >= limit || i > 3) throw new DerError('bad tag');
      const b = buf[p++]!;
      tagNumber = (tagNumber << 7) | (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= limit) throw new DerError('unexpected end of data in length');
  const first = buf[p++]!;
  if (first === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive value');
    const contentStart = p;
    for (;;) {
      if (p + 2 > limit) throw new DerError('missing end-of-contents');
      if (buf[p] === 0 && buf[p + 1] === 0) break;
      p = readNode(buf, p, limit, depth + 1).end;
    }
    return { buf, tag, tagNumber, constructed, start: offset, contentStart, contentEnd: p, end: p + 2 };
  }
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n > 4) throw new DerError('length too large');
    length = 0;
    for (let i = 0; i < n; i++) {
      if (p >= limit) throw new DerError('unexpected end of data in length');
      length = length * 256 + buf[p++]!;
    }
  }
  const contentStart = p;
  const contentEnd = p + length;
  if (contentEnd > limit) throw new DerError('value runs past the end of its container');
  return { buf, tag, tagNumber, constructed, start: offset, contentStart, contentEnd, end: contentEnd };
}

/** Reads exactly one TLV filling `buf`. */
export function readRoot(buf: Uint8Array): DerNode {
  const node = readNode(buf, 0);
  if (node.end !== buf.length) throw new DerError('trailing bytes after the value');
  return node;
}

export function children(node: DerNode): DerNode[] {
  if (!node.constructed) throw new DerError(`expected a constructed value, got tag 0x${node.tag.toString(16)}`);
  const out: DerNode[] = [];
  let p = node.contentStart;
  while (p < node.contentEnd) {
    const child = readNode(node.buf, p, node.contentEnd);
    out.push(child);
    p = child.end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node) throw new DerError(`${what} is missing`);
  if (node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** `node`, or a DerError naming what is missing (for untrusted input read by position). */
export function required(node: DerNode | undefined, what: string): DerNode {
  if (!node) throw new DerError(`${what} is missing`);
  return node;
}

/** The whole TLV (identifier, length, content). */
export function tlv(node: DerNode): Uint8Array {
  return node.buf.subarray(node.start, node.end);
}

export function content(node: DerNode): Uint8Array {
  return node.buf.subarray(node.contentStart, node.contentEnd);
}

interface KnownOid {
  bytes: Uint8Array;
  oid: string;
}
/** Decoded OIDs by an FNV-1a hash of their bytes: no allocation on the hot path. */
const oidCache = new Map<number, KnownOid[]>();
let oidCacheSize = 0;

export function readOid(node: DerNode): string {
  if (node.tag !== TAG.OID) throw new DerError('expected an OBJECT IDENTIFIER');
  const buf = node.buf;
  const start = node.contentStart;
  const end = node.contentEnd;
  if (end === start) throw new DerError('empty OBJECT IDENTIFIER');
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  const bucket = oidCache.get(h);
  if (bucket) {
    for (const known of bucket) {
      const k = known.bytes;
      if (k.length !== end - start) continue;
      let same = true;
      for (let i = 0; i < k.length; i++) {
        if (k[i] !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return known.oid;
    }
  }
  const bytes = buf.slice(start, end);
  const oid = decodeOid(bytes);
  // Only a bounded number of distinct OIDs is remembered: hostile input must not grow the cache.
  if (oidCacheSize < 1000) {
    oidCacheSize++;
    if (bucket) bucket.push({ bytes, oid });
    else oidCache.set(h, [{ bytes, oid }]);
  }
  return oid;
}

/** Arcs up to 128 bits: UUID OIDs (2.25.<uuid>, ITU-T X.667) are read; longer ones are refused. */
const MAX_ARC_BITS = 128;

function decodeOid(b: Uint8Array): string {
  const parts: (number | bigint)[] = [];
  let value = 0;
  /** The arc being read once it no longer fits a safe integer. */
  let big: bigint | null = null;
  for (let i = 0; i < b.length; i++) {
    const byte = b[i]!;
    if (big === null && value > Number.MAX_SAFE_INTEGER / 128) big = BigInt(value);
    if (big !== null) {
      big = big * 128n + BigInt(byte & 0x7f);
      if (big >> BigInt(MAX_ARC_BITS) > 0n) throw new DerError('OBJECT IDENTIFIER arc too large');
    } else {
      value = value * 128 + (byte & 0x7f);
    }
    if ((byte & 0x80) === 0) {
      const arc = big ?? value;
      if (parts.length === 0) {
        const top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
        parts.push(top, typeof arc === 'bigint' ? arc - 80n : arc - top * 40);
      } else {
        parts.push(arc);
      }
      value = 0;
      big = null;
    } else if (i === b.length - 1) {
      throw new DerError('truncated OBJECT IDENTIFIER');
    }
  }
  return parts.join('.');
}

/** INTEGER content as lowercase hex without leading zeros ("0" for zero). */
export function integerHex(node: DerNode): string {
  if (node.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER');
  return integerBytesHex(content(node));
}

/** INTEGER content bytes as lowercase hex without leading zeros ("0" for zero). */
export function integerBytesHex(bytes: Uint8Array): string {
  const hex = toHex(bytes).replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

export function readSmallInteger(node: DerNode): number {
  if (node.tag !== TAG.INTEGER) throw new DerError('expected an INTEGER');
  const b = content(node);
  if (b.length === 0 || b.length > 6 || (b[0]! & 0x80) !== 0) throw new DerError('INTEGER out of range');
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  return v;
}

/** BIT STRING content without the unused-bits byte; `unused` is that byte. */
export function readBitString(node: DerNode): { bytes: Uint8Array; unused: number } {
  if (node.tag !== TAG.BIT_STRING) throw new DerError('expected a BIT STRING');
  const b = content(node);
  if (b.length === 0 || b[0]! > 7) throw new DerError('malformed BIT STRING');
  return { bytes: b.subarray(1), unused: b[0]! };
}

/** OCTET STRING content, joining the segments of a constructed (BER) one. */
export function readOctetString(node: DerNode): Uint8Array {
  if (node.tag === TAG.OCTET_STRING) return content(node);
  if (node.tag === (TAG.OCTET_STRING | 0x20)) {
    const parts = children(node).map(readOctetString);
    const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
  throw new DerError('expected an OCTET STRING');
}

function digits(b: Uint8Array, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** UTCTime (YYMMDDHHMM[SS]Z) or GeneralizedTime (YYYYMMDDHHMMSS[.fff]Z) → epoch milliseconds. */
export function readTime(node: DerNode): number {
  const b = content(node);
  const bad = (): DerError => new DerError(`malformed time "${latin1Decode(b)}"`);
  let year: number;
  let p: number;
  if (node.tag === TAG.UTC_TIME) {
    const yy = digits(b, 0, 2);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    p = 2;
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    year = digits(b, 0, 4);
    p = 4;
  } else {
    throw new DerError('expected a time');
  }
  if (b.length < p + 9) throw bad();
  const month = digits(b, p, 2);
  const day = digits(b, p + 2, 2);
  const hour = digits(b, p + 4, 2);
  const minute = digits(b, p + 6, 2);
  p += 8;
  let second = 0;
  if (b[p] !== 0x5a) {
    second = digits(b, p, 2);
    p += 2;
  } else if (node.tag === TAG.GENERALIZED_TIME) {
    throw bad();
  }
  let fraction = 0;
  if (node.tag === TAG.GENERALIZED_TIME && b[p] === 0x2e) {
    let n = 0;
    let scale = 100;
    for (p++; p < b.length && b[p] !== 0x5a; p++, n++) {
      const d = b[p]! - 0x30;
      if (d < 0 || d > 9 || n >= 9) throw bad();
      fraction += d * scale;
      scale /= 10;
    }
    if (n === 0) throw bad();
  }
  if (p !== b.length - 1 || b[p] !== 0x5a) throw bad();
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 60) || Number.isNaN(year)) {
    throw bad();
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fraction);
}


const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A character string value as text, decoded the way asn1js did for the certificate model
 * (DN strings must read the same as before): UTF8String as UTF-8 (bytes as Latin-1 when it is not
 * valid UTF-8), BMPString as UTF-16BE, UniversalString as its low 16 bits per character, the
 * other string types (Printable, IA5, Numeric, Teletex, Visible, ...) one character per byte.
 * Null for anything that is not a character string.
 */
export function readString(node: DerNode): string | null {
  const b = content(node);
  switch (node.tag) {
    case TAG.UTF8_STRING:
      try {
        return utf8.decode(b);
      } catch {
        return latin1Decode(b);
      }
    case TAG.NUMERIC_STRING:
    case TAG.PRINTABLE_STRING:
    case TAG.TELETEX_STRING:
    case TAG.VIDEOTEX_STRING:
    case TAG.IA5_STRING:
    case TAG.GRAPHIC_STRING:
    case TAG.VISIBLE_STRING:
    case TAG.GENERAL_STRING:
    case TAG.CHARACTER_STRING:
      return latin1Decode(b);
    case TAG.BMP_STRING: {
      if (b.length % 2) return null;
      let s = '';
      for (let i = 0; i < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return s;
    }
    case TAG.UNIVERSAL_STRING: {
      if (b.length % 4) return null;
      let s = '';
      for (let i = 0; i < b.length; i += 4) s += String.fromCharCode((b[i + 2]! << 8) | b[i + 3]!);
      return s;
    }
    default:
      return null;
  }
}

/** AlgorithmIdentifier: OID and the TLV of its parameters (absent or NULL → undefined). */
export function readAlgorithm(node: DerNode | undefined, what: string): { oid: string; parameters?: Uint8Array } {
  const seq = expectTag(node, TAG.SEQUENCE, what);
  const [oidNode, params] = children(seq);
  if (!oidNode) throw new DerError(`${what} has no algorithm OID`);
  const oid = readOid(oidNode);
  if (!params || params.tag === TAG.NULL) return { oid };
  return { oid, parameters: tlv(params) };
}
