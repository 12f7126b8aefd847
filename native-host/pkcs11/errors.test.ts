// CKR_* → §2 codes, with the error objects pkcs11js's addon really throws.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokensignError } from '../../shared/protocol';
import * as constants from './constants';
import { CKR, ckrName } from './constants';
import { ckrOf, toTokensignError } from './errors';
import { loadPkcs11Addon, type Pkcs11Addon } from './module';

const SOFTHSM = '/usr/lib/softhsm/libsofthsm2.so';
let lib: Pkcs11Addon;
let pkcs11jsExports: Record<string, unknown>;
/** The addon's errors are plain Errors whose message is "CKR_NAME:code" (checked below on a real one). */
const makeError = (name: keyof typeof CKR): Error => new Error(`${name}:${CKR[name]}`);
const dir = mkdtempSync(join(tmpdir(), 'tokensign-errors-'));

beforeAll(async () => {
  lib = await loadPkcs11Addon();
  pkcs11jsExports = lib as unknown as Record<string, unknown>;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  it('reads the CKR code of an error the addon really throws', () => {
    // SoftHSM with an empty token folder of its own: slot 0x7fffffff does not exist.
    writeFileSync(join(dir, 'softhsm2.conf'), `directories.tokendir = ${dir}\nobjectstore.backend = file\n`);
    process.env.SOFTHSM2_CONF = join(dir, 'softhsm2.conf');
    const native = new lib.PKCS11();
    native.load(SOFTHSM);
    native.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
    let thrown: unknown;
    try {
      native.C_GetTokenInfo(Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0]));
    } catch (e) {
      thrown = e;
    } finally {
      native.C_Finalize();
      native.close();
    }
    expect(ckrOf(thrown)).toBe(CKR.CKR_SLOT_ID_INVALID);
    expect(toTokensignError(thrown, { action: 'reading the token' }).code).toBe('TOKEN_REMOVED');
  });

  it('reads the CKR code of an error message', () => {
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
