// Byte ↔ text helpers that run in Node and in the browser (no Buffer, no node: imports).

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Character code → 6-bit value, or -1 outside the standard alphabet. */
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_VALUE[B64.charCodeAt(i)] = i;
const PAD = 0x3d; // '='

/** Standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Why `text` is not strict base64 (standard alphabet, padding required, no whitespace), or null
 * when it is. A plain loop: a regular expression over the whole text overflows V8's stack past ~6 MiB,
 * and requests may carry 64 MiB.
 */
function base64Problem(text: string): string | null {
  const n = text.length;
  if (n % 4 !== 0) return `base64 length ${n} is not a multiple of 4`;
  const pad = n > 0 && text.charCodeAt(n - 1) === PAD ? (text.charCodeAt(n - 2) === PAD ? 2 : 1) : 0;
  for (let i = 0; i < n - pad; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || B64_VALUE[c]! < 0) return c === PAD ? 'misplaced base64 padding' : `invalid base64 character at position ${i}`;
  }
  return null;
}

/** True when `text` is canonical-alphabet base64 with correct padding (empty string allowed). */
export function isBase64(text: string): boolean {
  return base64Problem(text) === null;
}

/**
 * Strict base64 decoding (standard alphabet, padding required, no whitespace).
 * Throws RangeError naming the problem, so callers can turn it into BAD_REQUEST.
 */
export function fromBase64(text: string): Uint8Array {
  const problem = base64Problem(text);
  if (problem !== null) throw new RangeError(problem);
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  const value = (i: number): number => Math.max(0, B64_VALUE[text.charCodeAt(i)] ?? 0);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (value(i) << 18) | (value(i + 1) << 12) | (value(i + 2) << 6) | value(i + 3);
    if (o < out.length) out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url with or without padding. Throws RangeError on bad input. */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new RangeError('invalid base64url text');
  const std = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (std.length % 4 === 1) throw new RangeError('invalid base64url length');
  return fromBase64(std + '='.repeat((4 - (std.length % 4)) % 4));
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Hex (either case, even length) to bytes. Throws RangeError on bad input. */
export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new RangeError('invalid hex text');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function utf8Encode(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Strict UTF-8 decoding: throws TypeError on invalid sequences. */
export function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** Copies any BufferSource view into a fresh ArrayBuffer (for APIs that want exactly an ArrayBuffer). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
