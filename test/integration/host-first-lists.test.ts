// A starting host's first lists load only what listing needs: not node:crypto (~4 ms to load in a
// fresh Node 24) nor node:worker_threads (~0.75 ms), which only signing and token watching use; the
// browser waits for those lists with its window open (bench "window wait"). Node's own record of
// the built-ins it loaded is written at exit by a preload given through NODE_OPTIONS. The ids the
// lists give are still the SHA-256 derivations they always were (pages and adapters keep them).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { createTestPki, SOFTHSM_MODULE, type TestPki } from '../fixtures/pki';
import { startHost } from '../helpers/host-process';
import { removeDir } from '../helpers/browser';

let pki: TestPki;
let work: string;

beforeAll(() => {
  pki = createTestPki();
  work = mkdtempSync(join(tmpdir(), 'tokensign-first-lists-'));
}, 60_000);

afterAll(() => {
  pki?.cleanup();
  if (work) removeDir(work);
});

/** Runs a host through `requests` and returns the built-in modules it loaded (Node's process.moduleLoadList). */
async function builtinsLoadedBy(requests: (call: <T>(command: string, params?: Record<string, unknown>) => Promise<T>) => Promise<void>): Promise<string[]> {
  const record = join(work, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const preload = join(work, 'record-modules.cjs');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(record)}, process.moduleLoadList.join('\\n')));\n`);
  const host = startHost({ env: { ...pki.env, NODE_OPTIONS: `--require ${preload}` } });
  try {
    await requests((command, params) => host.call(command, params));
  } finally {
    expect(await host.close()).toBe(0);
  }
  return readFileSync(record, 'utf8').split('\n');
}

describe('a starting host\'s first lists', () => {
  it('load neither node:crypto nor node:worker_threads; a signature then loads node:crypto', async () => {
    let certificate: CertificateInfo | undefined;
    const listing = await builtinsLoadedBy(async (call) => {
      await call('hello');
      const { tokens } = await call<{ tokens: TokenInfo[] }>('list-tokens');
      for (const token of tokens) {
        const { certificates } = await call<{ certificates: CertificateInfo[] }>('list-certificates', { tokenId: token.id });
        certificate ??= certificates[0];
      }
    });
    expect(certificate).toBeDefined();
    expect(listing).toContain('NativeModule fs');
    expect(listing.filter((m) => /^NativeModule (crypto|worker_threads)$/.test(m))).toEqual([]);

    const signing = await builtinsLoadedBy(async (call) => {
      await call('hello');
      const { certificates } = await call<{ certificates: CertificateInfo[] }>('list-certificates');
      const cert = certificates.find((c) => c.hasPrivateKey && c.status === 'valid')!;
      const { tokens } = await call<{ tokens: TokenInfo[] }>('list-tokens');
      const pin = pki.tokens.find((t) => t.label === tokens.find((tk) => tk.id === cert.tokenId)?.label)!.pin;
      await call('authenticate', { certificateId: cert.id, pin, origin: 'https://portal.example', challenge: 'c'.repeat(43) });
    });
    expect(signing).toContain('NativeModule crypto');
  });

  it('give the same token and certificate ids as ever (SHA-256 derivations)', async () => {
    const host = startHost({ env: pki.env });
    try {
      const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
      const { certificates } = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
      const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
      for (const token of tokens) expect(token.id).toBe(sha256Hex(`tokensign-token\0${SOFTHSM_MODULE}\0${token.serial}\0${token.label}`).slice(0, 32));
      expect(certificates.length).toBeGreaterThan(0);
      for (const c of certificates) {
        const derHash = sha256Hex(Buffer.from(c.der, 'base64'));
        expect(c.thumbprint).toBe(derHash);
        expect(c.id).toBe(sha256Hex(`tokensign-certificate\0${c.tokenId}\0${c.keyId}\0${derHash}`).slice(0, 32));
      }
    } finally {
      await host.close();
    }
  });
});
