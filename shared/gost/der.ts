// Just enough DER reading for GOST keys: TLVs, OIDs, the SubjectPublicKeyInfo of a GOST key.

export interface Tlv {
  tag: number;
  /** Content bytes. */
  value: Uint8Array;
  /** Whole TLV. */
  raw: Uint8Array;
}

/** Read one TLV at offset; throws on truncated or indefinite-length input. */
export function readTlv(buf: Uint8Array, offset = 0): Tlv {
  const at = (i: number) => {
    const v = buf[i];
    if (v === undefined) throw new RangeError('DER: truncated');
    return v;
  };
  const tag = at(offset);
  if ((tag & 0x1f) === 0x1f) throw new RangeError('DER: multi-byte tags unsupported');
  let len = at(offset + 1);
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + at(pos++);
  }
  if (pos + len > buf.length) throw new RangeError('DER: truncated');
  return { tag, value: buf.subarray(pos, pos + len), raw: buf.subarray(offset, pos + len) };
}

/** Children of a constructed TLV. */
export function readChildren(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < tlv.value.length; ) {
    const child = readTlv(tlv.value, off);
    out.push(child);
    off += child.raw.length;
  }
  return out;
}

/** OBJECT IDENTIFIER content → dotted string. */
export function decodeOid(value: Uint8Array): string {
  const parts: number[] = [];
  let n = 0;
  for (const b of value) {
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      if (parts.length === 0) parts.push(n < 80 ? Math.floor(n / 40) : 2, n < 80 ? n % 40 : n - 80);
      else parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

export interface GostPublicKeyInfo {
  /** 1.2.643.7.1.1.1.1 (256) or 1.2.643.7.1.1.1.2 (512). */
  algorithmOid: string;
  paramSetOid: string;
  digestOid?: string;
  /** X‖Y little-endian, as in the certificate. */
  key: Uint8Array;
}

/** Parse a DER SubjectPublicKeyInfo holding a GOST R 34.10-2012 key. */
export function parseGostSpki(spki: Uint8Array): GostPublicKeyInfo {
  const [alg, bits] = readChildren(readTlv(spki));
  if (!alg || !bits || alg.tag !== 0x30 || bits.tag !== 0x03) throw new RangeError('SPKI: bad structure');
  const [oid, params] = readChildren(alg);
  if (!oid || oid.tag !== 0x06 || !params || params.tag !== 0x30) throw new RangeError('SPKI: no GOST parameters');
  const [paramSet, digest] = readChildren(params);
  if (!paramSet || paramSet.tag !== 0x06) throw new RangeError('SPKI: no parameter set');
  if (bits.value[0] !== 0) throw new RangeError('SPKI: unused bits');
  const octets = readTlv(bits.value, 1);
  if (octets.tag !== 0x04) throw new RangeError('SPKI: key is not an OCTET STRING');
  return {
    algorithmOid: decodeOid(oid.value),
    paramSetOid: decodeOid(paramSet.value),
    ...(digest && digest.tag === 0x06 ? { digestOid: decodeOid(digest.value) } : {}),
    key: octets.value,
  };
}
