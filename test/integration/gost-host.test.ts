// The built host on the emulated test token (test/testtoken): GOST R 34.10-2012 logins checked by OpenSSL with the
// gost engine and by verifyAuthentication; the Streebog-here fallback on a token without hash-and-sign; PIN lockout
// (countLow, finalTry, locked) and token removal as the host reports them.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, HostReply, TokenInfo } from '../../shared/protocol';
import { authPayload } from '../../shared/protocol';
import { verifyAuthentication, VerificationError } from '../../relying-party/index';
import { CKM_ECDSA, CKM_GOSTR3410, CKM_GOSTR3410_512, CKM_RSA_PKCS } from '../../native-host/pkcs11/constants';
import { createGostPki, GOST_CERTS, GOST_TEST_TOKENS, readPinState, type GostPki } from '../fixtures/gost';
import { opensslVerify, readCms } from '../helpers/cms-verify';
import { startHost, type HostProcess } from '../helpers/host-process';

const ORIGIN = 'https://esia.gosuslugi.ru';
const CHALLENGE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';
const LOCK_TOKEN = { label: 'Tokensign GOST 3', serial: 'TT00000003', pin: '11112222', maxPinTries: 3 };
const WRONG_PIN = '99990000';

let pki: GostPki;
let host: HostProcess;
let certs: CertificateInfo[];
const replies: string[] = [];

