// The five §2 commands and every refusal, through the real built host spawned as Chromium
// spawns it, against two SoftHSM tokens. Every CMS is checked by OpenSSL and by pkijs.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../../shared/certificate';
import type { CertificateInfo, HostReply, TokenInfo } from '../../shared/protocol';
import { authPayload } from '../../shared/protocol';
import { createTestPki, SOFTHSM_MODULE, type TestPki } from '../fixtures/pki';
import { isDerSorted, opensslVerify, pkijsVerify, readCms, REQUIRED_SIGNED_ATTRIBUTES } from '../helpers/cms-verify';
import { startHost, type HostProcess } from '../helpers/host-process';

const PIN1 = '123456';
const PIN2 = '654321';
const WRONG_PIN = '97531864';
const CHALLENGE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';
const PKG_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let pki: TestPki;
let host: HostProcess;
let certs: CertificateInfo[];
let tokens: TokenInfo[];
const extraHosts: HostProcess[] = [];
const allReplies: string[] = [];

function cert(label: string): CertificateInfo {
  const c = certs.find((x) => x.label === label);
  if (!c) throw new Error(`no certificate ${label}`);
  return c;
}

async function send(command: string, params?: Record<string, unknown>): Promise<HostReply> {
  const reply = await host.request(command, params);
  allReplies.push(JSON.stringify(reply));
  return reply;
}

function errorOf(reply: HostReply): { code: string; message: string; [k: string]: unknown } {
  if (reply.ok) throw new Error(`expected an error, got ${JSON.stringify(reply).slice(0, 200)}`);
  return reply.error;
}

function resultOf<R>(reply: HostReply): R {
  if (!reply.ok) throw new Error(`expected success, got ${reply.error.code}: ${reply.error.message}`);
  return reply.result as R;
}

function expectNoPinLeak(): void {
  for (const pin of [PIN1, PIN2, WRONG_PIN]) {
    expect(host.stderr).not.toContain(pin);
    for (const r of allReplies) expect(r).not.toContain(pin);
  }
}

