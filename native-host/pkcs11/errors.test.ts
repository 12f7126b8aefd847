// CKR_* → §2 codes, with the error objects pkcs11js really throws.
import { beforeAll, describe, expect, it } from 'vitest';
import { TokensignError } from '../../shared/protocol';
import * as constants from './constants';
import { CKR, ckrName } from './constants';
import { ckrOf, toTokensignError } from './errors';
import { loadPkcs11js } from './module';

let makeError: (name: keyof typeof CKR) => Error;
let pkcs11jsExports: Record<string, unknown>;

beforeAll(async () => {
  const lib = await loadPkcs11js();
  pkcs11jsExports = lib as unknown as Record<string, unknown>;
  makeError = (name) => new lib.Pkcs11Error(`${name}:${CKR[name]}`, CKR[name], 'C_Login');
});

const flags = (countLow: boolean, finalTry: boolean, locked = false) => () => ({ countLow, finalTry, locked });

describe('constants', () => {
  it('agree with the ones pkcs11js exports', () => {
    const ours: Array<[string, unknown]> = [...Object.entries(CKR), ...Object.entries(constants)];
    let compared = 0;
    for (const [name, value] of ours) {
      const theirs = pkcs11jsExports[name];
      if (typeof theirs !== 'number' || typeof value !== 'number') continue;
      expect(value, name).toBe(theirs);
      compared++;
    }
    expect(compared).toBeGreaterThan(60);
  });
});

describe('toTokensignError', () => {
  it('reads the CKR code of a pkcs11js error', () => {
    expect(ckrOf(makeError('CKR_PIN_INCORRECT'))).toBe(0xa0);
    expect(ckrOf(new Error('something else'))).toBeNull();
    expect(ckrName(0x12345)).toBe('CKR_0x00012345');
  });

  it('maps a wrong PIN with the re-read flags', () => {
    const e = toTokensignError(makeError('CKR_PIN_INCORRECT'), { action: 'login', pinFlags: flags(true, true) });
    expect(e.toJSON()).toMatchObject({ code: 'PIN_INCORRECT', countLow: true, finalTry: true });
    expect(toTokensignError(makeError('CKR_PIN_INCORRECT'), { action: 'login' }).toJSON()).toMatchObject({ countLow: false, finalTry: false });
    expect(toTokensignError(makeError('CKR_PIN_INCORRECT'), { action: 'login', pinFlags: flags(true, false, true) }).code).toBe('PIN_LOCKED');
  });

  it.each([
    ['CKR_PIN_LOCKED', 'PIN_LOCKED'],
    ['CKR_PIN_LEN_RANGE', 'PIN_INVALID'],
    ['CKR_PIN_INVALID', 'PIN_INVALID'],
    ['CKR_DEVICE_REMOVED', 'TOKEN_REMOVED'],
    ['CKR_TOKEN_NOT_PRESENT', 'TOKEN_REMOVED'],
    ['CKR_DEVICE_ERROR', 'TOKEN_ERROR'],
    ['CKR_FUNCTION_FAILED', 'TOKEN_ERROR'],
  ] as const)('%s → %s', (ckr, code) => {
    const e = toTokensignError(makeError(ckr), { action: 'signing' });
    expect(e).toBeInstanceOf(TokensignError);
    expect(e.code).toBe(code);
    expect(e.details.ckr).toBe(ckr);
  });

  it('calls a lost session TOKEN_REMOVED only when the token is gone', () => {
    expect(toTokensignError(makeError('CKR_SESSION_HANDLE_INVALID'), { action: 's', tokenPresent: () => false }).code).toBe('TOKEN_REMOVED');
    expect(toTokensignError(makeError('CKR_SESSION_HANDLE_INVALID'), { action: 's', tokenPresent: () => true }).code).toBe('TOKEN_ERROR');
  });

  it('keeps TokensignErrors and wraps anything else as TOKEN_ERROR', () => {
    const original = new TokensignError('KEY_NOT_FOUND', 'x');
    expect(toTokensignError(original, { action: 's' })).toBe(original);
    expect(toTokensignError(new Error('boom'), { action: 'signing' }).toJSON()).toMatchObject({ code: 'TOKEN_ERROR', message: 'signing failed: boom' });
  });
});
