// Driving the IFCPlugin test portal (test/fixtures/ifc-portal) from a Playwright page: its login
// steps, raw TO_IFC_EXT requests, the page's message trace, and Tokensign's window between them.
import type { BrowserContext, Page } from 'playwright-core';
import { clickClosing, findPickerPage, pickerIsOpen } from './browser';

export interface Trace {
  requests: { func_name: string; params?: Record<string, unknown> }[];
  replies: Record<string, unknown>[];
  stray: number;
  disconnects: number;
}

export const trace = (p: Page): Promise<Trace> => p.evaluate(() => (window as unknown as { __ifcTrace: Trace }).__ifcTrace);

export async function waitUntil(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}


export function certSelector(cn: string, alg: string): string {
  return `#certs li[data-cn="${cn}"][data-alg="${alg}"]`;
}

/** Chooses a certificate in the portal's list and types the PIN in the portal's dialog. */
export async function chooseAndType(p: Page, cn: string, alg: string, pin: string): Promise<void> {
  await p.click(`${certSelector(cn, alg)} button`);
  await p.waitForSelector('#result[data-state="pin"]', { state: 'attached' });
  await p.fill('#pin', pin);
}

/** Posts an IFC `version` request and counts the FROM_IFC_EXT replies the page gets within 2 s. */
export async function repliesToVersion(p: Page): Promise<number> {
  return p.evaluate(async () => {
    let n = 0;
    window.addEventListener('message', (event) => {
      if (typeof event.data === 'string' && event.data.includes('FROM_IFC_EXT')) n++;
    });
    window.postMessage(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: { func_name: 'version' } }), '*');
    await new Promise((r) => setTimeout(r, 2000));
    return n;
  });
}

export async function resultOf(p: Page): Promise<{ state: string; code: string | null; text: string }> {
  await p.waitForSelector('#result:not([data-state="busy"]):not([data-state="pin"])', { state: 'attached', timeout: 30_000 });
  return p.$eval('#result', (el) => ({ state: (el as HTMLElement).dataset.state ?? '', code: (el as HTMLElement).dataset.code ?? null, text: el.textContent ?? '' }));
}

/** What installPageAsk gives the page: one raw TO_IFC_EXT request, resolved with its FROM_IFC_EXT answer. */
export type PageAsk = (msg: Record<string, unknown>) => Promise<Record<string, unknown>>;

declare global {
  interface Window {
    /** Set by installPageAsk, for code the page runs. */
    __ifcAsk: PageAsk;
  }
}

/** Puts `window.__ifcAsk` (a PageAsk) in the loaded page, for code the page itself runs (page.evaluate, its own handlers). */
export async function installPageAsk(p: Page): Promise<void> {
  await p.evaluate(() => {
    const ask: PageAsk = (msg) =>
      new Promise((resolve) => {
        const listener = (event: MessageEvent) => {
          if (typeof event.data !== 'string') return;
          const m = JSON.parse(event.data) as { type: string; msg_data: Record<string, unknown> };
          if (m.type !== 'FROM_IFC_EXT') return;
          window.removeEventListener('message', listener);
          resolve(m.msg_data);
        };
        window.addEventListener('message', listener);
        window.postMessage(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: msg }), '*');
      });
    window.__ifcAsk = ask;
  });
}

/** Posts one raw TO_IFC_EXT request from the page; `askResult` awaits its FROM_IFC_EXT answer. */
export async function startAsk(p: Page, msg: Record<string, unknown>): Promise<void> {
  await installPageAsk(p);
  await p.evaluate((m) => {
    const w = window as unknown as { __ask?: Promise<Record<string, unknown>>; __askDone?: boolean };
    w.__askDone = false;
    w.__ask = window.__ifcAsk(m).then((reply) => {
      w.__askDone = true;
      return reply;
    });
  }, msg);
}
/** True once the request `startAsk` posted has its answer. */
export const askAnswered = (p: Page): Promise<boolean> => p.evaluate(() => (window as unknown as { __askDone: boolean }).__askDone);
export const askResult = (p: Page): Promise<Record<string, unknown>> =>
  p.evaluate(() => (window as unknown as { __ask: Promise<Record<string, unknown>> }).__ask);
export async function ask(p: Page, msg: Record<string, unknown>): Promise<Record<string, unknown>> {
  await startAsk(p, msg);
  return askResult(p);
}

export async function containerOf(p: Page, cn: string, alg: string): Promise<string> {
  return p.$eval(certSelector(cn, alg), (el) => (el as HTMLElement).dataset.container!);
}

/** The steps that need the browser or the portal, bound to them (the test's beforeAll sets both). */
export function ifcPortalDriver(context: () => BrowserContext, portalOrigin: () => string) {
  /** Opens the portal, waits until it sees the plugin, and lists the certificates. */
  async function openAndList(p: Page): Promise<void> {
    await p.goto(`${portalOrigin()}/`);
    await p.waitForSelector('#plugin-status[data-plugin="true"]', { state: 'attached', timeout: 20_000 });
    await p.click('#login');
    await p.waitForSelector('#result[data-state="choose"], #result[data-state="empty"], #result[data-state="error"]', { state: 'attached' });
  }

  /** Submits the page's PIN dialog, checks Tokensign's window and presses `button` there. */
  async function signThroughWindow(p: Page, button: 'confirm' | 'cancel'): Promise<{ shown: string; origin: string; certs: number }> {
    await waitUntil(() => !pickerIsOpen(context()), 'the previous window to close');
    await p.click('#sign');
    const picker = await findPickerPage(context());
    await picker.waitForSelector('[data-testid=signed-content]:not([hidden])', { state: 'attached' });
    const shown = (await picker.textContent('[data-testid=signed-content-text]')) ?? '';
    const origin = (await picker.textContent('[data-testid=origin]')) ?? '';
    // The window opens at once and lists the token as it answers: wait for the page's certificate.
    await picker.locator('[data-testid=cert]').first().waitFor();
    const certs = await picker.locator('[data-testid=cert]').count();
    await clickClosing(picker, `[data-testid=${button}]`);
    return { shown, origin, certs };
  }

  /** Confirms the next Tokensign window and returns what it showed as signed. */
  async function confirmWindow(): Promise<string> {
    const picker = await findPickerPage(context());
    await picker.waitForSelector('[data-testid=signed-content]:not([hidden])', { state: 'attached' });
    const shown = (await picker.textContent('[data-testid=signed-content-text]')) ?? '';
    await clickClosing(picker, '[data-testid=confirm]');
    return shown;
  }

  return { openAndList, signThroughWindow, confirmWindow };
}