beforeAll(async () => {
  pki = createTestPki();
  host = startHost({ env: pki.env });
  certs = (await host.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
  tokens = (await host.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens;
});

afterAll(async () => {
  for (const h of [host, ...extraHosts]) {
    if (!h) continue;
    await h.close(5000).catch(() => h.kill());
  }
  pki?.cleanup();
});

describe('hello', () => {
  it('reports protocol 1, the package version and the loaded module', async () => {
    const result = resultOf<{ protocol: number; version: string; modules: unknown[] }>(await send('hello'));
    expect(result).toEqual({ protocol: 1, version: PKG_VERSION, modules: [{ path: SOFTHSM_MODULE, loaded: true }] });
  });

  it('lists a module that fails to load, with its error, and keeps serving the others', async () => {
    const other = startHost({ env: { ...pki.env, TOKENSIGN_PKCS11_MODULES: `${SOFTHSM_MODULE}:/nonexistent/libnothing.so` } });
    extraHosts.push(other);
    const hello = await other.call<{ modules: Array<{ path: string; loaded: boolean; error?: string }> }>('hello');
    expect(hello.modules[0]).toEqual({ path: SOFTHSM_MODULE, loaded: true });
    expect(hello.modules[1]).toMatchObject({ path: '/nonexistent/libnothing.so', loaded: false });
    expect(hello.modules[1]?.error).toMatch(/nonexistent/);
    const list = await other.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(list.tokens.map((t) => t.label).sort()).toEqual(['Tokensign Test 1', 'Tokensign Test 2']);
    expect(await other.close()).toBe(0);
  });

  it('without TOKENSIGN_PKCS11_MODULES, loads the modules of the per-user config file', async () => {
    const configHome = join(pki.dir, 'xdg');
    mkdirSync(join(configHome, 'tokensign'), { recursive: true });
    writeFileSync(join(configHome, 'tokensign', 'config.json'), JSON.stringify({ modules: ['/nonexistent/from-config.so', SOFTHSM_MODULE], probeKnownModules: false }));
    const other = startHost({ env: { SOFTHSM2_CONF: pki.softhsmConf, TOKENSIGN_PKCS11_MODULES: undefined, XDG_CONFIG_HOME: configHome } });
    extraHosts.push(other);
    const hello = await other.call<{ modules: Array<{ path: string; loaded: boolean }> }>('hello');
    expect(hello.modules.map((m) => [m.path, m.loaded])).toEqual([
      ['/nonexistent/from-config.so', false],
      [SOFTHSM_MODULE, true],
    ]);
    const list = await other.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(list.tokens.map((t) => t.id).sort()).toEqual(tokens.map((t) => t.id).sort());
    expect(await other.close()).toBe(0);
  });

  it('answers MODULE_LOAD_FAILED for token commands when no named module loads', async () => {
    const other = startHost({ env: { ...pki.env, TOKENSIGN_PKCS11_MODULES: '/nonexistent/libnothing.so' } });
    extraHosts.push(other);
    const hello = await other.call<{ modules: Array<{ loaded: boolean }> }>('hello');
    expect(hello.modules).toHaveLength(1);
    expect(hello.modules[0]?.loaded).toBe(false);
    const reply = await other.request('list-tokens');
    expect(errorOf(reply).code).toBe('MODULE_LOAD_FAILED');
    expect(await other.close()).toBe(0);
  });
});

describe('list-tokens', () => {
  it('lists both initialized SoftHSM tokens with trimmed strings and PIN flags', () => {
    expect(tokens.map((t) => t.label).sort()).toEqual(['Tokensign Test 1', 'Tokensign Test 2']);
    for (const t of tokens) {
      expect(t.module).toBe(SOFTHSM_MODULE);
      expect(t.manufacturer).toBe('SoftHSM project');
      expect(t.model).toBe('SoftHSM v2');
      expect(t.serial).toMatch(/^[0-9a-f]{16}$/);
      expect(typeof t.slot).toBe('number');
      expect(t.id).toMatch(/^[0-9a-f]{32}$/);
      expect(t.pin).toEqual({ loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false });
    }
  });

  it('keeps token ids stable across calls and host restarts', async () => {
    const again = resultOf<{ tokens: TokenInfo[] }>(await send('list-tokens')).tokens;
    expect(again.map((t) => t.id).sort()).toEqual(tokens.map((t) => t.id).sort());
    const other = startHost({ env: pki.env });
    extraHosts.push(other);
    const fresh = (await other.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens;
    expect(fresh.map((t) => t.id).sort()).toEqual(tokens.map((t) => t.id).sort());
    const freshCerts = (await other.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
    expect(freshCerts.map((c) => c.id).sort()).toEqual(certs.map((c) => c.id).sort());
    expect(await other.close()).toBe(0);
  });
});

describe('list-certificates', () => {
  it('lists every certificate, expired and key-less ones included, described like the fixture DER', () => {
    expect(certs).toHaveLength(6);
    for (const fixture of Object.values(pki.certs)) {
      const listed = cert(fixture.label);
      const der = readFileSync(fixture.certDer);
      const { status: _s, expiresInDays: _e, ...expected } = describeCertificate(der);
      expect(listed).toMatchObject(expected);
      expect(Buffer.from(listed.der, 'base64').equals(der)).toBe(true);
      expect(listed.thumbprint).toBe(createHash('sha256').update(der).digest('hex'));
      expect(listed.status).toBe(fixture.expected);
      expect(listed.hasPrivateKey).toBe(!fixture.noKey);
      const token = tokens.find((t) => t.label === fixture.token);
      expect(listed.tokenId).toBe(token?.id);
    }
    expect(cert('Director RSA').subject).toMatchObject({ commonName: 'Иванов Иван Иванович', inn: '007701234567', innle: '7701234567', snils: '11223344595' });
    expect(cert('Expired P-256').expiresInDays).toBeLessThan(0);
    expect(cert('Director P-256').expiresInDays).toBeGreaterThan(700);
  });

  it('filters by tokenId and refuses an unknown one with TOKEN_NOT_FOUND', async () => {
    const second = tokens.find((t) => t.label === 'Tokensign Test 2')!;
    const only = resultOf<{ certificates: CertificateInfo[] }>(await send('list-certificates', { tokenId: second.id })).certificates;
    expect(only.map((c) => c.label).sort()).toEqual(['Certificate only', 'Engineer P-384', 'Future RSA']);
    const reply = await send('list-certificates', { tokenId: 'ffffffffffffffffffffffffffffffff' });
    expect(errorOf(reply).code).toBe('TOKEN_NOT_FOUND');
    expect(reply.id).not.toBeNull();
  });
});

describe('sign', () => {
  it('signs detached with RSA: sha256WithRSAEncryption, §2 attributes, verified by OpenSSL and pkijs', async () => {
    const content = Buffer.from('Документ для подписи / document to sign\n');
    const before = Date.now();
    const result = resultOf<{ cms: string; certificate: string }>(
      await send('sign', { certificateId: cert('Director RSA').id, pin: PIN1, data: content.toString('base64'), detached: true }),
    );
    const cms = Buffer.from(result.cms, 'base64');
    const certDer = readFileSync(pki.certs.rsa!.certDer);
    expect(Buffer.from(result.certificate, 'base64').equals(certDer)).toBe(true);
    const s = readCms(cms);
    expect(s.contentType).toBe('1.2.840.113549.1.7.2');
    expect(s.version).toBe(1);
    expect(s.digestAlgorithms).toEqual(['2.16.840.1.101.3.4.2.1']);
    expect(s.eContentType).toBe('1.2.840.113549.1.7.1');
    expect(s.eContent).toBeNull();
    expect(s.certificates).toHaveLength(1);
    expect(s.certificates[0]!.equals(certDer)).toBe(true);
    expect(s.signerCount).toBe(1);
    expect(s.signerVersion).toBe(1);
    expect(s.sidIsIssuerAndSerial).toBe(true);
    expect(s.sidSerialHex.replace(/^0+/, '')).toBe(cert('Director RSA').serialNumber);
    expect(s.signatureAlgorithm).toBe('1.2.840.113549.1.1.11');
    expect(s.signatureParams).toBe('null');
    expect([...s.signedAttributeOids].sort()).toEqual([...REQUIRED_SIGNED_ATTRIBUTES].sort());
    expect(isDerSorted(s.signedAttributeDers)).toBe(true);
    expect(s.messageDigest?.equals(createHash('sha256').update(content).digest())).toBe(true);
    expect(s.essHashAlgorithmOmitted).toBe(true);
    expect(s.essCertHash?.equals(createHash('sha256').update(certDer).digest())).toBe(true);
    expect(s.essIssuerSerialHex?.replace(/^0+/, '')).toBe(cert('Director RSA').serialNumber);
    expect(s.signingTime!.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(s.signingTime!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(s.signature).toHaveLength(256);

    const openssl = opensslVerify(cms, pki.caCertPem, content);
    expect(openssl.stderr).toBe('');
    expect(openssl.ok).toBe(true);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), content)).toBe(true);
    // The same CMS must not verify against other content.
    expect(opensslVerify(cms, pki.caCertPem, Buffer.from('other content')).ok).toBe(false);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), Buffer.from('other content'))).toBe(false);
    expectNoPinLeak();
  });

  it('signs attached with P-256 (ecdsa-with-SHA256, DER signature); OpenSSL outputs the content', async () => {
    const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff));
    const result = resultOf<{ cms: string }>(
      await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, data: content.toString('base64'), detached: false }),
    );
    const cms = Buffer.from(result.cms, 'base64');
    const s = readCms(cms);
    expect(s.eContent?.equals(content)).toBe(true);
    expect(s.eContentPrimitive).toBe(true);
    expect(s.digestAlgorithm).toBe('2.16.840.1.101.3.4.2.1');
    expect(s.signatureAlgorithm).toBe('1.2.840.10045.4.3.2');
    expect(s.signatureParams).toBe('absent');
    expect(s.signature[0]).toBe(0x30);
    const openssl = opensslVerify(cms, pki.caCertPem);
    expect(openssl.ok).toBe(true);
    expect(openssl.content.equals(content)).toBe(true);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer))).toBe(true);
    expectNoPinLeak();
  });

  it('signs with P-384 on the second token: SHA-384 and ecdsa-with-SHA384; detached by default', async () => {
    const content = Buffer.from('p384 content');
    const result = resultOf<{ cms: string }>(await send('sign', { certificateId: cert('Engineer P-384').id, pin: PIN2, data: content.toString('base64') }));
    const cms = Buffer.from(result.cms, 'base64');
    const s = readCms(cms);
    expect(s.eContent).toBeNull();
    expect(s.digestAlgorithm).toBe('2.16.840.1.101.3.4.2.2');
    expect(s.digestAlgorithms).toEqual(['2.16.840.1.101.3.4.2.2']);
    expect(s.signatureAlgorithm).toBe('1.2.840.10045.4.3.3');
    expect(s.messageDigest?.equals(createHash('sha384').update(content).digest())).toBe(true);
    expect(opensslVerify(cms, pki.caCertPem, content).ok).toBe(true);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), content)).toBe(true);
    expectNoPinLeak();
  });

  it('signs empty content', async () => {
    const result = resultOf<{ cms: string }>(await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, data: '' }));
    expect(opensslVerify(Buffer.from(result.cms, 'base64'), pki.caCertPem, Buffer.alloc(0)).ok).toBe(true);
  });

  it('refuses to sign content that would pass for an authentication to another origin', async () => {
    const forged = Buffer.from(authPayload('https://bank.example', CHALLENGE)).toString('base64');
    for (const params of [{ data: forged }, { data: forged, detached: false }, { data: forged, format: 'raw' }]) {
      const error = errorOf(await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, ...params }));
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain('reserved for authenticate');
    }
    // The same words elsewhere in a document are ordinary content.
    const quoted = Buffer.from(`Report\n${Buffer.from(authPayload('https://bank.example', CHALLENGE)).toString()}`).toString('base64');
    expect((await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, data: quoted })).ok).toBe(true);
  });
});

