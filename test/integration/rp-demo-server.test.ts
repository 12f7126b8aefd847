// The demo portal's HTTP side without a browser: page languages and headers, the challenge cookie,
// a login signed by OpenSSL for the portal's own origin, replays, cross-site and malformed requests.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import { startDemoServer, type DemoServer, type LoginEvent } from '../../relying-party/demo/server';
import { createOpensslPki, opensslSign, type IssuedCertificate, type OpensslPki } from '../../relying-party/testing/openssl-pki';
import { PROJECT_ROOT } from '../helpers/browser';

let pki: OpensslPki;
let portal: DemoServer;
const events: LoginEvent[] = [];

beforeAll(async () => {
  pki = createOpensslPki();
  portal = await startDemoServer({
    root: PROJECT_ROOT,
    trustedCertificates: [readFileSync(pki.root.certPem, 'utf8')],
    onLogin: (e) => events.push(e),
  });
});

afterAll(async () => {
  await portal?.close();
  pki?.cleanup();
});

async function challenge(): Promise<{ challenge: string; cookie: string }> {
  const res = await fetch(`${portal.origin}/api/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', origin: portal.origin }, body: '{}' });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
  const body = (await res.json()) as { challenge: string };
  return { challenge: body.challenge, cookie };
}

function signedResponse(leaf: IssuedCertificate, origin: string, ch: string) {
  const cms = opensslSign(pki, { signer: leaf, content: authPayload(origin, ch) });
  return { format: 'tokensign-auth:1', origin, cms: cms.toString('base64'), certificate: leaf.der.toString('base64') };
}

async function login(cookie: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${portal.origin}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: portal.origin, cookie, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('demo portal', () => {
  it('serves the login page in Russian by default, in English on request, with a strict CSP', async () => {
    const ru = await fetch(portal.url);
    expect(ru.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(ru.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    const ruHtml = await ru.text();
    expect(ruHtml).toContain('<html lang="ru">');
    expect(ruHtml).toContain('Вход для руководителя организации');
    const en = await (await fetch(portal.url, { headers: { 'accept-language': 'en-US,en;q=0.9' } })).text();
    expect(en).toContain('Sign-in for heads of organizations');
    const ruFirst = await (await fetch(portal.url, { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8' } })).text();
    expect(ruFirst).toContain('<html lang="ru">');
    const toggled = await fetch(`${portal.url}?lang=en`);
    expect(toggled.headers.get('set-cookie')).toMatch(/^lang=en/);
    expect(await toggled.text()).toContain('<html lang="en">');
    const script = await fetch(`${portal.origin}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain('tokensign:request');
  });

  it('logs in a certificate holder whose signature names this portal and the issued challenge, once', async () => {
    const { challenge: ch, cookie } = await challenge();
    const response = signedResponse(pki.leaves.rsa, portal.origin, ch);
    const ok = await login(cookie, { response });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      ok: true,
      user: { name: 'Иванов Иван Иванович', organization: 'ООО "Ромашка"', title: 'Генеральный директор', inn: '007701234567', ogrn: '1027700132195' },
    });
    expect(events.at(-1)?.ok).toBe(true);
    const replay = await login(cookie, { response });
    expect(replay).toMatchObject({ status: 401, body: { ok: false, code: 'CHALLENGE_UNKNOWN' } });
  });

  it('refuses a signature made for another origin, and a challenge it never issued', async () => {
    const { challenge: ch, cookie } = await challenge();
    const phished = signedResponse(pki.leaves.p256, 'https://evil.example', ch);
    const res = await login(cookie, { response: phished });
    expect(res).toMatchObject({ status: 401, body: { ok: false, code: 'CONTENT_MISMATCH' } });
    expect(String(res.body.detail)).toContain('https://evil.example');
    const forged = 'A'.repeat(43);
    const res2 = await login(`tokensign_challenge=${forged}`, { response: signedResponse(pki.leaves.p256, portal.origin, forged) });
    expect(res2.body.code).toBe('CHALLENGE_UNKNOWN');
  });

  it('refuses an expired certificate and an untrusted one with their codes', async () => {
    for (const [leaf, code] of [
      [pki.leaves.expired, 'CERTIFICATE_EXPIRED'],
      [pki.leaves.untrusted, 'CHAIN_UNTRUSTED'],
    ] as const) {
      const { challenge: ch, cookie } = await challenge();
      const res = await login(cookie, { response: signedResponse(leaf, portal.origin, ch) });
      expect(res).toMatchObject({ status: 401, body: { ok: false, code } });
    }
  });

  it('answers bad requests with clear errors: cross-site, not JSON, too large, garbage response', async () => {
    const cross = await fetch(`${portal.origin}/api/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: '{}' });
    expect(cross.status).toBe(403);
    const { cookie } = await challenge();
    expect((await login(cookie, 'not json')).status).toBe(400);
    const form = await fetch(`${portal.origin}/api/login`, { method: 'POST', headers: { 'content-type': 'text/plain', cookie }, body: '{}' });
    expect(form.status).toBe(415);
    const big = await login(cookie, { response: 'x'.repeat(300 * 1024) });
    expect(big).toMatchObject({ status: 413, body: { ok: false, code: 'BAD_REQUEST' } });
    const { cookie: c2 } = await challenge();
    expect(await login(c2, { response: { format: 'tokensign-auth:1', cms: 'AAAA', certificate: 'AAAA' } })).toMatchObject({ status: 401, body: { code: 'FORMAT' } });
    expect((await fetch(`${portal.origin}/nothing`)).status).toBe(404);
  });
});
