// Byte helpers and the pure SHA-256, cross-checked with Node's Buffer and OpenSSL-backed crypto.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesEqual, fromBase64, fromBase64IgnoringSpace, fromBase64Url, fromHex, isBase64, toBase64, toBase64Url, toHex, utf16leEncode, utf8Decode } from './encoding';
import { sha256, sha256Hex } from './sha256';

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

  it('reads pasted base64 with line breaks and spaces, and nothing else loosely', () => {
    expect(Buffer.from(fromBase64IgnoringSpace('aGVs\r\nbG8g d29y\tbGQ=\n')).toString()).toBe('hello world');
    for (const text of ['aGVsbG8-', 'aGV=sbG8', 'aGVsbG8']) expect(() => fromBase64IgnoringSpace(text)).toThrow(RangeError);
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

  it('writes UTF-16LE code units as Node does', () => {
    for (const text of ['', 'abc', 'Привет', '😀 x']) expect(Buffer.from(utf16leEncode(text)).equals(Buffer.from(text, 'utf16le'))).toBe(true);
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

  it('sha256Hex hashes bytes, and text as its UTF-8 bytes, as createHash().update() does (token and certificate ids)', () => {
    const bytes = randomBytes(700);
    expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    for (const text of ['', 'tokensign-token\0/usr/lib/librtpkcs11ecp.so\0 0A1B2C3D\0Рутокен ЭЦП 3.0', 'ёжик 🦔']) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });
});

describe('isBase64 in Node (native fast path) accepts exactly the strict grammar', () => {
  it('agrees with an independent regular expression on seeded mutations', () => {
    const strict = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n*.é\u0100\u2028';
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const base = toBase64(Uint8Array.from({ length: rand(40) }, () => rand(256)));
      const chars = base.split('');
      for (let k = rand(3); k > 0 && chars.length > 0; k--) chars[rand(chars.length)] = alphabet[rand(alphabet.length)]!;
      const text = chars.join('');
      expect(isBase64(text), JSON.stringify(text)).toBe(strict.test(text));
      if (strict.test(text)) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