describe('authenticate', () => {
  it.each([
    ['Director RSA', 'https://esia.gosuslugi.ru'],
    ['Director P-256', 'http://localhost:8080'],
  ])('signs "tokensign-auth:1\\n" + origin + "\\n" + challenge with %s for %s', async (label, origin) => {
    const result = resultOf<{ format: string; cms: string; certificate: string }>(
      await send('authenticate', { certificateId: cert(label).id, pin: PIN1, origin, challenge: CHALLENGE }),
    );
    expect(result.format).toBe('tokensign-auth:1');
    expect(result.certificate).toBe(cert(label).der);
    const cms = Buffer.from(result.cms, 'base64');
    const payload = authPayload(origin, CHALLENGE);
    expect(Buffer.from(payload).toString()).toBe(`tokensign-auth:1\n${origin}\n${CHALLENGE}`);
    const s = readCms(cms);
    expect(s.eContent).toBeNull();
    expect(s.messageDigest?.equals(createHash('sha256').update(payload).digest())).toBe(true);
    expect(opensslVerify(cms, pki.caCertPem, payload).ok).toBe(true);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), payload)).toBe(true);
    // Origin binding: the signature does not cover another origin.
    expect(opensslVerify(cms, pki.caCertPem, authPayload('https://evil.example', CHALLENGE)).ok).toBe(false);
    expectNoPinLeak();
  });

  it('accepts the loopback and punycode origin forms a browser produces', async () => {
    for (const origin of ['http://127.0.0.1', 'http://[::1]:3000', 'https://xn--80akhbyknj4f.xn--p1ai', 'https://portal.example:8443']) {
      const reply = await send('authenticate', { certificateId: cert('Director P-256').id, pin: PIN1, origin, challenge: CHALLENGE });
      expect(reply.ok, origin).toBe(true);
    }
  });
});

