// The one DER writer (reading is shared/der.ts): the host's CMS and the relying party's OCSP requests.
// A tree whose lengths are summed as it is built, then written once into one buffer: no intermediate
// copies per nesting level (the host builds a CMS per signature on its hot path).
import { BoundedCache } from './bounded-cache';
import { fromHex } from './encoding';

interface Constructed {
  tag: number;
  content: readonly Der[];
  /** Length of the content octets. */
  length: number;
}
/** Encoded bytes, or a constructed element still to be written. */
export type Der = Uint8Array | Constructed;

function headerSize(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : length < 0x1000000 ? 5 : 6;
}

function sizeOf(item: Der): number {
  return item instanceof Uint8Array ? item.length : headerSize(item.length) + item.length;
}

/** One TLV with the identifier byte `tag` around `content`, still to be encoded. */
export function derTree(tag: number, ...content: Der[]): Der {
  let length = 0;
  for (const c of content) length += sizeOf(c);
  return { tag, content, length };
}

function writeDer(out: Uint8Array, at: number, item: Der): number {
  if (item instanceof Uint8Array) {
    out.set(item, at);
    return at + item.length;
  }
  out[at++] = item.tag;
  const length = item.length;
  if (length < 0x80) {
    out[at++] = length;
  } else {
    const count = headerSize(length) - 2;
    out[at++] = 0x80 | count;
    for (let shift = (count - 1) * 8; shift >= 0; shift -= 8) out[at++] = Math.floor(length / 2 ** shift) & 0xff;
  }
  for (const c of item.content) at = writeDer(out, at, c);
  return at;
}

/** The bytes of a tree built with `derTree`. */
export function encode(item: Der): Uint8Array {
  const out = new Uint8Array(sizeOf(item));
  writeDer(out, 0, item);
  return out;
}

/** One encoded TLV around the concatenated parts. */
export function derTlv(tag: number, ...parts: Der[]): Uint8Array {
  return encode(derTree(tag, ...parts));
}
export const derSequence = (...parts: Der[]): Uint8Array => derTlv(0x30, ...parts);
export const derOctetString = (bytes: Uint8Array): Uint8Array => derTlv(0x04, bytes);
export const DER_NULL = Uint8Array.of(0x05, 0x00);

const oidCache = new BoundedCache<string, Uint8Array>(256);

/** An OBJECT IDENTIFIER from its dotted form (encoded once per OID); TypeError for anything else. */
export function derOid(dotted: string): Uint8Array {
  const known = oidCache.get(dotted);
  if (known) return known;
  const parts = dotted.split('.');
  if (parts.length < 2 || parts.some((a) => !/^\d+$/.test(a))) throw new TypeError(`not an OID: ${dotted}`);
  // BigInt arcs: a UUID OID (2.25.<128-bit>, the login content type) does not fit a double.
  const arcs = parts.map(BigInt);
  const bytes: number[] = [];
  for (const arc of [arcs[0]! * 40n + arcs[1]!, ...arcs.slice(2)]) {
    const chunk = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) chunk.unshift(0x80 | Number(v & 0x7fn));
    bytes.push(...chunk);
  }
  return oidCache.set(dotted, derTlv(0x06, Uint8Array.from(bytes)));
}

/** A non-negative INTEGER from lowercase hex without leading zeros (a certificate's serial). */
export function derIntegerHex(hex: string): Uint8Array {
  let bytes = fromHex(hex.length % 2 ? '0' + hex : hex);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes = Uint8Array.from([0, ...bytes]);
  return derTlv(0x02, bytes);
}
