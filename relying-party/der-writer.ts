// The few DER encodings the relying party writes (an OCSP request): TLVs, OIDs, INTEGERs, OCTET STRINGs.
// Reading stays with shared/der.ts.
import { fromHex } from '../shared/encoding';

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV with the given identifier byte around the concatenated parts. */
export function derTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const header = [tag, ...lengthBytes(length)];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export const derSequence = (...parts: Uint8Array[]): Uint8Array => derTlv(0x30, ...parts);
export const derOctetString = (bytes: Uint8Array): Uint8Array => derTlv(0x04, bytes);
export const DER_NULL = new Uint8Array([0x05, 0x00]);

export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new TypeError(`not an OID: ${oid}`);
  const values = [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)];
  const bytes: number[] = [];
  for (const value of values) {
    const chunk: number[] = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return derTlv(0x06, new Uint8Array(bytes));
}

/** A non-negative INTEGER from lowercase hex without leading zeros (ParsedCertificate.serialHex). */
export function derIntegerHex(hex: string): Uint8Array {
  let bytes = fromHex(hex.length % 2 ? '0' + hex : hex);
  if (bytes.length === 0 || (bytes[0]! & 0x80) !== 0) bytes = Uint8Array.from([0, ...bytes]);
  return derTlv(0x02, bytes);
}
