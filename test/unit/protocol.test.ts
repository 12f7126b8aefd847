import { describe, expect, it } from 'vitest';
import { authPayload, isValidChallenge, isValidOrigin } from '../../shared/protocol';

describe('origin as the browser serializes it', () => {
  it.each([
    'https://esia.gosuslugi.ru',
    'https://portal.example:8443',
    'http://localhost',
    'http://127.0.0.1:5173',
    'http://[::1]:8080',
    'https://xn--80aswg.xn--p1ai',
  ])('accepts %s', (origin) => expect(isValidOrigin(origin)).toBe(true));

  it.each([
    ['uppercase host', 'https://ESIA.gosuslugi.ru'],
    ['default port', 'https://esia.gosuslugi.ru:443'],
    ['trailing slash', 'https://esia.gosuslugi.ru/'],
    ['path', 'https://esia.gosuslugi.ru/login'],
    ['plain http off loopback', 'http://esia.gosuslugi.ru'],
    ['unicode host, not punycode', 'https://сайт.рф'],
    ['other scheme', 'ftp://example.com'],
    ['credentials', 'https://user@example.com'],
    ['empty', ''],
    ['too long', `https://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`],
  ])('refuses %s', (_why, origin) => expect(isValidOrigin(origin)).toBe(false));

  it('refuses non-strings', () => {
    expect(isValidOrigin(42)).toBe(false);
    expect(isValidOrigin(null)).toBe(false);
  });
});

describe('challenge', () => {
  it('accepts 43..512 characters of the base64/base64url alphabet', () => {
    expect(isValidChallenge('A'.repeat(43))).toBe(true);
    expect(isValidChallenge('aZ09+/_=-'.repeat(56) + 'abcdefgh')).toBe(true);
  });
  it('refuses short, long and foreign characters', () => {
    expect(isValidChallenge('A'.repeat(42))).toBe(false);
    expect(isValidChallenge('A'.repeat(513))).toBe(false);
    expect(isValidChallenge('A'.repeat(42) + ' ')).toBe(false);
    expect(isValidChallenge('A'.repeat(42) + '\n')).toBe(false);
  });
});

describe('signed payload', () => {
  it('is "tokensign-auth:1\\n" + origin + "\\n" + challenge in UTF-8', () => {
    const bytes = authPayload('https://a.example', 'c'.repeat(43));
    expect(new TextDecoder().decode(bytes)).toBe(`tokensign-auth:1\nhttps://a.example\n${'c'.repeat(43)}`);
  });
});
