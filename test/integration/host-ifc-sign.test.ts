// The host's `sign` extensions for the IFCPlugin adapter (docs/PROTOCOL.md §2.4): raw signatures
// (direct and reversed byte order), data that is already a hash, CKA_ID in list-certificates.
// Real built host over stdio, real SoftHSM tokens; OpenSSL checks every signature independently.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../shared/protocol';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { ecdsaDer } from '../helpers/ecdsa-der';
import { startHost, type HostProcess } from '../helpers/host-process';

let pki: TestPki;
let host: HostProcess;
let work: string;
let certs: CertificateInfo[];
const DATA = Buffer.from('вход на портал: 0f1e2d3c4b5a', 'utf8');

function idOf(name: string): string {
  const der = readFileSync(pki.certs[name]!.certDer).toString('base64');
  const cert = certs.find((c) => c.der === der);
  if (!cert) throw new Error(`certificate ${name} not listed`);
  return cert.id;
}

function pinOf(name: string): string {
  return pki.tokens.find((t) => t.label === pki.certs[name]!.token)!.pin;
}

let n = 0;
/** openssl dgst -verify with the certificate's public key over DATA; true when it verifies. */
function opensslVerifies(name: string, digest: 'sha256' | 'sha384', signature: Buffer): boolean {
  const dir = join(work, `v${++n}`);
  execFileSync('mkdir', ['-p', dir]);
  execFileSync('openssl', ['x509', '-in', pki.certs[name]!.certPem, '-noout', '-pubkey', '-out', join(dir, 'pub.pem')]);
  writeFileSync(join(dir, 'sig'), signature);
  writeFileSync(join(dir, 'data'), DATA);
  try {
    execFileSync('openssl', ['dgst', `-${digest}`, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'data')], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

async function sign(name: string, params: Record<string, unknown>) {
  return host.request<{ signature?: string; cms?: string; certificate: string }>('sign', {
    certificateId: idOf(name),
    pin: pinOf(name),
    ...params,
  });
}

beforeAll(async () => {
  pki = createTestPki();
  work = mkdtempSync(join(tmpdir(), 'tokensign-ifc-host-'));
  host = startHost({ env: pki.env });
  certs = (await host.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
});

afterAll(async () => {
  await host?.close().catch(() => host.kill());
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('host sign extensions for the IFCPlugin adapter', () => {
  it('lists the CKA_ID of each certificate in hex', () => {
    for (const name of ['rsa', 'p256', 'p384', 'nokey']) {
      const der = readFileSync(pki.certs[name]!.certDer).toString('base64');
      expect(certs.find((c) => c.der === der)?.keyId, name).toBe(pki.certs[name]!.id);
    }
  });

  it('RSA raw signature, direct and reversed, over the data and over its hash', async () => {
    const direct = await sign('rsa', { data: DATA.toString('base64'), format: 'raw' });
    expect(direct.ok).toBe(true);
    const sig = Buffer.from((direct as { result: { signature: string } }).result.signature, 'base64');
    expect(sig.length).toBe(256);
    expect(opensslVerifies('rsa', 'sha256', sig)).toBe(true);

    const reversed = await sign('rsa', { data: DATA.toString('base64'), format: 'raw', reverse: true });
    const rsig = Buffer.from((reversed as { result: { signature: string } }).result.signature, 'base64');
    expect(opensslVerifies('rsa', 'sha256', rsig)).toBe(false);
    expect(opensslVerifies('rsa', 'sha256', Buffer.from(rsig).reverse())).toBe(true);

    const hash = createHash('sha256').update(DATA).digest();
    const hashed = await sign('rsa', { data: hash.toString('base64'), format: 'raw', hashed: true });
    const hsig = Buffer.from((hashed as { result: { signature: string } }).result.signature, 'base64');
    expect(opensslVerifies('rsa', 'sha256', hsig)).toBe(true);
  });

  it('ECDSA raw r‖s over the data and over a given hash (P-256, P-384)', async () => {
    const plain = await sign('p256', { data: DATA.toString('base64'), format: 'raw' });
    const sig = Buffer.from((plain as { result: { signature: string } }).result.signature, 'base64');
    expect(sig.length).toBe(64);
    expect(opensslVerifies('p256', 'sha256', ecdsaDer(sig))).toBe(true);

    const hash384 = createHash('sha384').update(DATA).digest();
    const hashed = await sign('p384', { data: hash384.toString('base64'), format: 'raw', hashed: true });
    const hsig = Buffer.from((hashed as { result: { signature: string } }).result.signature, 'base64');
    expect(hsig.length).toBe(96);
    expect(opensslVerifies('p384', 'sha384', ecdsaDer(hsig))).toBe(true);
    expect(opensslVerifies('p384', 'sha384', ecdsaDer(Buffer.from(hsig).reverse()))).toBe(false);
  });

  it('detached CMS over a given hash verifies against the content', async () => {
    for (const [name, digest] of [['rsa', 'sha256'], ['p384', 'sha384']] as const) {
      const hash = createHash(digest).update(DATA).digest();
      const reply = await sign(name, { data: hash.toString('base64'), hashed: true, detached: true });
      expect(reply.ok, name).toBe(true);
      const dir = mkdtempSync(join(work, 'cms-'));
      writeFileSync(join(dir, 'cms.der'), Buffer.from((reply as { result: { cms: string } }).result.cms, 'base64'));
      writeFileSync(join(dir, 'data'), DATA);
      writeFileSync(join(dir, 'other'), Buffer.concat([DATA, Buffer.from('!')]));
      const verify = (content: string) =>
        execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'cms.der'), '-content', join(dir, content),
          '-CAfile', pki.caCertPem, '-purpose', 'any', '-out', join(dir, 'out')], { stdio: 'pipe' });
      expect(() => verify('data'), name).not.toThrow();
      expect(() => verify('other'), name).toThrow();
    }
  });

  it('the default sign is unchanged: attached CMS over the data', async () => {
    const reply = await sign('p256', { data: DATA.toString('base64'), detached: false });
    expect(reply.ok).toBe(true);
    const dir = mkdtempSync(join(work, 'att-'));
    writeFileSync(join(dir, 'cms.der'), Buffer.from((reply as { result: { cms: string } }).result.cms, 'base64'));
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'cms.der'), '-CAfile', pki.caCertPem, '-purpose', 'any',
      '-out', join(dir, 'out')], { stdio: 'pipe' });
    expect(readFileSync(join(dir, 'out')).equals(DATA)).toBe(true);
  });

  it('refuses inconsistent parameters with BAD_REQUEST, and a wrong PIN as usual', async () => {
    const data = DATA.toString('base64');
    const cases: Record<string, unknown>[] = [
      { data, format: 'pkcs7' },
      { data, format: 'raw', hashed: 'yes' },
      { data, reverse: true },
      { data: createHash('sha256').update(DATA).digest('base64'), hashed: true, detached: false },
      { data, format: 'raw', hashed: true }, // not a 32-byte digest
      { data: createHash('sha256').update(DATA).digest('base64'), format: 'raw', hashed: true, reverse: 1 },
    ];
    for (const params of cases) {
      const reply = await sign('rsa', params);
      expect(reply.ok, JSON.stringify(params)).toBe(false);
      expect((reply as { error: { code: string } }).error.code, JSON.stringify(params)).toBe('BAD_REQUEST');
    }
    const wrong = await host.request('sign', { certificateId: idOf('rsa'), pin: '999999', data, format: 'raw' });
    expect(wrong.ok).toBe(false);
    expect((wrong as { error: { code: string } }).error.code).toBe('PIN_INCORRECT');
    expect(host.stderr).not.toContain('999999');
    expect(host.stderr).not.toContain(pinOf('rsa'));
  });
});

