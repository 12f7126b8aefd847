import { describe, expect, it } from 'vitest';
import { HOST_ERROR_CODES, PAGE_ERROR_CODES, TokensignError } from './protocol';
import { ERROR_CLASSES, PinIncorrectError, errorFromBody, toErrorBody } from './errors';

describe('error classes', () => {
  it('has one class per protocol code, each carrying its code', () => {
    for (const code of [...HOST_ERROR_CODES, ...PAGE_ERROR_CODES]) {
      const cls = ERROR_CLASSES[code];
      expect(cls, code).toBeDefined();
      const error = new cls();
      expect(error).toBeInstanceOf(TokensignError);
      expect(error.code).toBe(code);
      expect(error.message.length).toBeGreaterThan(0);
    }
    expect(new Set(Object.values(ERROR_CLASSES)).size).toBe(HOST_ERROR_CODES.length + PAGE_ERROR_CODES.length);
  });

  it('turns a host error body back into its class with the details', () => {
    const error = errorFromBody({ code: 'PIN_INCORRECT', message: 'wrong', countLow: true, finalTry: false });
    expect(error).toBeInstanceOf(PinIncorrectError);
    expect(error.details).toEqual({ countLow: true, finalTry: false });
    expect(toErrorBody(error)).toEqual({ code: 'PIN_INCORRECT', message: 'wrong', countLow: true, finalTry: false });
  });

  it('makes INTERNAL of anything unreadable', () => {
    expect(errorFromBody('nonsense').code).toBe('INTERNAL');
    expect(errorFromBody({ code: 'NOT_A_CODE', message: 'x' }).code).toBe('INTERNAL');
    expect(toErrorBody(new Error('plain'))).toEqual({ code: 'INTERNAL', message: 'plain' });
  });
});
