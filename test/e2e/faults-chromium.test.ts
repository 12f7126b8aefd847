// Faults in a real Chromium with the built extension and the real host (behind a recording
// wrapper that can hold a request back so the test can kill the host mid-request), on SoftHSM
// and on the emulated test token (which can be unplugged): the host killed mid-request, a token
// unplugged between listing and signing, a tab closed while its picker is open, the service
// worker stopped between requests, two tabs asking at once, a request past its timeout.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bothTokensEnv, createGostPki, type GostPki } from '../fixtures/gost';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { READINGS_STORAGE_KEY } from '../../extension/background/token-lists';
import { clickClosing, findPickerPage, pickerIsOpen } from '../helpers/browser';
import {
  approveInPicker,
  eventually,
  launchRecordedChromium,
  openRecordingPage,
  pageRequest,
  PLAIN_PAGE,
  startPageServer,
  thumbprintOf,
  type PageServer,
  type RecordedChromium,
} from '../helpers/recorded-chromium';

const challenge = () => randomBytes(32).toString('base64url');
const SOFTHSM_PIN = '123456';

describe('faults in Chromium', () => {
  let pki: TestPki;
  let gost: GostPki;
  let browser: RecordedChromium;
  let siteA: PageServer;
  let siteB: PageServer;
  let p256: string;

  /**
   * The browser stops the extension's service worker, as it does one idle; its native port dies with it,
   * so the browser closes the host's input: proof that it stopped. (Not the host's exit: Chromium gives
   * a host two seconds and then terminates it, and the wrapper then never writes the child's exit.)
   */
  async function stopServiceWorker(tab: Page): Promise<void> {
    const closedBefore = browser.closedHosts();
    const stopped = () => [...browser.closedHosts()].some((wrapper) => !closedBefore.has(wrapper));
    // stopAllWorkers stops only the workers the session already knows of: under load the first
    // workerVersionUpdated came after it (a clean-clone CI run stopped nothing). Wait for a running one.
    const cdp = await browser.context.newCDPSession(tab);
    let running = false;
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      if (versions.some((v) => v.runningStatus === 'running')) running = true;
    });
    await cdp.send('ServiceWorker.enable');
    for (let attempt = 0; attempt < 3 && !stopped(); attempt++) {
      await eventually(() => running, 5_000, 50);
      await cdp.send('ServiceWorker.stopAllWorkers');
      await eventually(stopped, 4_000);
    }
    await cdp.detach();
    expect(stopped(), JSON.stringify({ records: browser.records().slice(-20), hostStderr: browser.hostStderr().slice(-3000) })).toBe(true);
  }

  beforeAll(async () => {
    pki = createTestPki();
    gost = createGostPki();
    browser = await launchRecordedChromium(bothTokensEnv(pki, gost));
    siteA = await startPageServer({ '/': PLAIN_PAGE }, '127.0.0.1');
    siteB = await startPageServer({ '/': PLAIN_PAGE }, 'localhost');
    p256 = thumbprintOf(pki.certs.p256!.certDer);
  });

  afterAll(async () => {
    await siteA?.close();
    await siteB?.close();
    await browser?.close();
    pki?.cleanup();
    gost?.cleanup();
  });

  const noPicker = () => eventually(() => !pickerIsOpen(browser.context), 10_000);
  const hostStarts = () => browser.records().filter((r) => r.event === 'start');

  it('answers two tabs that ask at once, one after the other, each in a picker naming its own origin', async () => {
    const tabA = await openRecordingPage(browser.context, siteA.url());
    const tabB = await openRecordingPage(browser.context, siteB.url());
    const order: string[] = [];
    const a = pageRequest(tabA, 'authenticate', { challenge: challenge() }).then((x) => (order.push('A'), x));
    const pickerA = await findPickerPage(browser.context);
    expect(await pickerA.textContent('[data-testid=origin]')).toContain(siteA.origin);
    const b = pageRequest(tabB, 'authenticate', { challenge: challenge() }).then((x) => (order.push('B'), x));
    // B waits its turn: still one picker, A's.
    await new Promise((r) => setTimeout(r, 500));
    expect(browser.context.pages().filter((p) => p.url().includes('/picker/')).length).toBe(1);
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    const resultA = await a;
    expect(resultA.response?.ok, JSON.stringify(resultA.response)).toBe(true);
    expect(resultA.response?.result?.origin).toBe(siteA.origin);
    expect(order).toEqual(['A']);
    expect(await eventually(() => pickerA.isClosed())).toBe(true);

    const pickerB = await findPickerPage(browser.context);
    expect(await pickerB.textContent('[data-testid=origin]')).toContain(siteB.origin);
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    const resultB = await b;
    expect(resultB.response?.ok, JSON.stringify(resultB.response)).toBe(true);
    expect(resultB.response?.result?.origin).toBe(siteB.origin);
    expect(order).toEqual(['A', 'B']);
    expect(await noPicker()).toBe(true);
    await tabA.close();
    await tabB.close();
  });

  it('answers TIMEOUT and closes the picker when the user does not finish in time', async () => {
    const tab = await openRecordingPage(browser.context, siteA.url());
    const started = Date.now();
    const exchange = pageRequest(tab, 'authenticate', { challenge: challenge(), timeoutMs: 1500 });
    await findPickerPage(browser.context);
    const { response } = await exchange;
    expect(response?.ok).toBe(false);
    expect(response?.error?.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(await noPicker()).toBe(true);
    await tab.close();
  });

  it('closes the picker when its tab is closed, and serves the next tab at once', async () => {
    const before = browser.commands().filter((r) => r.command === 'authenticate').length;
    const doomed = await openRecordingPage(browser.context, siteA.url());
    void pageRequest(doomed, 'authenticate', { challenge: challenge() }).catch(() => undefined);
    await findPickerPage(browser.context);
    await doomed.close();
    expect(await noPicker()).toBe(true);

    const next = await openRecordingPage(browser.context, siteB.url());
    const exchange = pageRequest(next, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(browser.context);
    expect(await picker.textContent('[data-testid=origin]')).toContain(siteB.origin);
    await clickClosing(picker, '[data-testid=cancel]');
    expect((await exchange).response?.error?.code).toBe('USER_CANCELLED');
    expect(await noPicker()).toBe(true);
    // Nothing was signed for the closed tab.
    expect(browser.commands().filter((r) => r.command === 'authenticate').length).toBe(before);
    await next.close();
  });

  it('closes the picker when its tab navigates away', async () => {
    const tab = await openRecordingPage(browser.context, siteA.url());
    void pageRequest(tab, 'authenticate', { challenge: challenge() }).catch(() => undefined);
    await findPickerPage(browser.context);
    await tab.goto(siteB.url());
    expect(await noPicker()).toBe(true);
    await tab.close();
  });

  it('answers EXTENSION_UNAVAILABLE when the worker is stopped with a picker open, closes that picker, and serves the next request', async () => {
    const tab = await openRecordingPage(browser.context, siteA.url());
    const exchange = pageRequest(tab, 'authenticate', { challenge: challenge() });
    await findPickerPage(browser.context);
    const cdp = await browser.context.newCDPSession(tab);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
    const { response } = await exchange;
    expect(response?.error?.code).toBe('EXTENSION_UNAVAILABLE');
    expect(await noPicker()).toBe(true);
    const again = pageRequest(tab, 'authenticate', { challenge: challenge() });
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    expect((await again).response?.ok).toBe(true);
    await tab.close();
  });

  it('answers HOST_UNAVAILABLE when the host dies mid-request, and starts a new host for the next request', async () => {
    const tab = await openRecordingPage(browser.context, siteA.url());
    browser.stall('authenticate');
    try {
      const exchange = pageRequest(tab, 'authenticate', { challenge: challenge() });
      await approveInPicker(browser.context, p256, SOFTHSM_PIN);
      expect(await eventually(() => browser.records().some((r) => r.event === 'stalled'), 15_000)).toBe(true);
      const killed = browser.killHosts();
      expect(killed.length).toBeGreaterThan(0);
      const { response } = await exchange;
      expect(response?.ok).toBe(false);
      expect(response?.error?.code).toBe('HOST_UNAVAILABLE');
      expect(await noPicker()).toBe(true);
    } finally {
      browser.stall(null);
    }
    const startsBefore = hostStarts().length;
    const again = pageRequest(tab, 'authenticate', { challenge: challenge() });
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    const { response } = await again;
    expect(response?.ok, JSON.stringify(response)).toBe(true);
    expect(hostStarts().length).toBe(startsBefore + 1);
    await tab.close();
  });

  it('drops the certificates of a token unplugged while the window is open, shows them again when it is back, and signs then', async () => {
    // The window follows the host's token events (wait-token-event), so a pulled token's certificates
    // go at once and no click can reach a token that is gone. TOKEN_REMOVED for a token that goes
    // during the signing itself is tested on the host (faults-host, card-stack).
    const tab = await openRecordingPage(browser.context, siteA.url());
    const token = gost.certs.rsa!.token;
    const pin = gost.tokens.find((t) => t.label === token)!.pin;
    const thumbprint = thumbprintOf(gost.certs.rsa!.certDer);
    const exchange = pageRequest(tab, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(browser.context);
    await picker.waitForSelector(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
    try {
      gost.unplug(token);
      await picker.waitForSelector(`[data-testid=cert][data-thumbprint="${thumbprint}"]`, { state: 'detached', timeout: 15_000 });
    } finally {
      gost.replug(token);
    }
    await picker.waitForSelector(`[data-testid=cert][data-thumbprint="${thumbprint}"]`, { timeout: 15_000 });
    await approveInPicker(browser.context, thumbprint, pin);
    const { response } = await exchange;
    expect(response?.ok, JSON.stringify(response)).toBe(true);
    expect(browser.records().filter((r) => r.event === 'reply' && r.code === 'TOKEN_REMOVED')).toHaveLength(0);
    await tab.close();
  });

  it('serves requests after the browser stops the service worker between them', async () => {
    const tab: Page = await openRecordingPage(browser.context, siteA.url());
    const first = await pageRequest(tab, 'status', {});
    expect(first.response?.ok).toBe(true);
    const worker = browser.context.serviceWorkers()[0]!;
    await worker.evaluate('globalThis.__tokensignTestMarker = 1');
    const startsBefore = hostStarts().length;
    await stopServiceWorker(tab);

    const status = await pageRequest(tab, 'status', {});
    expect(status.response?.ok, JSON.stringify(status.response)).toBe(true);
    expect(status.response?.result?.host).not.toBeNull();
    const exchange = pageRequest(tab, 'authenticate', { challenge: challenge() });
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    const { response } = await exchange;
    expect(response?.ok, JSON.stringify(response)).toBe(true);
    expect(hostStarts().length).toBeGreaterThan(startsBefore);
    // A fresh worker: the old one's globals are gone.
    const markers = await Promise.all(browser.context.serviceWorkers().map((w) => w.evaluate('globalThis.__tokensignTestMarker').catch(() => 'gone')));
    expect(markers).not.toContain(1);
    await tab.close();
  });

  it('a stopped service worker is not started again for the tabs and windows a person closes, and serves the next request', async () => {
    // The background listens for closed tabs and windows only while it holds one it concerns (a
    // picker window, a tab's dismissals): a listener set as its script starts is one the browser
    // starts the stopped worker for, on every tab or window closed anywhere in the browser.
    const tab: Page = await openRecordingPage(browser.context, siteA.url());
    const exchange = pageRequest(tab, 'authenticate', { challenge: challenge() });
    await approveInPicker(browser.context, p256, SOFTHSM_PIN);
    expect((await exchange).response?.ok).toBe(true);
    const cdp = await browser.context.newCDPSession(tab);
    const statuses: string[] = [];
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) if (v.scriptURL.startsWith('chrome-extension://')) statuses.push(v.runningStatus);
    });
    await cdp.send('ServiceWorker.enable');
    await stopServiceWorker(tab);
    expect(await eventually(() => statuses.at(-1) === 'stopped', 5_000)).toBe(true);
    const stoppedAt = statuses.length;

    const other = await browser.context.newPage();
    await other.close();
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank', newWindow: true });
    await cdp.send('Target.closeTarget', { targetId });
    // Time for a worker to start, had the browser been told to start it.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(statuses.slice(stoppedAt)).toEqual([]);

    const status = await pageRequest(tab, 'status', {});
    expect(status.response?.ok, JSON.stringify(status.response)).toBe(true);
    expect(statuses.slice(stoppedAt)).toContain('running');
    await cdp.detach();
    await tab.close();
  });

  it('after the browser stopped the service worker, the next window shows the certificates read before at once, while the host has not answered for them', async () => {
    const tab: Page = await openRecordingPage(browser.context, siteA.url());
    const card = `[data-testid=cert][data-thumbprint="${p256}"]`;
    const first = pageRequest(tab, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(browser.context);
    await picker.waitForSelector(card);
    await picker.close();
    expect((await first).response?.error?.code).toBe('USER_CANCELLED');
    // The worker writes its readings to session storage a second after it read them (token-lists.ts):
    // stopped before that, it would have nothing to show (a browser stops only a worker idle for long).
    const worker = browser.context.serviceWorkers()[0]!;
    const key = JSON.stringify(READINGS_STORAGE_KEY);
    const stored = () => worker.evaluate(`chrome.storage.session.get(${key}).then((r) => JSON.stringify(r[${key}] ?? []))`) as Promise<string>;
    expect(await eventually(async () => (await stored()).includes(p256), 10_000)).toBe(true);

    await stopServiceWorker(tab);

    // Every list-certificates from now on is held back: what the window shows comes from the reading before.
    browser.stall('list-certificates');
    try {
      const second = pageRequest(tab, 'authenticate', { challenge: challenge() });
      const again = await findPickerPage(browser.context);
      await again.waitForSelector(card, { timeout: 10_000 });
      expect(await eventually(() => browser.records().some((r) => r.event === 'stalled'), 10_000)).toBe(true);
      await again.close();
      expect((await second).response?.error?.code).toBe('USER_CANCELLED');
    } finally {
      browser.stall(null);
      // The host still holds the window's request to read the tokens again.
      browser.killHosts();
    }
    await tab.close();
  });
});
