// The page's parameters as the background parses them, at the sizes the protocol allows.
import { describe, expect, it } from 'vitest';
import { BadRequestError } from '../../../shared/errors';
import { parseBase64 } from './params';

describe('parseBase64', () => {
  it('accepts 40 MB of valid base64 (requests may reach 64 MiB)', () => {
    const data = Buffer.alloc(30 * 1000 * 1000, 0x5a).toString('base64');
    expect(data.length).toBe(40 * 1000 * 1000);
    expect(parseBase64(data, 'params.data')).toBe(data);
  });

  it.each(['', 'abc', 'aGVs bG8=', 'aGVsbG8-', '=aGV', 'ab=c'])('refuses %j with BAD_REQUEST', (text) => {
    expect(() => parseBase64(text, 'params.data')).toThrow(BadRequestError);
  });

  it('refuses a non-string', () => {
    expect(() => parseBase64(42, 'params.data')).toThrow(BadRequestError);
  });
});
