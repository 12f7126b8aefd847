// After list-tokens, the extension asks each token's certificates (a token at a time). A host that
// has not read a token's certificates yet reads them while its reply and that request travel, and
// answers the request from that read if it comes within 0.5 s (docs/PROTOCOL.md, list-certificates).
// How much sooner the window shows certificates is the bench's ("window wait, fresh browser"); these
// tests hold what the read-ahead must never change: what list-certificates answers. Real SoftHSM
// tokens; pkcs11-tool writes to a token from outside, as another program would.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { createTestPki, SOFTHSM_MODULE, type TestPki } from '../fixtures/pki';
import { startHost, type HostProcess } from '../helpers/host-process';

let pki: TestPki;

beforeAll(() => {
  pki = createTestPki();
}, 60_000);

afterAll(() => pki?.cleanup());

/** The host's read-ahead log lines so far (lines are flushed within LOG_FLUSH_MS). */
function readAheads(host: HostProcess): Array<{ token: string; certificates: number }> {
  return host.stderr
    .split('\n')
    .filter((line) => line.includes('"event":"read-ahead"'))
    .map((line) => JSON.parse(line) as { token: string; certificates: number });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never: ${what}`);
}

const certificatesOf = async (host: HostProcess, token: TokenInfo) =>
  (await host.call<{ certificates: CertificateInfo[] }>('list-certificates', { tokenId: token.id })).certificates;

describe('certificates read ahead after list-tokens', () => {
  it('reads each token listed once, and list-certificates answers what a read of the token gives', async () => {
    const host = startHost({ env: pki.env });
    try {
      const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
      expect(tokens.length).toBeGreaterThan(1);
      await until(() => readAheads(host).length === tokens.length, 'a read-ahead line for every token');
      expect(readAheads(host).map((r) => r.token).sort()).toEqual(tokens.map((t) => t.label).sort());

      const ahead = await Promise.all(tokens.map((t) => certificatesOf(host, t)));
      // What was read ahead is used once: these are read from the tokens now.
      const read = await Promise.all(tokens.map((t) => certificatesOf(host, t)));
      expect(ahead).toEqual(read);
      expect(ahead.flat().length).toBeGreaterThan(0);
      expect(readAheads(host).map((r) => r.certificates)).toEqual(tokens.map((t) => ahead[tokens.indexOf(t)]!.length));

      // Tokens whose certificates were read are not read ahead again.
      await host.call('list-tokens');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(readAheads(host)).toHaveLength(tokens.length);
    } finally {
      expect(await host.close()).toBe(0);
    }
  });

  it('does not answer from a read older than 0.5 s: a certificate written to the token after list-tokens is listed', async () => {
    const host = startHost({ env: pki.env });
    try {
      const { tokens } = await host.call<{ tokens: TokenInfo[] }>('list-tokens');
      await until(() => readAheads(host).length === tokens.length, 'a read-ahead line for every token');
      const token = tokens[0]!;
      const fixture = pki.tokens.find((t) => t.label === token.label)!;
      const extra = Object.values(pki.certs).find((c) => c.token !== fixture.label && !c.noKey)!;
      execFileSync('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', token.label, '--login', '--pin', fixture.pin,
        '--write-object', extra.certDer, '--type', 'cert', '--id', 'ee01', '--label', 'written later'], { env: { ...process.env, ...pki.env }, stdio: 'ignore' });
      await new Promise((resolve) => setTimeout(resolve, 600));
      const listed = await certificatesOf(host, token);
      expect(listed.map((c) => c.label)).toContain('written later');
    } finally {
      expect(await host.close()).toBe(0);
    }
  });

  it('answers a request that arrives while it reads ahead, in order', async () => {
    const host = startHost({ env: pki.env });
    try {
      const [tokens, hello] = await Promise.all([host.call<{ tokens: TokenInfo[] }>('list-tokens'), host.call<{ protocol: number }>('hello')]);
      expect(tokens.tokens.length).toBeGreaterThan(1);
      expect(hello.protocol).toBeGreaterThan(0);
      const certificates = await Promise.all(tokens.tokens.map((t) => certificatesOf(host, t)));
      expect(certificates.flat().length).toBeGreaterThan(0);
    } finally {
      expect(await host.close()).toBe(0);
    }
  });
});
