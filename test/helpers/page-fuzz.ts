// The page-message fuzz of test/integration/fuzz-extension.test.ts: seeded malformed and well-formed
// `window.postMessage` traffic, each message with the answer it must get, and the page-side poster.
import type { Page } from 'playwright-core';
import type { Rng } from '../../bench/prng';
import { PAGE_ACK, PAGE_REQUEST, PAGE_RESPONSE } from '../../shared/protocol';

export interface PageMessage {
  kind: string;
  /** Structured-cloneable data, or an `exotic` value the page builds itself. */
  data?: unknown;
  exotic?: 'cyclic-params' | 'map-params' | 'date-params' | 'array-buffer' | 'date';
  id?: string;
  /** Error codes accepted in the response, 'ok' for success; absent: the message must be ignored. */
  expect?: string[];
}

/** `count` seeded page messages; ids carry `seed` so a failure names its run. */
export function makeMessages(rng: Rng, seed: number, count: number): PageMessage[] {
  let n = 0;
  const id = () => `fz-${seed}-${n++}`;
  const goodChallenge = () => rng.string(43 + rng.int(100), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  const request = (action: unknown, params?: unknown) => {
    const i = id();
    const data: Record<string, unknown> = { type: PAGE_REQUEST, id: i, action };
    if (params !== undefined) data.params = params;
    return { i, data };
  };
  const make: Array<[number, () => PageMessage]> = [
    [4, () => ({ kind: 'not a request', data: rng.pick<unknown>([null, 0, 'tokensign:request', [], [PAGE_REQUEST], true, { id: 'x' }]) })],
    [3, () => ({
      kind: 'another type',
      data: { type: rng.pick([PAGE_ACK, PAGE_RESPONSE, 'Tokensign:request', ' tokensign:request', 'tokensign:request ', 'tokensign:req']), id: id(), action: 'status', ok: true, result: {} },
    })],
    [3, () => ({
      kind: 'unusable id',
      data: { type: PAGE_REQUEST, id: rng.pick<unknown>([5, null, {}, [], '', 'i'.repeat(257), true]), action: 'status' },
    })],
    [1, () => ({ kind: 'no id', data: { type: PAGE_REQUEST, action: 'status' } })],
    [6, () => {
      const { i, data } = request(rng.pick<unknown>(['', 'STATUS', 'sign ', '__proto__', 'constructor', 'toString', 'hello', 'list-certificates', 'list-tokens', 'authenticate2', 123, null, {}, []]));
      if (rng.next() < 0.2) delete data.action;
      return { kind: 'unknown action', data, id: i, expect: ['BAD_REQUEST'] };
    }],
    [4, () => {
      const { i, data } = request(rng.pick(['status', 'authenticate', 'sign']), rng.pick<unknown>([[], 'x', 5, true, null, [{ challenge: goodChallenge() }]]));
      return { kind: 'params not an object', data, id: i, expect: ['BAD_REQUEST'] };
    }],
    [6, () => {
      const params: Record<string, unknown> = { challenge: goodChallenge() };
      if (rng.next() < 0.6) params.challenge = rng.pick<unknown>(['', 'short', 'a'.repeat(42), 'a'.repeat(513), `${'a'.repeat(50)}!`, `${'a'.repeat(50)}\n`, 5, null, [], {}]);
      else if (rng.next() < 0.8) params.timeoutMs = rng.pick<unknown>([0, -1, 999, 1500.5, '2000', 1e12, null, []]);
      else delete params.challenge;
      const { i, data } = request('authenticate', params);
      return { kind: 'authenticate with bad params', data, id: i, expect: ['BAD_REQUEST'] };
    }],
    [5, () => {
      const params: Record<string, unknown> = { data: 'aGVsbG8=' };
      const field = rng.pick(['data', 'certificate', 'detached', 'timeoutMs']);
      if (field === 'data') params.data = rng.pick<unknown>(['', '%%%', 'abc', 'aGVsbG8', 5, null, [], {}]);
      else if (field === 'certificate') params.certificate = rng.pick<unknown>(['abc', 'g'.repeat(64), 'a'.repeat(63), 5, {}]);
      else if (field === 'detached') params.detached = rng.pick<unknown>(['yes', 1, {}]);
      else params.timeoutMs = rng.pick<unknown>([0, 'x', 40 * 60_000]);
      const { i, data } = request('sign', params);
      return { kind: `sign with a bad ${field}`, data, id: i, expect: ['BAD_REQUEST'] };
    }],
    [4, () => {
      const params = rng.pick<unknown>([undefined, {}, { origin: 'https://esia.gosuslugi.ru' }, { junk: 'z'.repeat(rng.int(1_000_000)) }, { a: { b: { c: [1, 2, { d: null }] } } }]);
      const { i, data } = request('status', params);
      return { kind: 'status with junk params', data, id: i, expect: ['ok'] };
    }],
    [2, () => {
      const i = id();
      const exotic = rng.pick(['cyclic-params', 'map-params', 'date-params'] as const);
      // Structured clone carries these; the bridge must still answer once, whatever it makes of them.
      return { kind: `exotic ${exotic}`, exotic, id: i, expect: ['ok', 'BAD_REQUEST', 'EXTENSION_UNAVAILABLE', 'INTERNAL'] };
    }],
    [1, () => ({ kind: 'exotic data', exotic: rng.pick(['array-buffer', 'date'] as const) })],
  ];
  const total = make.reduce((s, [w]) => s + w, 0);
  const out: PageMessage[] = [];
  for (let k = 0; k < count; k++) {
    let roll = rng.int(total);
    for (const [w, f] of make) {
      if (roll < w) {
        out.push(f());
        break;
      }
      roll -= w;
    }
  }
  return out;
}

/** Posts the messages one by one from the page, waiting for the response of each answered one. */
export function postAll(page: Page, messages: PageMessage[]): Promise<Record<string, { type: string; ok: boolean; error?: { code: string } } | null>> {
  return page.evaluate(`(async (messages) => {
    const responses = {};
    const waiters = {};
    window.addEventListener('message', (event) => {
      const d = event.data;
      if (event.source !== window || !d || d.type !== 'tokensign:response' || typeof d.id !== 'string') return;
      responses[d.id] = d;
      if (waiters[d.id]) waiters[d.id]();
    });
    for (const m of messages) {
      let data = m.data;
      if (m.exotic === 'cyclic-params') { const p = { a: 1 }; p.self = p; data = { type: 'tokensign:request', id: m.id, action: 'status', params: p }; }
      if (m.exotic === 'map-params') data = { type: 'tokensign:request', id: m.id, action: 'status', params: new Map([['a', 1]]) };
      if (m.exotic === 'date-params') data = { type: 'tokensign:request', id: m.id, action: 'authenticate', params: new Date() };
      if (m.exotic === 'array-buffer') data = new ArrayBuffer(16);
      if (m.exotic === 'date') data = new Date();
      const answered = m.id && m.expect ? new Promise((resolve) => {
        waiters[m.id] = resolve;
        setTimeout(resolve, 5000);
      }) : null;
      window.postMessage(data, location.origin);
      if (answered) await answered;
    }
    await new Promise((r) => setTimeout(r, 1000));
    const out = {};
    for (const m of messages) if (m.id && m.expect) out[m.id] = responses[m.id] ?? null;
    return out;
  })(${JSON.stringify(messages)})`);
}