beforeAll(async () => {
  pki = createGostPki({
    // Token 2 has no hash-and-sign mechanisms: the host hashes with its own Streebog there.
    tokens: [GOST_TEST_TOKENS[0]!, { ...GOST_TEST_TOKENS[1]!, mechanisms: [CKM_GOSTR3410, CKM_GOSTR3410_512, CKM_RSA_PKCS, CKM_ECDSA] }, LOCK_TOKEN],
    certs: [
      ...GOST_CERTS,
      { name: 'lockme', token: LOCK_TOKEN.label, key: 'gost256-TCB', id: 'c1', label: 'Lockout GOST', subject: '/CN=Блокировка ПИН/O=Tokensign Test/C=RU' },
    ],
  });
  host = startHost({ env: pki.env });
  certs = (await host.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
}, 60_000);

afterAll(async () => {
  if (host) await host.close(5000).catch(() => host.kill());
  pki?.cleanup();
});

function certOf(name: string): CertificateInfo {
  const label = [...GOST_CERTS, { name: 'lockme', label: 'Lockout GOST' }].find((c) => c.name === name)!.label;
  const c = certs.find((x) => x.label === label);
  if (!c) throw new Error(`host lists no certificate ${label}`);
  return c;
}

async function send(command: string, params?: Record<string, unknown>): Promise<HostReply> {
  const reply = await host.request(command, params);
  replies.push(JSON.stringify(reply));
  return reply;
}

function errorOf(reply: HostReply): { code: string; message: string; [k: string]: unknown } {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.error;
}

async function authenticate(name: string, pin: string): Promise<HostReply> {
  return send('authenticate', { certificateId: certOf(name).id, pin, origin: ORIGIN, challenge: CHALLENGE });
}

function verifyLogin(result: { cms: string; certificate: string }) {
  return verifyAuthentication({
    response: { format: 'tokensign-auth:1', ...result },
    challenge: CHALLENGE,
    origin: ORIGIN,
    trustedCertificates: [readFileSync(pki.caCertPem, 'utf8'), readFileSync(pki.rsaCaCertPem, 'utf8')],
    revocation: { mode: 'off' }, // the test CAs publish no revocation service
  });
}

describe('GOST certificates on the emulated token', () => {
  it('are listed with their GOST key algorithm and a private key', () => {
    expect(certOf('gost256').keyAlgorithm).toBe('GOST-2012-256');
    expect(certOf('gost256cp').keyAlgorithm).toBe('GOST-2012-256');
    expect(certOf('gost512').keyAlgorithm).toBe('GOST-2012-512');
    expect(certOf('gost512b').keyAlgorithm).toBe('GOST-2012-512');
    for (const name of ['gost256', 'gost512', 'gost256cp', 'gost512b']) expect(certOf(name).hasPrivateKey).toBe(true);
  });

  it.each([
    ['gost256', '1.2.643.7.1.1.2.2', '1.2.643.7.1.1.3.2', 'hash-and-sign on the token'],
    ['gost256cp', '1.2.643.7.1.1.2.2', '1.2.643.7.1.1.3.2', 'CryptoPro parameter set'],
    ['gost512', '1.2.643.7.1.1.2.3', '1.2.643.7.1.1.3.3', 'hash-and-sign on the token'],
    ['gost512b', '1.2.643.7.1.1.2.3', '1.2.643.7.1.1.3.3', 'Streebog in the host, CKM_GOSTR3410_512 on the token'],
  ])('%s: authenticate gives a CMS that OpenSSL and verifyAuthentication accept (%s, %s; %s)', async (name, digestOid, sigOid) => {
    const reply = await authenticate(name, name === 'gost512b' ? GOST_TEST_TOKENS[1]!.pin : GOST_TEST_TOKENS[0]!.pin);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    const result = reply.result as { cms: string; certificate: string };
    const cms = Buffer.from(result.cms, 'base64');
    const shape = readCms(cms);
    expect(JSON.stringify(shape)).toContain(digestOid);
    expect(JSON.stringify(shape)).toContain(sigOid);
    const openssl = opensslVerify(cms, pki.caCertPem, authPayload(ORIGIN, CHALLENGE), ['-engine', 'gost']);
    expect(openssl.ok, openssl.stderr).toBe(true);
    const verified = await verifyLogin(result);
    expect(verified.certificate.keyAlgorithm).toBe(certOf(name).keyAlgorithm);

    const flipped = Buffer.from(cms);
    flipped[flipped.length - 7]! ^= 0x01; // inside the signature value at the end of the SignerInfo
    expect(opensslVerify(flipped, pki.caCertPem, authPayload(ORIGIN, CHALLENGE), ['-engine', 'gost']).ok).toBe(false);
    await expect(verifyLogin({ ...result, cms: flipped.toString('base64') })).rejects.toThrow(VerificationError);
  });

  it.each([
    ['gost256', true],
    ['gost512b', false],
  ])('%s: sign of a 300 KB document (detached %s) verifies with OpenSSL', async (name, detached) => {
    const document = Buffer.alloc(300 * 1024);
    for (let i = 0; i < document.length; i++) document[i] = (i * 31 + (i >> 8)) & 0xff;
    const pin = name === 'gost512b' ? GOST_TEST_TOKENS[1]!.pin : GOST_TEST_TOKENS[0]!.pin;
    const reply = await send('sign', { certificateId: certOf(name).id, pin, data: document.toString('base64'), detached });
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    const cms = Buffer.from((reply.result as { cms: string }).cms, 'base64');
    const check = opensslVerify(cms, pki.caCertPem, detached ? document : undefined, ['-engine', 'gost']);
    expect(check.ok, check.stderr).toBe(true);
    expect(check.content.equals(document)).toBe(true);
  });

  it('signs RSA through CKM_RSA_PKCS when that is all the token offers', async () => {
    const reply = await authenticate('rsa', GOST_TEST_TOKENS[1]!.pin);
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    const result = reply.result as { cms: string; certificate: string };
    expect(opensslVerify(Buffer.from(result.cms, 'base64'), pki.rsaCaCertPem, authPayload(ORIGIN, CHALLENGE)).ok).toBe(true);
    expect((await verifyLogin(result)).certificate.keyAlgorithm).toBe('RSA-2048');
  });
});

describe('PIN lockout on the emulated token (3 tries)', () => {
  async function lockTokenPin(): Promise<TokenInfo['pin']> {
    const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
    const token = tokens.find((t) => t.label === LOCK_TOKEN.label);
    if (!token) throw new Error('lock token not listed');
    return token.pin;
  }

  it('counts wrong PINs down to the lock, then refuses even the right PIN', async () => {
    expect(await lockTokenPin()).toMatchObject({ countLow: false, finalTry: false, locked: false });

    const first = errorOf(await authenticate('lockme', WRONG_PIN));
    expect(first).toMatchObject({ code: 'PIN_INCORRECT', countLow: true, finalTry: false });
    expect(await lockTokenPin()).toMatchObject({ countLow: true, finalTry: false, locked: false });

    const second = errorOf(await authenticate('lockme', WRONG_PIN));
    expect(second).toMatchObject({ code: 'PIN_INCORRECT', finalTry: true });
    expect(await lockTokenPin()).toMatchObject({ finalTry: true, locked: false });

    expect(errorOf(await authenticate('lockme', WRONG_PIN)).code).toBe('PIN_LOCKED');
    expect(await lockTokenPin()).toMatchObject({ locked: true });
    expect(readPinState(pki)[LOCK_TOKEN.serial]).toEqual({ failures: 3, locked: true });

    expect(errorOf(await authenticate('lockme', LOCK_TOKEN.pin)).code).toBe('PIN_LOCKED');
  });

  it('a right PIN before the lock resets the count', async () => {
    pki.resetPins();
    expect(errorOf(await authenticate('lockme', WRONG_PIN)).code).toBe('PIN_INCORRECT');
    const ok = await authenticate('lockme', LOCK_TOKEN.pin);
    expect(ok.ok, ok.ok ? '' : `${ok.error.code}: ${ok.error.message}`).toBe(true);
    expect(await lockTokenPin()).toMatchObject({ countLow: false, finalTry: false, locked: false });
  });
});

describe('token removal on the emulated token', () => {
  it('reports TOKEN_REMOVED for a certificate on an unplugged token and works again after replugging', async () => {
    pki.unplug(LOCK_TOKEN.label);
    const removed = errorOf(await authenticate('lockme', LOCK_TOKEN.pin));
    expect(removed.code).toBe('TOKEN_REMOVED');
    const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(tokens.map((t) => t.label)).not.toContain(LOCK_TOKEN.label);

    pki.replug(LOCK_TOKEN.label);
    const { certificates } = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
    const again = certificates.find((c) => c.label === 'Lockout GOST');
    expect(again).toBeDefined();
    const reply = await send('authenticate', { certificateId: again!.id, pin: LOCK_TOKEN.pin, origin: ORIGIN, challenge: CHALLENGE });
    expect(reply.ok, reply.ok ? '' : `${reply.error.code}: ${reply.error.message}`).toBe(true);
  });

  it('never echoes a PIN', () => {
    for (const pin of [WRONG_PIN, LOCK_TOKEN.pin, GOST_TEST_TOKENS[0]!.pin, GOST_TEST_TOKENS[1]!.pin]) {
      expect(host.stderr).not.toContain(pin);
      for (const r of replies) expect(r).not.toContain(pin);
    }
  });
});
