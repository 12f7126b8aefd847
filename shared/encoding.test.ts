// Byte helpers and the pure SHA-256, cross-checked with Node's Buffer and OpenSSL-backed crypto.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesEqual, fromBase64, fromBase64Url, fromHex, isBase64, toBase64, toBase64Url, toHex, utf8Decode } from './encoding';
import { sha256 } from './sha256';

describe('base64', () => {
  it('round-trips every length 0..300 like Buffer does', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = randomBytes(n);
      const text = toBase64(bytes);
      expect(text).toBe(bytes.toString('base64'));
      expect(isBase64(text)).toBe(true);
      expect(Buffer.from(fromBase64(text)).equals(bytes)).toBe(true);
      expect(toBase64Url(bytes)).toBe(bytes.toString('base64url'));
      expect(Buffer.from(fromBase64Url(bytes.toString('base64url'))).equals(bytes)).toBe(true);
    }
  });

  it.each(['abc', 'ab=c', 'a===', '====', 'aGVs bG8=', 'aGVsbG8=\n', 'aGVsbG8-', 'aGVs*G8=', '=aGV'])('rejects %j', (text) => {
    expect(isBase64(text)).toBe(false);
    expect(() => fromBase64(text)).toThrow(RangeError);
  });

  it('checks and decodes 12 MiB of base64, far past where a whole-text regex overflows the stack', () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const text = bytes.toString('base64');
    expect(isBase64(text)).toBe(true);
    expect(Buffer.from(fromBase64(text)).equals(bytes)).toBe(true);
    expect(isBase64(text.slice(0, -4) + 'AA*=')).toBe(false);
  });
});

describe('hex and UTF-8', () => {
  it('round-trips hex and rejects odd or non-hex text', () => {
    const bytes = randomBytes(33);
    expect(toHex(bytes)).toBe(bytes.toString('hex'));
    expect(bytesEqual(fromHex(bytes.toString('hex').toUpperCase()), bytes)).toBe(true);
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('zz')).toThrow(RangeError);
  });

  it('refuses invalid UTF-8', () => {
    expect(utf8Decode(Buffer.from('Привет'))).toBe('Привет');
    expect(() => utf8Decode(Uint8Array.of(0xff, 0xfe))).toThrow();
  });
});

describe('sha256', () => {
  it('matches the FIPS 180-4 examples and node:crypto on block boundaries and large input', () => {
    expect(toHex(sha256(new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    for (const n of [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 1 << 20]) {
      const data = randomBytes(n);
      expect(toHex(sha256(data)), `length ${n}`).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });
});
