// The demo portal's HTTP side without a browser: page languages and headers, the challenge cookie,
// a login signed by OpenSSL for the portal's own origin, replays, cross-site and malformed requests; an organization's
// head only with a qualified certificate; revocation answered by the test CA's OpenSSL OCSP responder.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import { startDemoServer, type DemoServer, type LoginEvent } from '../../relying-party/demo/server';
import { DIRECTOR_SUBJECT, QUALIFIED_EXTENSIONS, createOpensslPki, opensslSign, type IssuedCertificate, type OpensslPki } from '../../relying-party/testing/openssl-pki';
import { revoke, startLoopbackOcspResponder, type RunningService } from '../../relying-party/testing/revocation-services';
import { PROJECT_ROOT } from '../helpers/browser';

let pki: OpensslPki;
let portal: DemoServer;
let ocsp: RunningService;
let head: IssuedCertificate;
let revokedHead: IssuedCertificate;
const events: LoginEvent[] = [];

beforeAll(async () => {
  pki = createOpensslPki();
  const qualified = (name: string) => pki.issue(name, { key: 'p256', subject: DIRECTOR_SUBJECT, issuer: pki.root, extensions: 'qualified', extfile: QUALIFIED_EXTENSIONS });
  head = qualified('head');
  revokedHead = qualified('revokedHead');
  revoke(pki.caConfigOf(pki.root), revokedHead.certPem);
  ocsp = await startLoopbackOcspResponder({
    index: join(dirname(pki.caConfigOf(pki.root)), 'index.txt'),
    caCertPem: pki.root.certPem,
    signerCertPem: pki.root.certPem,
    signerKeyPem: pki.root.keyPem,
  });
  portal = await startDemoServer({
    root: PROJECT_ROOT,
    trustedCertificates: [readFileSync(pki.root.certPem, 'utf8')],
    revocation: { ocspUrl: ocsp.url },
    onLogin: (e) => events.push(e),
  });
});

afterAll(async () => {
  await portal?.close();
  await ocsp?.stop();
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
    const response = signedResponse(head, portal.origin, ch);
    const ok = await login(cookie, { response });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      ok: true,
      user: {
        name: 'Иванов Иван Иванович', organization: 'ООО "Ромашка"', title: 'Генеральный директор', inn: '007701234567', ogrn: '1027700132195',
        holder: 'legal-entity', qualified: true, protectionClasses: ['KC1', 'KC2'], revocation: { status: 'good', source: 'ocsp' },
      },
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

  it("refuses an organization's head whose certificate is not qualified, unless started to allow it", async () => {
    const { challenge: ch, cookie } = await challenge();
    const res = await login(cookie, { response: signedResponse(pki.leaves.rsa, portal.origin, ch) });
    expect(res).toMatchObject({ status: 403, body: { ok: false, code: 'NOT_QUALIFIED' } });
    expect(String(res.body.detail)).toMatch(/subjectSignTool \(1\.2\.643\.100\.111\)/);
    const lenient = await startDemoServer({
      root: PROJECT_ROOT,
      trustedCertificates: [readFileSync(pki.root.certPem, 'utf8')],
      revocation: { ocspUrl: ocsp.url },
      allowUnqualifiedOrganizations: true,
    });
    try {
      const chRes = await fetch(`${lenient.origin}/api/challenge`, { method: 'POST', headers: { 'content-type': 'application/json', origin: lenient.origin }, body: '{}' });
      const { challenge: ch2 } = (await chRes.json()) as { challenge: string };
      const cookie2 = (chRes.headers.get('set-cookie') ?? '').split(';')[0]!;
      const ok = await fetch(`${lenient.origin}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: lenient.origin, cookie: cookie2 },
        body: JSON.stringify({ response: signedResponse(pki.leaves.rsa, lenient.origin, ch2) }),
      });
      expect(await ok.json()).toMatchObject({ ok: true, user: { holder: 'legal-entity', qualified: false } });
    } finally {
      await lenient.close();
    }
  });

  it('refuses a revoked, an expired and an untrusted certificate with their codes', async () => {
    for (const [leaf, code] of [
      [revokedHead, 'CERTIFICATE_REVOKED'],
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
