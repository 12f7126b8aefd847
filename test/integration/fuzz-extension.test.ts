// Seeded fuzz of the content script and background in a real Chromium, with the real host behind a
// recording wrapper: malformed page messages, messages from other frames, origins and windows, and
// floods from one tab. Each well-addressed request gets one ack and one response; anything else is
// ignored; nothing the protocol (§3) forbids reaches the host; a flood is answered BUSY at once.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, seedFromEnv } from '../../bench/prng';
import { PAGE_ACK, PAGE_REQUEST, PAGE_RESPONSE } from '../../shared/protocol';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { clickClosing, findPickerPage, pickerIsOpen } from '../helpers/browser';
import { makeMessages, postAll } from '../helpers/page-fuzz';
import {
  eventually,
  launchRecordedChromium,
  openRecordingPage,
  pageRequest,
  PLAIN_PAGE,
  seenMessages,
  startPageServer,
  type PageServer,
  type RecordedChromium,
} from '../helpers/recorded-chromium';

const SEED = seedFromEnv('TOKENSIGN_FUZZ_SEED', 7071);
const MESSAGES = 300;

describe(`page and background fuzz in Chromium (seed ${SEED})`, () => {
  let pki: TestPki;
  let browser: RecordedChromium;
  let siteA: PageServer;
  let siteB: PageServer;
  const pickerOpenings: string[] = [];

  beforeAll(async () => {
    pki = createTestPki();
    browser = await launchRecordedChromium(pki.env);
    browser.context.on('page', (p) => {
      void p.waitForLoadState('domcontentloaded').then(() => {
        if (p.url().includes('/picker/')) pickerOpenings.push(p.url());
      }, () => undefined);
    });
    siteB = await startPageServer({ '/': PLAIN_PAGE, '/frame': PLAIN_PAGE }, 'localhost');
    siteA = await startPageServer(
      {
        '/': PLAIN_PAGE,
        '/framed': `<!doctype html><html><body><iframe id="cross" src="${siteB.url('/frame')}"></iframe><iframe id="same" src="/"></iframe></body></html>`,
      },
      '127.0.0.1',
    );
  });

  afterAll(async () => {
    await siteA?.close();
    await siteB?.close();
    await browser?.close();
    pki?.cleanup();
  });

  it(`answers ${MESSAGES} malformed page messages once each or not at all, and lets none of them reach the host`, { timeout: 180_000 }, async () => {
    const page = await openRecordingPage(browser.context, siteA.url());
    const messages = makeMessages(new Rng(SEED), SEED, MESSAGES);
    const commandsBefore = browser.commands().length;
    const responses = await postAll(page, messages);
    const failures: string[] = [];
    for (const m of messages) {
      if (!m.id || !m.expect) continue;
      const r = responses[m.id];
      const got = r ? (r.ok ? 'ok' : r.error?.code) : 'no response';
      if (!got || !m.expect.includes(got)) failures.push(`${m.kind} ${m.id}: expected ${m.expect.join('|')}, got ${got}`);
    }
    expect(failures.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect(new Set(messages.map((m) => m.kind)).size).toBeGreaterThan(10);

    // Exactly one ack and one response per answered message, and nothing for the others.
    const seen = (await seenMessages(page)).filter((s) => s.self).map((s) => s.data as { type?: string; id?: unknown });
    const answered = new Set(messages.filter((m) => m.id && m.expect).map((m) => m.id));
    const acks = seen.filter((d) => d?.type === PAGE_ACK);
    const replies = seen.filter((d) => d?.type === PAGE_RESPONSE);
    // The page itself posts 'another type' messages that look like acks or responses: leave those out.
    const posted = new Set(messages.filter((m) => m.kind === 'another type').map((m) => (m.data as { id: string }).id));
    const fromExtension = (d: { id?: unknown }) => !posted.has(d.id as string);
    expect(acks.filter(fromExtension).map((d) => d.id).sort()).toEqual([...answered].sort());
    expect(replies.filter(fromExtension).map((d) => d.id).sort()).toEqual([...answered].sort());

    // Only `status` may have reached the host (as hello); nothing lists, signs or authenticates.
    const commands = browser.commands().slice(commandsBefore).map((r) => r.command);
    expect(commands.filter((c) => c !== 'hello')).toEqual([]);
    expect(pickerOpenings).toEqual([]);
    await page.close();
  });

  it('ignores requests from other frames, other origins and other windows', { timeout: 60_000 }, async () => {
    const page = await openRecordingPage(browser.context, siteA.url('/framed'));
    await page.waitForSelector('#cross');
    const cross = page.frames().find((f) => f.url().startsWith(siteB.origin));
    const same = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(siteA.origin));
    expect(cross && same).toBeTruthy();
    const commandsBefore = browser.commands().length;
    const request = (id: string, action = 'status') => JSON.stringify({ type: PAGE_REQUEST, id, action, params: { challenge: randomBytes(32).toString('base64url') } });
    // A cross-origin frame and a same-origin frame post to the top window; frames post to themselves.
    await cross!.evaluate(`parent.postMessage(${request('from-cross')}, '*'); parent.postMessage(${request('from-cross-auth', 'authenticate')}, '*')`);
    await cross!.evaluate(`window.postMessage(${request('cross-self', 'authenticate')}, '*')`);
    await same!.evaluate(`parent.postMessage(${request('from-same', 'authenticate')}, '*')`);
    await same!.evaluate(`window.postMessage(${request('same-self', 'authenticate')}, '*')`);
    // Another window (a popup of another origin) posts to its opener.
    const [popup] = await Promise.all([browser.context.waitForEvent('page'), page.evaluate(`window.open(${JSON.stringify(siteB.url('/'))})`)]);
    await popup.waitForLoadState('domcontentloaded');
    await popup.evaluate(`window.opener.postMessage(${request('from-popup', 'authenticate')}, '*')`);
    await new Promise((r) => setTimeout(r, 1500));

    const seenTop = await seenMessages(page);
    const fromExtension = seenTop.filter((s) => s.self && ['tokensign:ack', 'tokensign:response'].includes((s.data as { type?: string })?.type ?? ''));
    expect(fromExtension).toEqual([]);
    // The requests did arrive in the top window (so the test would see an answer if one came).
    const arrived = seenTop.filter((s) => !s.self).map((s) => (s.data as { id?: string }).id).sort();
    expect(arrived).toEqual(['from-cross', 'from-cross-auth', 'from-popup', 'from-same']);
    for (const frame of [cross!, same!]) {
      const inFrame = (await frame.evaluate('JSON.stringify(window.__tokensignSeen ?? [])')) as string;
      expect(inFrame).not.toContain('tokensign:ack');
    }
    expect(browser.commands().slice(commandsBefore)).toEqual([]);
    expect(pickerIsOpen(browser.context)).toBe(false);
    await popup.close();
    await page.close();
  });

  it('throttles a flood from one tab with BUSY instead of queueing it, and still serves the tab afterwards', { timeout: 120_000 }, async () => {
    const page = await openRecordingPage(browser.context, siteA.url());
    const commandsBefore = browser.commands().length;
    const flood = 150;
    const results = (await page.evaluate(`(async (n) => {
      const codes = {};
      let first = null;
      const done = new Promise((resolve) => {
        let answered = 0;
        window.addEventListener('message', (e) => {
          const d = e.data;
          if (e.source !== window || !d || d.type !== 'tokensign:response' || !String(d.id).startsWith('flood-')) return;
          if (d.id === 'flood-0') { first = d; return; }
          codes[d.error ? d.error.code : 'ok'] = (codes[d.error ? d.error.code : 'ok'] ?? 0) + 1;
          if (++answered === n - 1) resolve();
        });
      });
      const challenge = 'C'.repeat(43);
      const started = performance.now();
      for (let i = 0; i < n; i++) window.postMessage({ type: 'tokensign:request', id: 'flood-' + i, action: i % 3 === 2 ? 'sign' : 'authenticate', params: i % 3 === 2 ? { data: 'aGk=' } : { challenge } }, location.origin);
      await Promise.race([done, new Promise((r) => setTimeout(r, 20000))]);
      return { codes, first, ms: performance.now() - started };
    })(${flood})`)) as { codes: Record<string, number>; first: unknown; ms: number };
    expect(results.codes).toEqual({ BUSY: flood - 1 });
    expect(results.first).toBeNull();
    // One picker for the one admitted request; the host saw only its lists, nothing per flooded request.
    const picker = await findPickerPage(browser.context);
    await clickClosing(picker, '[data-testid=cancel]');
    expect(await eventually(() => !pickerIsOpen(browser.context))).toBe(true);
    const commands = browser.commands().slice(commandsBefore).map((r) => r.command);
    expect(commands.filter((c) => c === 'authenticate' || c === 'sign')).toEqual([]);
    expect(commands.length).toBeLessThan(12);
    expect(pickerOpenings.length).toBe(1);
    // The window closing and the answer to the page travel apart: the answer may come a moment later.
    const answerToFirst = async () => (await seenMessages(page)).find((s) => (s.data as { id?: string }).id === 'flood-0' && (s.data as { type?: string }).type === PAGE_RESPONSE);
    expect(await eventually(async () => (await answerToFirst()) !== undefined)).toBe(true);
    expect(((await answerToFirst())?.data as { error?: { code: string } }).error?.code).toBe('USER_CANCELLED');

    // The tab is not left stuck: the next request is served normally.
    const status = await pageRequest(page, 'status', {});
    expect(status.response?.ok).toBe(true);
    await page.close();
  });
});
