// The host-result parsers: what the host really answers passes unchanged; a wrong field is named.
import { describe, expect, it } from 'vitest';
import {
  ReplyShapeError,
  parseAuthenticateResult,
  parseCertificateList,
  parseHello,
  parseRawSignResult,
  parseSignResult,
  parseTokenList,
} from './host-replies';

const pin = { loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false };
const token = { id: 't1', module: '/usr/lib/softhsm/libsofthsm2.so', slot: 7, label: 'T', manufacturer: 'M', model: 'X', serial: '01', pin };
const certificate = {
  id: 'c1',
  tokenId: 't1',
  label: 'Director',
  hasPrivateKey: true,
  keyId: '01',
  der: 'MA==',
  thumbprint: 'ab'.repeat(32),
  subject: { commonName: 'Иванов', inn: '7700000000' },
  subjectDN: 'CN=Иванов',
  issuerDN: 'CN=CA',
  issuerCommonName: 'CA',
  serialNumber: '1f',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  status: 'valid',
  expiresInDays: 27,
  keyAlgorithm: 'ECDSA-P256',
  keyUsage: ['digitalSignature'],
};

function shapeError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ReplyShapeError) return error.path;
    throw error;
  }
  throw new Error('no ReplyShapeError');
}

describe('host result parsers', () => {
  it('give back every field of well-formed results', () => {
    expect(parseHello({ protocol: 1, version: '0.1.0', modules: [{ path: '/m.so', loaded: false, error: 'no' }] })).toEqual({
      protocol: 1,
      version: '0.1.0',
      modules: [{ path: '/m.so', loaded: false, error: 'no' }],
    });
    expect(parseTokenList({ tokens: [token] })).toEqual([token]);
    expect(parseCertificateList({ certificates: [certificate] })).toEqual([certificate]);
    expect(parseSignResult({ cms: 'AA==', certificate: 'MA==' })).toEqual({ cms: 'AA==', certificate: 'MA==' });
    expect(parseRawSignResult({ signature: 'AA==', certificate: 'MA==' })).toEqual({ signature: 'AA==', certificate: 'MA==' });
    expect(parseAuthenticateResult({ format: 'tokensign-auth:1', cms: 'AA==', certificate: 'MA==' })).toEqual({
      format: 'tokensign-auth:1',
      cms: 'AA==',
      certificate: 'MA==',
    });
  });

  it('name the first wrong field', () => {
    expect(shapeError(() => parseTokenList({ tokens: [{ ...token, slot: '7' }] }))).toBe('list-tokens.tokens[0].slot');
    expect(shapeError(() => parseTokenList({ tokens: [{ ...token, pin: { ...pin, locked: 1 } }] }))).toBe('list-tokens.tokens[0].pin.locked');
    expect(shapeError(() => parseCertificateList({ certificates: [{ ...certificate, status: 'revoked' }] }))).toBe('list-certificates.certificates[0].status');
    expect(shapeError(() => parseCertificateList({ certificates: [{ ...certificate, keyUsage: [1] }] }))).toBe('list-certificates.certificates[0].keyUsage[0]');
    expect(shapeError(() => parseCertificateList({ certificates: [{ ...certificate, subject: { inn: '1' } }] }))).toBe('list-certificates.certificates[0].subject.commonName');
    expect(shapeError(() => parseSignResult({ cms: 1, certificate: 'MA==' }))).toBe('sign.cms');
    expect(shapeError(() => parseAuthenticateResult({ format: 'other', cms: 'AA==', certificate: 'MA==' }))).toBe('authenticate.format');
    expect(shapeError(() => parseHello(null))).toBe('hello');
    expect(shapeError(() => parseCertificateList({}))).toBe('list-certificates.certificates');
  });
});
