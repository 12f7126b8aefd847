// Native messaging framing edge cases against the real built host over stdio (docs/PROTOCOL.md §2).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES, MAX_REQUEST_BYTES, type CertificateInfo } from '../../shared/protocol';
import { createTestPki, FIXTURE_CERTS, FIXTURE_TOKENS, type TestPki } from '../fixtures/pki';
import { opensslVerify } from '../helpers/cms-verify';
import { encodeFrame, frameBytes } from '../../native-host/framing';
import { startHost, type HostProcess } from '../helpers/host-process';

const PIN = FIXTURE_TOKENS[0]!.pin;
let pki: TestPki;
let host: HostProcess;
let p256: CertificateInfo;
const hosts: HostProcess[] = [];

function spawn(options: Parameters<typeof startHost>[0] = {}): HostProcess {
  const h = startHost({ env: pki.env, ...options });
  hosts.push(h);
  return h;
}

function lengthHeader(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0); // x86-64 and arm64 here are little-endian: native order.
  return b;
}

/** Peak resident memory of a process in KiB (Linux). */
function peakRssKiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

beforeAll(async () => {
  // One token with one P-256 certificate is all framing needs.
  pki = createTestPki({ certs: FIXTURE_CERTS.filter((c) => c.name === 'p256'), tokens: [FIXTURE_TOKENS[0]!] });
  host = spawn();
  const list = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
  p256 = list.certificates[0]!;
});

afterAll(async () => {
  for (const h of hosts) await h.close(5000).catch(() => h.kill());
  pki?.cleanup();
});

