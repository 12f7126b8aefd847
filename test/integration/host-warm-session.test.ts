// The warm signing path of the built host (one C_GetTokenInfo per operation, one session per token kept
// open between operations, the certificate compared on the token once per kept session) on the emulated
// test token, which can be unplugged, put back and replaced by another token with the same label:
// each case must still sign on the certificate's own token or answer TOKEN_REMOVED.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, HostReply, TokenInfo } from '../../shared/protocol';
import { verifyAuthentication } from '../../relying-party/index';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { startHost, type HostProcess } from '../helpers/host-process';

const ORIGIN = 'https://esia.gosuslugi.ru';
const TOKEN = { label: 'Tokensign Warm 1', serial: 'TW00000001', pin: '24682468', maxPinTries: 5 };
const OTHER_SERIAL = 'TW00000099';

let pki: GostPki;
let host: HostProcess;
let cert: CertificateInfo;

beforeAll(async () => {
  pki = createGostPki({
    tokens: [TOKEN],
    certs: [{ name: 'warm', token: TOKEN.label, key: 'p256', id: 'd1', label: 'Warm P-256', subject: '/CN=Тёплый вход/O=Tokensign Test/C=RU' }],
  });
  host = startHost({ env: pki.env });
  const listed = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
  const found = listed.certificates.find((c) => c.label === 'Warm P-256');
  if (!found) throw new Error('the host lists no Warm P-256 certificate');
  cert = found;
}, 60_000);

afterAll(async () => {
  if (host) await host.close(5000).catch(() => host.kill());
  pki?.cleanup();
});

function challenge(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

async function authenticate(certificateId = cert.id): Promise<{ reply: HostReply; challenge: string }> {
  const c = challenge();
  return { reply: await host.request('authenticate', { certificateId, pin: TOKEN.pin, origin: ORIGIN, challenge: c }), challenge: c };
}

async function expectVerifiedLogin(): Promise<void> {
  const { reply, challenge: c } = await authenticate();
  if (!reply.ok) throw new Error(`authenticate failed: ${reply.error.code}: ${reply.error.message}`);
  const result = reply.result as { format: 'tokensign-auth:1'; cms: string; certificate: string };
  const verified = await verifyAuthentication({
    response: result,
    challenge: c,
    origin: ORIGIN,
    trustedCertificates: [readFileSync(pki.rsaCaCertPem, 'utf8')],
    revocation: { mode: 'off' }, // the test CA publishes no revocation service
  });
  expect(verified.certificate.subject.commonName).toBe('Тёплый вход');
}

function errorCode(reply: HostReply): string {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.error.code;
}

describe('warm authenticate on a kept session', () => {
  it('signs repeatedly on one host, each login verifiable', async () => {
    for (let i = 0; i < 3; i++) await expectVerifiedLogin();
  });

  it('signs after the token was unplugged and put back with no certificate listing in between (the kept session died)', async () => {
    await expectVerifiedLogin();
    pki.unplug(TOKEN.label);
    // The module notices the change at its next call: list the tokens so that it sees the token out.
    const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(tokens.map((t) => t.label)).not.toContain(TOKEN.label);
    pki.replug(TOKEN.label);
    await expectVerifiedLogin();
    await expectVerifiedLogin();
  });

  it('answers TOKEN_REMOVED while the token is out, and signs again once it is back', async () => {
    await expectVerifiedLogin();
    pki.unplug(TOKEN.label);
    expect(errorCode((await authenticate()).reply)).toBe('TOKEN_REMOVED');
    pki.replug(TOKEN.label);
    await expectVerifiedLogin();
  });

  it('never signs on another token put in its place under the same label', async () => {
    await expectVerifiedLogin();
    const token = pki.tokens[0]!;
    pki.unplug(TOKEN.label);
    token.serial = OTHER_SERIAL;
    pki.replug(TOKEN.label);
    expect(errorCode((await authenticate()).reply)).toBe('TOKEN_REMOVED');
    token.serial = TOKEN.serial;
    pki.unplug(TOKEN.label);
    pki.replug(TOKEN.label);
    await expectVerifiedLogin();
  });

  it('answers PIN_INCORRECT for a wrong PIN on the kept session, then signs with the right one', async () => {
    await expectVerifiedLogin();
    const reply = await host.request('authenticate', { certificateId: cert.id, pin: '00000000', origin: ORIGIN, challenge: challenge() });
    expect(errorCode(reply)).toBe('PIN_INCORRECT');
    await expectVerifiedLogin();
  });
});
