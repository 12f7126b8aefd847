// embedContent against OpenSSL: a detached CMS made by `openssl cms -sign` gets its content put in,
// and `openssl cms -verify` (no -content) then verifies it and writes out exactly that content.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedContent } from './cms-embed';

let dir: string;
const openssl = (args: string[]): Buffer => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });

function signDetached(content: Buffer): Uint8Array {
  writeFileSync(join(dir, 'content.bin'), content);
  openssl(['cms', '-sign', '-binary', '-in', 'content.bin', '-signer', 'cert.pem', '-inkey', 'key.pem', '-outform', 'DER', '-out', 'detached.der']);
  return readFileSync(join(dir, 'detached.der'));
}

function verifyAttached(cms: Uint8Array): Buffer {
  writeFileSync(join(dir, 'attached.der'), cms);
  openssl(['cms', '-verify', '-binary', '-inform', 'DER', '-in', 'attached.der', '-CAfile', 'cert.pem', '-purpose', 'any', '-out', 'out.bin']);
  return readFileSync(join(dir, 'out.bin'));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tokensign-cades-embed-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=Embed Test']);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedContent', () => {
  it('makes a detached CMS attached; OpenSSL verifies it and gives back the content', () => {
    const content = Buffer.from('Счёт-фактура № 17', 'utf8');
    expect(verifyAttached(embedContent(signDetached(content), content)).equals(content)).toBe(true);
  });

  it('handles content whose length needs a long DER length (over 16 MiB: four length bytes)', () => {
    const content = Buffer.alloc(17 * 1024 * 1024, 0x5a);
    expect(verifyAttached(embedContent(signDetached(content), content)).equals(content)).toBe(true);
  });

  it('refuses a CMS that already holds content, and bytes that are no CMS', () => {
    const content = Buffer.from('x');
    const attached = embedContent(signDetached(content), content);
    expect(() => embedContent(attached, content)).toThrow(/already holds/);
    expect(() => embedContent(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), content)).toThrow();
  });

  it('a wrong content does not verify: the signature still covers the original digest', () => {
    const cms = embedContent(signDetached(Buffer.from('original')), Buffer.from('forged!!'));
    expect(() => verifyAttached(cms)).toThrow();
  });
});
