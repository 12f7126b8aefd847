// wait-token-event on a module without C_WaitForSlotEvent (the emulated token answers
// CKR_FUNCTION_NOT_SUPPORTED, as SoftHSM does): the host polls its slots while someone waits. And the
// order of replies: a wait in progress is answered at once when another request arrives. And when a
// watched module's watcher thread starts: with the first wait, not with the first lists.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../shared/protocol';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { createTestPki } from '../fixtures/pki';
import { startHost, type HostProcess } from '../helpers/host-process';

const LABEL = 'Tokensign Events';
let pki: GostPki;
let host: HostProcess;

interface Wait {
  generation: number;
  changed: boolean;
  watched: number;
}

beforeAll(() => {
  pki = createGostPki({
    tokens: [{ label: LABEL, serial: 'TE00000001', pin: '11223344', maxPinTries: 5 }],
    certs: [{ name: 'ev', token: LABEL, key: 'p256', id: 'e1', label: 'Events P-256', subject: '/CN=События/C=RU' }],
  });
  host = startHost({ env: pki.env });
}, 120_000);

afterAll(async () => {
  await host?.close();
  pki?.cleanup();
});

describe('wait-token-event', () => {
  it('answers when a token is taken out and put back, polling a module that has no slot events', async () => {
    const now = await host.call<Wait>('wait-token-event', { timeoutMs: 0 });
    expect(now).toMatchObject({ changed: false, watched: 0 });
    const waiting = host.request<Wait>('wait-token-event', { generation: now.generation, timeoutMs: 30_000 });
    pki.unplug(LABEL);
    const out = await waiting;
    expect(out.ok && out.result.changed).toBe(true);
    expect((await host.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens).toEqual([]);

    const back = host.request<Wait>('wait-token-event', { generation: out.ok ? out.result.generation : 0, timeoutMs: 30_000 });
    pki.replug(LABEL);
    const replugged = await back;
    expect(replugged.ok && replugged.result.changed).toBe(true);
    expect((await host.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens.map((t) => t.label)).toEqual([LABEL]);
  });

  it('answers a wait in progress (unchanged) as soon as another request arrives, so replies stay in order', async () => {
    const now = await host.call<Wait>('wait-token-event', { timeoutMs: 0 });
    host.send({ id: 'wait', command: 'wait-token-event', params: { generation: now.generation, timeoutMs: 30_000 } });
    host.send({ id: 'tokens', command: 'list-tokens' });
    const first = await host.nextReply<Wait>(5_000);
    expect(first).toMatchObject({ id: 'wait', ok: true, result: { changed: false, generation: now.generation } });
    expect(await host.nextReply(5_000)).toMatchObject({ id: 'tokens', ok: true });
  });

  it('refuses a bad generation or timeout with BAD_REQUEST', async () => {
    for (const params of [{ generation: -1 }, { generation: 1.5 }, { timeoutMs: 30_001 }, { timeoutMs: '5' }]) {
      const reply = await host.request('wait-token-event', params);
      expect(reply.ok ? 'ok' : reply.error.code, JSON.stringify(params)).toBe('BAD_REQUEST');
    }
  });
});

describe('the watcher thread of a module with slot events (SoftHSM answers C_WaitForSlotEvent without blocking)', () => {
  it('starts with the first wait-token-event, not with the lists a starting host answers first', async () => {
    const softhsm = createTestPki();
    const watched = startHost({ env: softhsm.env });
    try {
      const threads = (): number => readdirSync(`/proc/${watched.child.pid}/task`).length;
      await watched.call('hello');
      const atHello = threads();
      const { tokens } = await watched.call<{ tokens: TokenInfo[] }>('list-tokens');
      expect(tokens.length).toBeGreaterThan(0);
      await watched.call('list-certificates');
      // A worker thread is running within milliseconds of its start; give a late one time to show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(threads()).toBe(atHello);
      expect((await watched.call<Wait>('wait-token-event', { timeoutMs: 0 })).watched).toBe(1);
      const deadline = Date.now() + 5_000;
      while (threads() === atHello && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(threads()).toBeGreaterThan(atHello);
    } finally {
      await watched.close();
      softhsm.cleanup();
    }
  });
});
