// ISO 7816-4 command APDUs as a card reads them (short and extended), BER-TLV for the PIV
// objects, and the status words the virtual card answers with.

export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Buffer;
  /** Ne: how many response bytes the reader asks for (256 for a short Le of 00, 65536 for an extended 0000). */
  ne: number;
}

export const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  SECURITY_NOT_SATISFIED: 0x6982,
  PIN_BLOCKED: 0x6983,
  WRONG_DATA: 0x6a80,
  NOT_FOUND: 0x6a82,
  WRONG_P1P2: 0x6a86,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
} as const;

/** Parses a command APDU (cases 1 to 4, short or extended); null when the bytes are not one. */
export function parseCommand(bytes: Buffer): CommandApdu | null {
  if (bytes.length < 4) return null;
  const [cla, ins, p1, p2] = [bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!];
  const body = bytes.subarray(4);
  const base = { cla, ins, p1, p2 };
  if (body.length === 0) return { ...base, data: Buffer.alloc(0), ne: 0 };
  if (body.length === 1) return { ...base, data: Buffer.alloc(0), ne: body[0] || 256 };
  if (body[0] !== 0) {
    const lc = body[0]!;
    if (body.length !== 1 + lc && body.length !== 2 + lc) return null;
    const le = body.length === 2 + lc ? body[1 + lc] || 256 : 0;
    return { ...base, data: Buffer.from(body.subarray(1, 1 + lc)), ne: le };
  }
  // Extended: 00 then two-byte Lc (and data, then an optional two-byte Le), or 00 and a two-byte Le alone.
  if (body.length === 3) return { ...base, data: Buffer.alloc(0), ne: body.readUInt16BE(1) || 65536 };
  const lc = body.readUInt16BE(1);
  if (body.length !== 3 + lc && body.length !== 5 + lc) return null;
  const ne = body.length === 5 + lc ? body.readUInt16BE(3 + lc) || 65536 : 0;
  return { ...base, data: Buffer.from(body.subarray(3, 3 + lc)), ne };
}

/** BER length octets. */
function lengthOf(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}

/** One BER-TLV with a tag of one or more bytes. */
export function tlv(tag: number, ...values: Buffer[]): Buffer {
  const value = Buffer.concat(values);
  const tagBytes = tag > 0xffff ? Buffer.from([tag >> 16, (tag >> 8) & 0xff, tag & 0xff]) : tag > 0xff ? Buffer.from([tag >> 8, tag & 0xff]) : Buffer.from([tag]);
  return Buffer.concat([tagBytes, lengthOf(value.length), value]);
}

/** The TLVs directly inside `bytes` (tags of one or two bytes, as PIV uses), by tag. */
export function readTlvs(bytes: Buffer): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  let i = 0;
  while (i < bytes.length) {
    let tag = bytes[i++]!;
    if ((tag & 0x1f) === 0x1f) tag = (tag << 8) | bytes[i++]!;
    let length = bytes[i++]!;
    if (length === 0x81) length = bytes[i++]!;
    else if (length === 0x82) {
      length = (bytes[i]! << 8) | bytes[i + 1]!;
      i += 2;
    }
    if (i + length > bytes.length) throw new RangeError('TLV runs past its container');
    found.set(tag, bytes.subarray(i, i + length));
    i += length;
  }
  return found;
}

/** A response APDU: data then SW1 SW2. */
export function response(data: Buffer, sw: number): Buffer {
  return Buffer.concat([data, Buffer.from([sw >> 8, sw & 0xff])]);
}
