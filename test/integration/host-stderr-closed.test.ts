// A browser whose stderr is gone (its terminal closed, a wrapper killed): the host's log lines then
// fail with EPIPE. The host must keep answering and exit when stdin ends, not spin on the error.
// Seen in a CI run: a host whose stderr reader had died logged each EPIPE as an uncaught exception,
// which failed again, and so on: 85 % CPU for minutes, never reading its closed stdin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, FIXTURE_CERTS, FIXTURE_TOKENS, type TestPki } from '../fixtures/pki';
import { startHost, type HostProcess } from '../helpers/host-process';

let pki: TestPki;
const hosts: HostProcess[] = [];

beforeAll(() => {
  pki = createTestPki({ certs: FIXTURE_CERTS.filter((c) => c.name === 'p256'), tokens: [FIXTURE_TOKENS[0]!] });
});

afterAll(() => {
  for (const h of hosts) h.kill();
  pki?.cleanup();
});

describe('host with its stderr closed', () => {
  it('answers, and exits when stdin ends, though every log line fails with EPIPE', async () => {
    const host = startHost({ env: { ...pki.env, TOKENSIGN_LOG_LEVEL: 'debug' } });
    hosts.push(host);
    expect((await host.call<{ protocol: number }>('hello')).protocol).toBe(1);
    // Nobody reads the host's stderr any more.
    host.child.stderr.destroy();
    for (let i = 0; i < 5; i++) {
      const listed = await host.call<{ tokens: unknown[] }>('list-tokens');
      expect(listed.tokens).toHaveLength(1);
      // Past the log's batching (100 ms), so the lines are written, and fail, meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // An error-level line is written at once (a request the host cannot read).
    host.writeRaw(Buffer.from([2, 0, 0, 0, 0x7b, 0x7d]));
    expect((await host.nextReply()).ok).toBe(false);
    expect(await host.close(5_000)).toBe(0);
  });
});
