// One parse per request: typed commands or BAD_REQUEST naming the field.
import { describe, expect, it } from 'vitest';
import { TokensignError } from '../shared/protocol';
import { parseRequest, readId } from './schema';

const CHALLENGE = 'x'.repeat(43);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof TokensignError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'ok';
}

describe('parseRequest', () => {
  it('parses every command into a typed value', () => {
    expect(parseRequest({ id: 1, command: 'hello' })).toEqual({ command: 'hello' });
    expect(parseRequest({ id: 1, command: 'list-tokens', params: {} })).toEqual({ command: 'list-tokens' });
    expect(parseRequest({ id: 1, command: 'list-certificates', params: { tokenId: 't' } })).toEqual({ command: 'list-certificates', tokenId: 't' });
    const sign = parseRequest({ id: 'a', command: 'sign', params: { certificateId: 'c', pin: '1', data: 'aGk=' } });
    expect(sign).toMatchObject({ command: 'sign', certificateId: 'c', pin: '1', detached: true });
    expect(sign.command === 'sign' && sign.data.toString()).toBe('hi');
    expect(parseRequest({ id: 'a', command: 'authenticate', params: { certificateId: 'c', origin: 'https://a.example', challenge: CHALLENGE } })).toEqual({
      command: 'authenticate',
      certificateId: 'c',
      pin: undefined,
      origin: 'https://a.example',
      challenge: CHALLENGE,
    });
  });

  it.each([
    [null, 'BAD_REQUEST'],
    [[], 'BAD_REQUEST'],
    [{ command: 'hello' }, 'BAD_REQUEST: "id" is missing'],
    [{ id: true, command: 'hello' }, 'BAD_REQUEST: "id" must be'],
    [{ id: Number.NaN, command: 'hello' }, 'BAD_REQUEST'],
    [{ id: 1 }, 'BAD_REQUEST: "command" is missing'],
    [{ id: 1, command: 3 }, 'BAD_REQUEST: "command" must be a string'],
    [{ id: 1, command: 'rm' }, 'UNKNOWN_COMMAND'],
    [{ id: 1, command: 'hello', params: 'x' }, 'BAD_REQUEST: "params" must be an object'],
    [{ id: 1, command: 'list-certificates', params: { tokenId: 5 } }, 'BAD_REQUEST: params.tokenId'],
    [{ id: 1, command: 'list-certificates', params: { tokenId: '' } }, 'BAD_REQUEST: params.tokenId is empty'],
    [{ id: 1, command: 'sign', params: { certificateId: 'c', data: 'aGk=', detached: 1 } }, 'BAD_REQUEST: params.detached'],
    [{ id: 1, command: 'sign', params: { certificateId: 'c', data: 'aGk', pin: '1' } }, 'BAD_REQUEST: params.data is not valid base64'],
    [{ id: 1, command: 'sign', params: { certificateId: 'c', data: 'aGk=', pin: 'p'.repeat(257) } }, 'BAD_REQUEST: params.pin is longer'],
    [{ id: 1, command: 'authenticate', params: { certificateId: 'c', origin: 'https://a.example/', challenge: CHALLENGE } }, 'BAD_REQUEST: params.origin'],
    [{ id: 1, command: 'authenticate', params: { certificateId: 'c', origin: 'https://a.example', challenge: 'short' } }, 'BAD_REQUEST: params.challenge'],
  ])('refuses %j', (message, expected) => {
    expect(codeOf(() => parseRequest(message))).toMatch(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('never echoes a PIN of the wrong type', () => {
    expect(codeOf(() => parseRequest({ id: 1, command: 'sign', params: { certificateId: 'c', data: '', pin: 424242 } }))).not.toContain('424242');
  });
});

describe('readId', () => {
  it('reads string and finite number ids only', () => {
    expect(readId({ id: 'x' })).toBe('x');
    expect(readId({ id: 0 })).toBe(0);
    expect(readId({ id: null })).toBeNull();
    expect(readId({ id: Infinity })).toBeNull();
    expect(readId({ id: {} })).toBeNull();
    expect(readId('x')).toBeNull();
  });
  it('refuses a malformed origin the same way after well-formed ones were accepted', () => {
    const request = (origin: string) => () =>
      parseRequest({ id: 1, command: 'authenticate', params: { certificateId: 'c', origin, challenge: CHALLENGE } });
    for (let i = 0; i < 3; i++) expect(codeOf(request('https://a.example'))).toBe('ok');
    for (const bad of ['https://a.example/', 'https://A.example', 'http://a.example', 'https://a.example:443', 'https://user@a.example']) {
      expect(codeOf(request(bad))).toMatch(/^BAD_REQUEST: params\.origin must be a web origin/);
    }
    // More distinct origins than are remembered: each is still checked, none is refused wrongly.
    for (let i = 0; i < 200; i++) expect(codeOf(request(`https://site${i}.example`))).toBe('ok');
    expect(codeOf(request('https://a.example/'))).toMatch(/^BAD_REQUEST/);
  });
});