describe('refusals', () => {
  it('wrong PIN → PIN_INCORRECT with countLow/finalTry from the token flags; the right PIN works after', async () => {
    const reply = await send('sign', { certificateId: cert('Director P-256').id, pin: WRONG_PIN, data: 'aGVsbG8=' });
    const error = errorOf(reply);
    expect(error.code).toBe('PIN_INCORRECT');
    // SoftHSM sets CKF_USER_PIN_COUNT_LOW after a failure and never FINAL_TRY (FIELD-NOTES).
    expect(error.countLow).toBe(true);
    expect(error.finalTry).toBe(false);
    expect(error.message).not.toContain(WRONG_PIN);
    const tokenAfter = resultOf<{ tokens: TokenInfo[] }>(await send('list-tokens')).tokens.find((t) => t.label === 'Tokensign Test 1');
    expect(tokenAfter?.pin.countLow).toBe(true);
    expect((await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, data: 'aGVsbG8=' })).ok).toBe(true);
    expectNoPinLeak();
  });

  it('missing or empty PIN on a login-required token → PIN_REQUIRED', async () => {
    for (const params of [{}, { pin: '' }, { pin: null }]) {
      const reply = await send('sign', { certificateId: cert('Director RSA').id, data: 'aGVsbG8=', ...params });
      expect(errorOf(reply).code).toBe('PIN_REQUIRED');
    }
    const reply = await send('authenticate', { certificateId: cert('Director RSA').id, origin: 'https://a.example', challenge: CHALLENGE });
    expect(errorOf(reply).code).toBe('PIN_REQUIRED');
  });

  it('expired certificate → CERTIFICATE_EXPIRED, even with the right PIN', async () => {
    const reply = await send('sign', { certificateId: cert('Expired P-256').id, pin: PIN1, data: 'aGVsbG8=' });
    expect(errorOf(reply).code).toBe('CERTIFICATE_EXPIRED');
    const auth = await send('authenticate', { certificateId: cert('Expired P-256').id, pin: PIN1, origin: 'https://a.example', challenge: CHALLENGE });
    expect(errorOf(auth).code).toBe('CERTIFICATE_EXPIRED');
  });

  it('not-yet-valid certificate → CERTIFICATE_NOT_YET_VALID', async () => {
    const reply = await send('sign', { certificateId: cert('Future RSA').id, pin: PIN2, data: 'aGVsbG8=' });
    expect(errorOf(reply).code).toBe('CERTIFICATE_NOT_YET_VALID');
  });

  it('unknown certificate → CERTIFICATE_NOT_FOUND', async () => {
    const reply = await send('sign', { certificateId: 'feedfacefeedfacefeedfacefeedface', pin: PIN1, data: 'aGVsbG8=' });
    expect(errorOf(reply).code).toBe('CERTIFICATE_NOT_FOUND');
  });

  it('certificate without a key → KEY_NOT_FOUND', async () => {
    const reply = await send('sign', { certificateId: cert('Certificate only').id, pin: PIN2, data: 'aGVsbG8=' });
    expect(errorOf(reply).code).toBe('KEY_NOT_FOUND');
    expectNoPinLeak();
  });

  it.each([
    ['uppercase host', 'https://Example.org'],
    ['uppercase scheme', 'HTTPS://example.org'],
    ['default port', 'https://example.org:443'],
    ['trailing slash', 'https://example.org/'],
    ['path', 'https://example.org/login'],
    ['query', 'https://example.org?x=1'],
    ['http non-loopback', 'http://example.org'],
    ['http default port', 'http://localhost:80'],
    ['credentials', 'https://user@example.org'],
    ['other scheme', 'ftp://example.org'],
    ['unicode host', 'https://госуслуги.рф'],
    ['empty', ''],
    ['too long', `https://${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.example`],
    ['not a string', 42],
  ])('bad origin (%s) → BAD_REQUEST naming params.origin', async (_name, origin) => {
    const reply = await send('authenticate', { certificateId: cert('Director P-256').id, pin: PIN1, origin, challenge: CHALLENGE });
    const error = errorOf(reply);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('params.origin');
  });

  it.each([
    ['42 characters', 'a'.repeat(42)],
    ['513 characters', 'a'.repeat(513)],
    ['a space', `${'a'.repeat(43)} `],
    ['a dot', `${'a'.repeat(43)}.`],
    ['missing', undefined],
  ])('bad challenge (%s) → BAD_REQUEST naming params.challenge', async (_name, challenge) => {
    const reply = await send('authenticate', { certificateId: cert('Director P-256').id, pin: PIN1, origin: 'https://a.example', challenge });
    const error = errorOf(reply);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('params.challenge');
  });

  it('accepts challenges of exactly 43 and 512 characters', async () => {
    for (const challenge of ['A-_+/='.repeat(8).slice(0, 43), 'z'.repeat(512)]) {
      const reply = await send('authenticate', { certificateId: cert('Director P-256').id, pin: PIN1, origin: 'https://a.example', challenge });
      expect(reply.ok).toBe(true);
    }
  });

  it.each([['abc'], ['ab=c'], ['aGVs bG8='], ['aGVsbG8'], ['****'], ['aGVsbG8=\n'], ['aGVsbG8-']])('bad base64 data %j → BAD_REQUEST', async (data) => {
    const reply = await send('sign', { certificateId: cert('Director P-256').id, pin: PIN1, data });
    const error = errorOf(reply);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain('params.data');
  });

  it('unknown command → UNKNOWN_COMMAND with the id echoed', async () => {
    const reply = await host.request('format-disk', {}, { id: 'u-1' });
    expect(reply.id).toBe('u-1');
    expect(errorOf(reply).code).toBe('UNKNOWN_COMMAND');
  });

  it.each([
    ['certificateId a number', { certificateId: 5, data: 'aGVsbG8=' }, 'params.certificateId'],
    ['certificateId missing', { data: 'aGVsbG8=' }, 'params.certificateId'],
    ['data missing', { certificateId: 'x' }, 'params.data'],
    ['data a number', { certificateId: 'x', data: 12 }, 'params.data'],
    ['detached a string', { certificateId: 'x', data: 'aGVsbG8=', detached: 'yes' }, 'params.detached'],
    ['pin a number', { certificateId: 'x', data: 'aGVsbG8=', pin: 97531864 }, 'params.pin'],
  ])('wrong types (%s) → BAD_REQUEST naming the field', async (_name, params, field) => {
    const reply = await send('sign', params);
    const error = errorOf(reply);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toContain(field);
    expect(error.message).not.toContain('97531864');
  });

  it('params that are not an object, ids of every kind, a missing command', async () => {
    host.send({ id: 7, command: 'sign', params: [1, 2] });
    let reply = await host.nextReply();
    expect(reply.id).toBe(7);
    expect(errorOf(reply).code).toBe('BAD_REQUEST');

    host.send({ id: 'abc', params: {} });
    reply = await host.nextReply();
    expect(reply.id).toBe('abc');
    expect(errorOf(reply).message).toContain('command');

    host.send({ id: { nested: true }, command: 'hello' });
    reply = await host.nextReply();
    expect(reply.id).toBeNull();
    expect(errorOf(reply).code).toBe('BAD_REQUEST');

    host.send({ command: 'hello' });
    reply = await host.nextReply();
    expect(reply.id).toBeNull();
    expect(errorOf(reply).code).toBe('BAD_REQUEST');

    host.send({ id: 0, command: 'hello' });
    reply = await host.nextReply();
    expect(reply).toMatchObject({ id: 0, ok: true });

    host.send({ id: 'x', command: 'list-tokens', params: null });
    reply = await host.nextReply();
    expect(reply).toMatchObject({ id: 'x', ok: true });
  });

  it('never puts a PIN in stderr or in a reply', () => {
    expect(host.stderr.length).toBeGreaterThan(0);
    expectNoPinLeak();
  });
});
