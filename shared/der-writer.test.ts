// The DER writer against the DER reader and OpenSSL's encodings of the same values.
import { describe, expect, it } from 'vitest';
import { children, content, integerHex, readOid, readRoot } from './der';
import { DER_NULL, derIntegerHex, derOctetString, derOid, derSequence, encode, tlv } from './der-writer';
import { toHex } from './encoding';

describe('DER writer', () => {
  it('encodes OIDs as OpenSSL does and refuses what is not one', () => {
    expect(toHex(derOid('1.2.840.113549.1.7.2'))).toBe('06092a864886f70d010702');
    expect(toHex(derOid('1.2.643.7.1.1.3.2'))).toBe('06082a85030701010302');
    expect(readOid(readRoot(derOid('2.999.1234567')))).toBe('2.999.1234567');
    expect(() => derOid('1')).toThrow(TypeError);
    expect(() => derOid('1.2.x')).toThrow(TypeError);
  });

  it('writes short and long lengths, nested, in one pass', () => {
    const big = new Uint8Array(70_000).fill(7);
    const der = encode(tlv(0x30, derOctetString(Uint8Array.of(1, 2)), tlv(0x30, big), DER_NULL));
    const [octets, inner, nul] = children(readRoot(der));
    expect(toHex(content(octets!))).toBe('0102');
    expect(content(inner!).length).toBe(70_000);
    expect(nul!.tag).toBe(0x05);
    expect(toHex(derSequence())).toBe('3000');
  });

  it('writes serial numbers as non-negative INTEGERs', () => {
    for (const hex of ['1', '7f', '80', 'ff01', '0']) expect(integerHex(readRoot(derIntegerHex(hex)))).toBe(hex);
    expect(toHex(derIntegerHex('80'))).toBe('02020080');
  });
});