describe('framing', () => {
  it('reads a request written one byte at a time', async () => {
    const frame = encodeFrame({ id: 'bytewise', command: 'hello' });
    for (const byte of frame) await host.writeRaw(Uint8Array.of(byte));
    const reply = await host.nextReply();
    expect(reply).toMatchObject({ id: 'bytewise', ok: true, result: { protocol: 1 } });
  });

  it('reads two frames written at once and a frame split inside its header, answering in order', async () => {
    const a = encodeFrame({ id: 'a', command: 'list-certificates' });
    const b = encodeFrame({ id: 'b', command: 'hello' });
    const c = encodeFrame({ id: 'c', command: 'list-tokens' });
    await host.writeRaw(Buffer.concat([a, b, c.subarray(0, 2)]));
    await host.writeRaw(c.subarray(2));
    expect((await host.nextReply()).id).toBe('a');
    expect((await host.nextReply()).id).toBe('b');
    expect((await host.nextReply()).id).toBe('c');
  });

  it('answers a burst of mixed requests in arrival order', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    const commands = ['hello', 'list-tokens', 'list-certificates', 'nope'];
    await host.writeRaw(Buffer.concat(ids.map((id, i) => encodeFrame({ id, command: commands[i % commands.length] }))));
    const got: unknown[] = [];
    for (let i = 0; i < ids.length; i++) got.push((await host.nextReply()).id);
    expect(got).toEqual(ids);
  });

  it('answers a frame over 64 MiB with MESSAGE_TOO_LARGE at once, discards 70 MiB as it streams, then serves on', async () => {
    const h = spawn();
    await h.call('hello');
    const declared = 70 * 1024 * 1024;
    const baseline = peakRssKiB(h.child.pid!);
    await h.writeRaw(lengthHeader(declared));
    // The reply comes before any of the body is sent.
    const tooLarge = await h.nextReply(10_000);
    expect(tooLarge).toMatchObject({ id: null, ok: false, error: { code: 'MESSAGE_TOO_LARGE' } });
    const chunk = Buffer.alloc(1024 * 1024, 0x7b);
    for (let sent = 0; sent < declared; sent += chunk.length) await h.writeRaw(chunk);
    await h.writeRaw(encodeFrame({ id: 'after', command: 'hello' }));
    expect(await h.nextReply()).toMatchObject({ id: 'after', ok: true });
    // Discarded, not held: holding the body would raise the peak by at least 70 MiB; read
    // buffers awaiting GC account for what growth there is.
    expect(peakRssKiB(h.child.pid!) - baseline).toBeLessThan(declared / 1024 - 8 * 1024);
    expect(h.queuedReplies).toBe(0);
    expect(await h.close()).toBe(0);
  });

  it('accepts a request of exactly 64 MiB', async () => {
    const h = spawn();
    const json = Buffer.from(JSON.stringify({ id: 'max', command: 'hello' }));
    const body = Buffer.alloc(MAX_REQUEST_BYTES, 0x20);
    json.copy(body, 0);
    await h.writeRaw(frameBytes(body));
    expect(await h.nextReply(30_000)).toMatchObject({ id: 'max', ok: true });
    expect(await h.close()).toBe(0);
  });

  it('answers malformed frames with BAD_REQUEST (id null) and keeps serving', async () => {
    const bad = [
      Buffer.from('{"id": 1, "command": "hello"'), // truncated JSON
      Buffer.from('not json at all'),
      Buffer.alloc(0), // empty frame
      Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), // not UTF-8
      Buffer.from('[1,2,3]'),
      Buffer.from('"hello"'),
      Buffer.from('null'),
    ];
    for (const body of bad) {
      await host.writeRaw(frameBytes(body));
      const reply = await host.nextReply();
      expect(reply, body.toString('latin1')).toMatchObject({ id: null, ok: false, error: { code: 'BAD_REQUEST' } });
    }
    // The parser's message (which quotes the input) is never echoed.
    await host.writeRaw(frameBytes(Buffer.from('{"id":"p","command":"sign","params":{"pin":"secret-pin-4711"')));
    const reply = await host.nextReply();
    expect(JSON.stringify(reply)).not.toContain('secret-pin-4711');
    expect(host.stderr).not.toContain('secret-pin-4711');
    expect(await host.request('hello')).toMatchObject({ ok: true });
  });

  it('signs 12 MiB of content (16 MiB of base64 in one request) detached; OpenSSL verifies it', async () => {
    const content = Buffer.alloc(12 * 1024 * 1024, 0x63);
    const reply = await host.request<{ cms: string }>('sign', { certificateId: p256.id, pin: PIN, data: content.toString('base64'), detached: true });
    if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
    expect(opensslVerify(Buffer.from(reply.result.cms, 'base64'), pki.caCertPem, content).ok).toBe(true);
  });

  it('answers RESULT_TOO_LARGE with the id when a reply would pass 1 MiB (1 MiB signed attached), never writing it', async () => {
    const data = Buffer.alloc(1024 * 1024, 0x61).toString('base64');
    const reply = await host.request('sign', { certificateId: p256.id, pin: PIN, data, detached: false }, { id: 'big' });
    expect(reply).toMatchObject({ id: 'big', ok: false, error: { code: 'RESULT_TOO_LARGE' } });
    expect(Math.max(...host.frameSizes)).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    expect(host.stderr).not.toContain(PIN);
  });

  it('still returns an attached signature just under the reply limit', async () => {
    const content = Buffer.alloc(700 * 1024, 0x62);
    const reply = await host.request<{ cms: string }>('sign', { certificateId: p256.id, pin: PIN, data: content.toString('base64'), detached: false });
    if (!reply.ok) throw new Error(reply.error.message);
    expect(host.frameSizes[host.frameSizes.length - 1]).toBeLessThanOrEqual(MAX_REPLY_BYTES);
    const openssl = opensslVerify(Buffer.from(reply.result.cms, 'base64'), pki.caCertPem);
    expect(openssl.ok).toBe(true);
    expect(openssl.content.equals(content)).toBe(true);
  });

  it('answers a request sent just before stdin closes, then exits 0 with nothing but frames on stdout', async () => {
    const h = spawn();
    await h.writeRaw(encodeFrame({ id: 'last', command: 'list-certificates' }));
    const code = await h.close();
    expect(code).toBe(0);
    expect(await h.nextReply()).toMatchObject({ id: 'last', ok: true });
    expect(h.leftoverStdout).toBe(0);
  });

  it('exits 0 when stdin closes in the middle of a frame', async () => {
    const h = spawn();
    await h.writeRaw(encodeFrame({ id: 1, command: 'hello' }).subarray(0, 10));
    expect(await h.close()).toBe(0);
    expect(h.queuedReplies).toBe(0);
  });

  it('runs in host mode with Firefox arguments (manifest path, extension id) and with none (Flatpak portal)', async () => {
    for (const args of [['/home/u/.mozilla/native-messaging-hosts/org.tokensign.host.json', 'tokensign@tokensign.org'], []]) {
      const h = spawn({ args });
      expect(await h.request('hello')).toMatchObject({ ok: true, result: { protocol: 1 } });
      expect(await h.close()).toBe(0);
    }
  });

  it('writes only frames to stdout in a whole session, and never the PIN to stderr', async () => {
    expect(host.leftoverStdout).toBe(0);
    expect(host.frameSizes.length).toBeGreaterThan(50);
    for (const h of hosts) expect(h.stderr).not.toContain(PIN);
  });
});