describe('host sign extensions with GOST R 34.10-2012 (emulated token)', () => {
  let gost: GostPki;
  let gostHost: HostProcess;
  let gostCerts: CertificateInfo[];
  beforeAll(async () => {
    gost = createGostPki();
    gostHost = startHost({ env: gost.env });
    gostCerts = (await gostHost.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
  });
  afterAll(async () => {
    await gostHost?.close().catch(() => gostHost.kill());
    gost?.cleanup();
  });

  /** openssl dgst -engine gost -verify over DATA with the certificate's key. */
  function gostVerifies(name: string, md: string, signature: Buffer): boolean {
    const dir = mkdtempSync(join(work, 'gost-'));
    execFileSync('openssl', ['x509', '-engine', 'gost', '-in', gost.certs[name]!.certPem, '-noout', '-pubkey', '-out', join(dir, 'pub.pem')], { stdio: 'ignore' });
    writeFileSync(join(dir, 'sig'), signature);
    writeFileSync(join(dir, 'data'), DATA);
    try {
      execFileSync('openssl', ['dgst', '-engine', 'gost', `-${md}`, '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig'), join(dir, 'data')], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  }

  function streebog(md: string): Buffer {
    const dir = mkdtempSync(join(work, 'md-'));
    writeFileSync(join(dir, 'data'), DATA);
    return execFileSync('openssl', ['dgst', '-engine', 'gost', `-${md}`, '-binary', join(dir, 'data')], { stdio: ['ignore', 'pipe', 'ignore'] });
  }

  for (const [name, md, size] of [['gost256', 'md_gost12_256', 64], ['gost512', 'md_gost12_512', 128]] as const) {
    it(`${name}: raw (as OpenSSL writes it), reversed, over a Streebog hash, and detached CMS over the hash`, async () => {
      const der = readFileSync(gost.certs[name]!.certDer).toString('base64');
      const id = gostCerts.find((c) => c.der === der)!.id;
      expect(gostCerts.find((c) => c.der === der)!.keyId).toBe(gost.certs[name]!.id);
      const pin = gost.tokens.find((t) => t.label === gost.certs[name]!.token)!.pin;
      const call = (params: Record<string, unknown>) => gostHost.call<{ signature?: string; cms?: string }>('sign', { certificateId: id, pin, ...params });

      const raw = Buffer.from((await call({ data: DATA.toString('base64'), format: 'raw' })).signature!, 'base64');
      expect(raw.length).toBe(size);
      expect(gostVerifies(name, md, raw)).toBe(true);

      const reversed = Buffer.from((await call({ data: DATA.toString('base64'), format: 'raw', reverse: true })).signature!, 'base64');
      expect(gostVerifies(name, md, reversed)).toBe(false);
      expect(gostVerifies(name, md, Buffer.from(reversed).reverse())).toBe(true);

      const hash = streebog(md);
      const hashed = Buffer.from((await call({ data: hash.toString('base64'), format: 'raw', hashed: true })).signature!, 'base64');
      expect(gostVerifies(name, md, hashed)).toBe(true);

      const cms = Buffer.from((await call({ data: hash.toString('base64'), hashed: true, detached: true })).cms!, 'base64');
      const dir = mkdtempSync(join(work, 'gcms-'));
      writeFileSync(join(dir, 'cms.der'), cms);
      writeFileSync(join(dir, 'data'), DATA);
      execFileSync('openssl', ['cms', '-verify', '-engine', 'gost', '-binary', '-inform', 'DER', '-in', join(dir, 'cms.der'), '-content', join(dir, 'data'),
        '-CAfile', gost.caCertPem, '-purpose', 'any', '-out', join(dir, 'out')], { stdio: 'pipe' });
    });
  }
});
