// Issue 14 item 6: the PIN outlives its use. After a login and a few more requests, a heap snapshot
// of the real host process (Node's --heapsnapshot-signal; a snapshot collects garbage first) must hold
// no string with the PIN: neither the request text nor the parsed PIN. JavaScript cannot wipe a
// string, so what this checks is that the host keeps no reference to one.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../shared/protocol';
import { createChallengeStore } from '../../relying-party/index';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { HostProcess } from '../helpers/host-process';

let pki: TestPki;
let work: string;

beforeAll(() => {
  pki = createTestPki();
  work = mkdtempSync(join(tmpdir(), 'tokensign-pin-life-'));
});

afterAll(() => {
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Signals the host to write a heap snapshot into `work` and returns its strings. */
async function snapshotStrings(host: HostProcess): Promise<string[]> {
  const before = new Set(readdirSync(work));
  (host as unknown as { child: { kill(signal: string): void } }).child.kill('SIGUSR2');
  let file: string | undefined;
  for (let i = 0; i < 600 && !file; i++) {
    await new Promise((r) => setTimeout(r, 100));
    file = readdirSync(work).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // The file is complete once it parses (it is written in pieces).
    if (file) {
      try {
        return (JSON.parse(readFileSync(join(work, file), 'utf8')) as { strings: string[] }).strings;
      } catch {
        file = undefined;
      }
    }
  }
  throw new Error('the host wrote no heap snapshot');
}

describe('the host keeps no PIN after the operation', () => {
  it('no string in the heap holds the PIN or the request text, 30 requests after a login', async () => {
    const pin = pki.tokens[0]!.pin;
    const host = new HostProcess({ env: { ...pki.env, NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' }, cwd: work });
    try {
      const certificates = (await host.call<{ certificates: CertificateInfo[] }>('list-certificates')).certificates;
      const cert = certificates.find((c) => c.label === 'Director P-256')!;
      const challenge = await createChallengeStore().issue();
      await host.call('authenticate', { certificateId: cert.id, pin, origin: 'https://portal.example', challenge });
      await host.call('sign', { certificateId: cert.id, pin, data: Buffer.from('document').toString('base64') });
      for (let i = 0; i < 30; i++) await host.call('hello');
      const strings = await snapshotStrings(host);
      expect(strings.length).toBeGreaterThan(1000);
      expect(strings.filter((s) => s.includes(`"pin":"${pin}"`))).toEqual([]);
      expect(strings.filter((s) => s === pin)).toEqual([]);
    } finally {
      await host.close().catch(() => host.kill());
    }
  }, 120_000);
});
