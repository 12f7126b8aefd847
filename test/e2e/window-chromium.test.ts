// The picker window as a person meets it, in real headless Chromium on the emulated PKCS#11 token
// (a C module through pkcs11js: it locks PINs and can be unplugged, which SoftHSM cannot): text
// sizes, the accessibility tree, keyboard-only login, every state's message and page code, the
// site line for IDN and deceptive hosts, 200 % zoom, a short laptop screen and a second screen. The
// windows have their real size (test/helpers/browser.ts: no emulated viewport, a 1366×768 headless
// screen unless a test gives others). Screenshots go to demo-output/window/.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_URL } from '../../shared/download';
import type { GostPki } from '../fixtures/gost';
import {
  CHROME_EXTENSION_DIR,
  clickClosing,
  findPickerPage,
  isPickerUrl,
  launchChromiumWithExtension,
  removeDir,
  startTestPage,
  writeChromiumHostManifest,
  writeHostLauncher,
  type ChromiumWithExtension,
  type TestPageServer,
} from '../helpers/browser';
import { MAP_ALL_TO_LOOPBACK, startNamedSite, type NamedSiteServer } from '../helpers/named-site';
import { eventually } from '../helpers/recorded-chromium';
import {
  EMPTY,
  LOCKED,
  LONG_ORG,
  LONG_TEXT,
  OLD,
  WORK,
  WORK_PIN,
  FRAME_RECORDER,
  authenticateCall,
  cardClickProbe,
  chooseWithTheMouse,
  chosenProbe,
  contrastProbe,
  createWindowPki,
  editedExtensionCopy,
  focusedInClearViewProbe,
  gutterBesideFormProbe,
  plugOnly,
  pngPixels,
  scrollAtRest,
  signCall,
  SITE_CASES,
  firstFramesScenario,
  shotPath,
  type RecordedWindow,
  startInPage,
  textEndProbe,
  textSizesProbe,
  zoomedViewProbe,
} from '../helpers/window';

type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string };

const ru = JSON.parse(readFileSync('extension/_locales/ru/messages.json', 'utf8')) as Record<string, { message: string }>;

let pki: GostPki;
let site: TestPageServer;
let named: NamedSiteServer;
let chrome: ChromiumWithExtension;
let page: Page;

async function startAuthenticate(p: Page = page): Promise<void> {
  await p.evaluate(startInPage, authenticateCall());
}

async function outcome(p: Page = page): Promise<Outcome> {
  return (await p.evaluate(() => (window as unknown as { __outcome: Promise<unknown> }).__outcome)) as Outcome;
}

function thumbprint(name: string): string {
  return createHash('sha256').update(readFileSync(pki.certs[name]!.certDer)).digest('hex');
}

/** Zoom is kept per origin: zooming one loaded extension page zooms the picker too. */
async function setExtensionZoom(factor: number): Promise<void> {
  const tab = await chrome.context.newPage();
  await tab.goto(`chrome-extension://${chrome.extensionId}/popup/index.html`);
  const worker = chrome.context.serviceWorkers()[0]!;
  await worker.evaluate(async ({ url, zoom }) => {
    const tabs = (globalThis as unknown as { chrome: { tabs: { query(q: object): Promise<{ id: number }[]>; setZoom(id: number, z: number): Promise<void> } } }).chrome.tabs;
    const [found] = await tabs.query({ url });
    if (found) await tabs.setZoom(found.id, zoom);
  }, { url: tab.url(), zoom: factor });
  await tab.close();
}

async function startSign(p: Page, text: string): Promise<void> {
  await p.evaluate(startInPage, signCall(text));
}

/** Once the window has stopped scrolling, the person turns the wheel up over the site's name to the top. */
async function wheelToTop(picker: Page): Promise<number> {
  await picker.evaluate(scrollAtRest);
  await picker.mouse.move(200, 40);
  await picker.mouse.wheel(0, -5000);
  return picker.evaluate(scrollAtRest);
}

const cardSelector = (name: string): string => `[data-testid=cert][data-thumbprint="${thumbprint(name)}"]`;
const card = (picker: Page, name: string) => picker.locator(cardSelector(name));

/** Only the Work token in; a window lists its certificates and is closed (the extension has read it once). */
async function workTokenReadOnce(): Promise<void> {
  plugOnly(pki, [WORK]);
  await startAuthenticate();
  const first = await findPickerPage(chrome.context);
  await card(first, 'oneday').waitFor();
  await first.close();
  expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
}

beforeAll(async () => {
  pki = createWindowPki();
  site = await startTestPage();
  named = await startNamedSite();
  chrome = await launchChromiumWithExtension({ hostEnv: pki.env, language: 'ru', args: [MAP_ALL_TO_LOOPBACK], ignoreHTTPSErrors: true });
  page = await chrome.context.newPage();
  await page.goto(site.url);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
  await named?.close();
  pki?.cleanup();
});

describe('picker window in Chromium (ru)', () => {
  it('reads well: 16 px body text, the owner the largest line, most useful certificate first, plural days, contrast ≥ 4.5:1', async () => {
    plugOnly(pki, [WORK, OLD]);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await card(picker, 'old').waitFor();
    await card(picker, 'oneday').waitFor();
    const sizes = await picker.evaluate(textSizesProbe);
    expect(sizes.body).toBeGreaterThanOrEqual(16);
    expect(sizes.owner).toBeGreaterThan(sizes.largestOther);
    const order = await picker.locator('[data-testid=cert]').evaluateAll((els) => els.map((e) => e.getAttribute('data-thumbprint')));
    expect(order).toEqual([thumbprint('director'), thumbprint('soon'), thumbprint('oneday'), thumbprint('old')]);
    expect(await card(picker, 'soon').locator('[data-testid=cert-warning]').textContent()).toMatch(/^Истекает через 1[12] дн(ей|я)$/);
    expect(await card(picker, 'oneday').locator('[data-testid=cert-warning]').textContent()).toBe('Истекает через 1 день');
    const contrast = await picker.evaluate(contrastProbe, ['[data-testid=cert-reason]', '.cert dt', '.cert dd', '.muted', '[data-testid=cert-warning]']);
    expect(contrast.faded).toBe(false);
    expect(contrast.lowest).toBeGreaterThanOrEqual(4.5);
    await picker.screenshot({ path: shotPath('ru-choose') });
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('keyboard only: focus on the first usable certificate, arrows move, Enter goes to the PIN, Enter signs in; the tree has roles and short names', async () => {
    plugOnly(pki, [WORK]);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await expect.poll(() => picker.evaluate(() => document.activeElement?.getAttribute('data-certificate-id') ?? null)).not.toBeNull();
    const focused = () => picker.evaluate(() => document.activeElement?.getAttribute('data-thumbprint') ?? document.activeElement?.id ?? '');
    expect(await focused()).toBe(thumbprint('director'));
    const tree = await picker.locator('main').ariaSnapshot();
    expect(tree).toContain('- listbox "Выберите сертификат"');
    const options = tree.split('\n').filter((line) => line.trim().startsWith('- option'));
    expect(options).toHaveLength(3);
    for (const option of options) {
      expect(option).toContain('Смирнова Елена Викторовна');
      expect(option).toContain('действует до');
      expect(option.length).toBeLessThan(220);
    }
    await picker.keyboard.press('ArrowDown');
    expect(await focused()).toBe(thumbprint('soon'));
    expect(await card(picker, 'soon').getAttribute('aria-selected')).toBe('true');
    // The last certificate, chosen by the keyboard, is scrolled wholly into the clear part of the
    // window: it once stopped under the PIN form, its dates and "expires in 1 day" hidden.
    await picker.keyboard.press('ArrowDown');
    expect(await focused()).toBe(thumbprint('oneday'));
    expect(await picker.evaluate(focusedInClearViewProbe)).toMatchObject({ clear: true });
    await picker.keyboard.press('ArrowUp');
    await picker.keyboard.press('ArrowUp');
    expect(await focused()).toBe(thumbprint('director'));
    // Back at the first certificate, the site's name above the list is in view again.
    expect(await picker.evaluate(chosenProbe)).toMatchObject({ scrollY: 0, siteInView: true, chosenInSight: true });
    expect(await picker.evaluate(focusedInClearViewProbe)).toMatchObject({ clear: true });
    await picker.keyboard.press('Enter');
    expect(await focused()).toBe('pin');
    await picker.keyboard.type(WORK_PIN);
    // Enter submits; the window may close before the press returns.
    await picker.keyboard.press('Enter').catch((error: unknown) => {
      if (!picker.isClosed()) throw error;
    });
    const result = await outcome();
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.result.certificate).toBe(readFileSync(pki.certs.director!.certDer).toString('base64'));
  });

  it('a click on a certificate goes on to the PIN without moving the window; a card half under the PIN form comes wholly into view; the PIN field looks disabled until then', async () => {
    plugOnly(pki, [WORK]);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await card(picker, 'oneday').waitFor();
    await chooseWithTheMouse(
      {
        evaluate: picker.evaluate.bind(picker),
        click: (x, y) => picker.mouse.click(x, y),
        type: (text) => picker.keyboard.type(text),
        pressEnter: () =>
          picker.keyboard.press('Enter').catch((error: unknown) => {
            if (!picker.isClosed()) throw error;
          }),
        waitFor: (selector) => picker.locator(selector).waitFor(),
        wheelToTop: () => wheelToTop(picker),
      },
      [thumbprint('director'), thumbprint('soon'), thumbprint('oneday')],
      WORK_PIN,
    );
    expect(await outcome()).toMatchObject({ ok: true });
  });

  it('a chosen certificate scrolled under the PIN form shows no edge or ring beside the form', async () => {
    plugOnly(pki, [WORK]);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await card(picker, 'oneday').click();
    expect(await wheelToTop(picker)).toBe(0);
    const gutter = await picker.evaluate(gutterBesideFormProbe);
    // The case: the chosen card's lower part lies under the sticky form; its ring once showed on both
    // sides of the form and the buttons, as if they were part of that certificate.
    expect(gutter.underForm).toBe(true);
    const shot = await (await chrome.context.newCDPSession(picker)).send('Page.captureScreenshot', { format: 'png' });
    writeFileSync(shotPath('ru-chosen-under-form'), Buffer.from(shot.data, 'base64'));
    const background = await picker.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(255, 255, 255)');
    expect(await page.evaluate(pngPixels, { png: shot.data, points: gutter.points })).toEqual([[255, 255, 255], [255, 255, 255]]);
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('keeps the typed PIN and the focus when a token is plugged in, and says so when pulling the token drops the choice', async () => {
    plugOnly(pki, [WORK]);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await card(picker, 'director').click();
    await picker.keyboard.type('1234');
    pki.replug(OLD);
    await card(picker, 'old').waitFor({ timeout: 10_000 });
    expect(await picker.inputValue('[data-testid=pin]')).toBe('1234');
    expect(await picker.evaluate(() => document.activeElement?.id)).toBe('pin');
    pki.unplug(WORK);
    const error = picker.locator('[data-testid=error]');
    await expect.poll(() => error.getAttribute('data-code'), { timeout: 10_000 }).toBe('TOKEN_PULLED');
    expect(await error.textContent()).toBe(ru.tokenPulled!.message);
    expect(await picker.inputValue('[data-testid=pin]')).toBe('');
    await expect.poll(() => picker.textContent('[data-testid=live]')).not.toBe('');
    // Only the expired certificate is left: that is the state, and what the page learns.
    await picker.locator('[data-testid=state][data-state=expired]').waitFor();
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'CERTIFICATE_EXPIRED' });
  });

  it('a certificate taken off the token between two logins leaves the next window once the token is read again', async () => {
    // The next window may show the token's certificates as last read (the token is the same one),
    // and reads the token again once it has drawn.
    await workTokenReadOnce();
    pki.moveCertificate('oneday', null);
    try {
      await startAuthenticate();
      const picker = await findPickerPage(chrome.context);
      await card(picker, 'director').waitFor();
      await expect.poll(() => card(picker, 'oneday').count(), { timeout: 5_000 }).toBe(0);
      expect(await picker.locator('[data-testid=cert]').count()).toBe(2);
      await card(picker, 'director').click();
      await picker.fill('[data-testid=pin]', WORK_PIN);
      await clickClosing(picker, '[data-testid=confirm]');
      expect(await outcome()).toMatchObject({ ok: true });
    } finally {
      pki.moveCertificate('oneday', WORK);
    }
  });

  it('a token read again with the same certificates leaves the cards alone (a click or a screen reader on one is not lost)', async () => {
    // Counts, from the window's first moment, the cards taken out of the list.
    await chrome.context.addInitScript(() => {
      if (!location.pathname.startsWith('/picker/')) return;
      const w = window as unknown as { __cardsRemoved: number };
      w.__cardsRemoved = 0;
      document.addEventListener('DOMContentLoaded', () => {
        new MutationObserver((records) => {
          for (const r of records) w.__cardsRemoved += [...r.removedNodes].filter((n) => (n as HTMLElement).dataset?.testid === 'cert').length;
        }).observe(document.getElementById('certs')!, { childList: true });
      });
    });
    await workTokenReadOnce();
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    await card(picker, 'oneday').waitFor();
    // The token is read again 0.1 s after the window connected; well past that:
    await picker.waitForTimeout(1_000);
    expect(await picker.evaluate(() => (window as unknown as { __cardsRemoved?: number }).__cardsRemoved)).toBe(0);
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it.each([
    { tokens: [], state: 'no-token', code: 'NO_TOKEN', says: ru.stateNoTokenText!.message },
    { tokens: [OLD], state: 'expired', code: 'CERTIFICATE_EXPIRED', says: ru.stateExpiredText!.message },
    { tokens: [LOCKED], state: 'pin-locked', code: 'PIN_LOCKED', says: ru.unlockAdvice!.message },
    { tokens: [EMPTY], state: 'no-certificates', code: 'NO_CERTIFICATES', says: ru.stateNoCertificatesText!.message },
  ])('$state: one message in the window, $code to the page', async ({ tokens, state, code, says }) => {
    plugOnly(pki, tokens);
    await startAuthenticate();
    const picker = await findPickerPage(chrome.context);
    const section = picker.locator(`[data-testid=state][data-state=${state}]`);
    await section.waitFor({ timeout: 10_000 });
    expect(await section.textContent()).toContain(says);
    // One message: no "choose a certificate", no PIN form, no error line beside it.
    expect(await picker.locator('#pin-form').isHidden()).toBe(true);
    expect(await picker.locator('[data-testid=error]').isHidden()).toBe(true);
    expect(await picker.locator('[data-testid=confirm]').isHidden()).toBe(true);
    expect(await picker.evaluate(() => document.activeElement?.id)).toBe('state');
    await picker.screenshot({ path: shotPath(`ru-${state}`) });
    await clickClosing(picker, '[data-testid=cancel]');
    expect(await outcome()).toMatchObject({ ok: false, code });
  });

  it('the popup with no token in says to insert one, and nothing about certificates', async () => {
    plugOnly(pki, []);
    const popup = await chrome.context.newPage();
    await popup.goto(`chrome-extension://${chrome.extensionId}/popup/index.html`);
    await popup.locator('#tokens-section').waitFor({ timeout: 10_000 });
    expect(await popup.textContent('#tokens')).toBe(ru.stateNoTokenTitle!.message);
    // It once said beside it that the connected tokens hold no certificates.
    expect(await popup.locator('#certs-section').isHidden()).toBe(true);
    await popup.close();
  });

  it('the popup gives the same unlock advice for the locked token, under a short title and in plain text', async () => {
    plugOnly(pki, [LOCKED]);
    const popup = await chrome.context.newPage();
    await popup.goto(`chrome-extension://${chrome.extensionId}/popup/index.html`);
    await expect.poll(() => popup.locator('[data-testid=token-pin]').textContent().catch(() => ''), { timeout: 10_000 }).toContain(ru.unlockAdvice!.message);
    expect(await popup.textContent('[data-testid=token-pin]')).toBe(ru.statePinLockedTitle!.message + ru.unlockAdvice!.message);
    // The advice, six lines in the popup, once came all in bold red.
    const advice = await popup.locator('[data-testid=token-pin] >> text=' + ru.unlockAdvice!.message.slice(0, 30)).evaluate((e) => ({ weight: getComputedStyle(e).fontWeight, color: getComputedStyle(e).color, body: getComputedStyle(document.body).color }));
    expect(Number(advice.weight)).toBeLessThan(600);
    expect(advice.color).toBe(advice.body);
    await popup.locator('main').screenshot({ path: shotPath('ru-popup-pin-locked') });
    await popup.close();
  });

  it.each(SITE_CASES)('names $host by its registrable domain $domain', async ({ host, domain, rest, other, deceptive }) => {
    plugOnly(pki, [WORK]);
    const tab = await chrome.context.newPage();
    await tab.goto(named.urlFor(host));
    await startAuthenticate(tab);
    const picker = await findPickerPage(chrome.context);
    expect(await picker.textContent('[data-testid=site-domain]')).toBe(domain);
    const restLocator = picker.locator('[data-testid=site-subdomain]');
    const restShown = (await restLocator.count()) > 0 ? await restLocator.textContent() : null;
    expect(restShown).toBe(rest);
    const style = await picker.evaluate(() => {
      const pick = (s: string) => document.querySelector(s);
      const size = (s: string) => parseFloat(getComputedStyle(pick(s) ?? document.body).fontSize);
      return { domain: size('[data-testid=site-domain]'), rest: size('#origin .muted'), restClass: pick('#origin span')?.className ?? '' };
    });
    expect(style.domain).toBeGreaterThan(style.rest);
    expect(style.restClass).toBe('muted');
    const otherLine = picker.locator('[data-testid=origin-other]');
    if (other === null) expect(await otherLine.isHidden()).toBe(true);
    else expect(await otherLine.textContent()).toContain(other);
    expect(await picker.getAttribute('[data-testid=origin]', 'data-deceptive')).toBe(String(deceptive));
    await picker.screenshot({ path: shotPath(`ru-site-${domain}`) });
    await picker.close();
    expect(await outcome(tab)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    await tab.close();
  });

  it('at 200 % zoom the window grows, the site and a certificate are in view, and the long organization name wraps between words', async () => {
    plugOnly(pki, [WORK]);
    await setExtensionZoom(2);
    try {
      await startAuthenticate();
      const picker = await findPickerPage(chrome.context);
      await card(picker, 'director').waitFor();
      await expect.poll(() => picker.evaluate(() => window.outerWidth), { timeout: 10_000 }).toBeGreaterThan(700);
      const view = await picker.evaluate(zoomedViewProbe, LONG_ORG);
      expect(view.ratio).toBeGreaterThanOrEqual(2);
      expect(view).toMatchObject({ siteInView: true, ownerInView: true, split: 0, overflow: false });
      expect(view.lines).toBeGreaterThan(1);
      // Playwright's own screenshot of a zoomed page without an emulated viewport is the top left
      // quarter of it; the browser's capture is the whole window.
      const shot = await (await chrome.context.newCDPSession(picker)).send('Page.captureScreenshot', { format: 'png' });
      writeFileSync(shotPath('ru-zoom-200'), Buffer.from(shot.data, 'base64'));
      // Here the PIN form follows the list: chosen with a click, the certificate's PIN field comes
      // into view above the bottom bar, and stays there while the PIN is typed.
      const first = await picker.evaluate(cardClickProbe, thumbprint('director'));
      await picker.mouse.click(first.x, first.y);
      await picker.evaluate(scrollAtRest);
      expect(await picker.evaluate(chosenProbe)).toMatchObject({ focused: 'pin', fieldInSight: true });
      await picker.keyboard.type('1234');
      await picker.evaluate(scrollAtRest);
      expect(await picker.evaluate(chosenProbe)).toMatchObject({ focused: 'pin', fieldInSight: true });
      await picker.close();
      expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    } finally {
      await setExtensionZoom(1);
    }
  });
});

/** A style sheet served from 127.0.0.1 only once the test lets it go (nothing else is served). */
type HeldStyleSheet = { url: string; asked: Promise<void>; served: () => boolean; release: () => void; close: () => Promise<void> };

async function startHeldStyleSheet(css: string): Promise<HeldStyleSheet> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let asked!: () => void;
  const askedFor = new Promise<void>((resolve) => (asked = resolve));
  let served = false;
  const server = createServer((request, response) => {
    if (request.url !== '/held.css') return void response.writeHead(404).end();
    asked();
    void released.then(() => {
      served = true;
      response.writeHead(200, { 'content-type': 'text/css' }).end(css);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/held.css`,
    asked: askedFor,
    served: () => served,
    release,
    close: () => {
      release();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface EditedWindow {
  /** The window's page, edited. */
  edit: (html: string) => string;
  /** Files added next to the window's page. */
  files?: Record<string, string>;
}

/**
 * A copy of the built extension whose window page is edited (and `files` added beside it), in its own
 * browser with only the Work token in and the site's tab open; `run` starts what it needs. Cleans
 * everything up after.
 */
async function withEditedWindow({ edit, files = {} }: EditedWindow, run: (copy: ChromiumWithExtension, tab: Page) => Promise<void>): Promise<void> {
  const dir = editedExtensionCopy(CHROME_EXTENSION_DIR, edit, files);
  try {
    const copy = await launchChromiumWithExtension({ extensionDir: dir, hostEnv: pki.env, language: 'ru' });
    try {
      plugOnly(pki, [WORK]);
      const tab = await copy.context.newPage();
      await tab.goto(site.url);
      await run(copy, tab);
    } finally {
      await copy.close();
    }
  } finally {
    removeDir(dir);
  }
}

interface HeldWindow {
  /** The window's page, given the held sheet's address. */
  edit: (html: string, heldUrl: string) => string;
  /** Files added next to the window's page. */
  files?: Record<string, string>;
  /** What the held sheet serves once released. */
  css?: string;
  /** Starts the request on the site's tab (default: a sign-in). */
  start?: (tab: Page) => Promise<void>;
}

/**
 * An edited window (withEditedWindow) that also loads a style sheet the test holds back (`held.url`);
 * the request is started on the Work token and `run` is called once the window has asked for the sheet.
 */
async function withHeldStyleSheet(
  { edit, files, css = 'main { outline: 0; }', start = startAuthenticate }: HeldWindow,
  run: (copy: ChromiumWithExtension, tab: Page, held: HeldStyleSheet) => Promise<void>,
): Promise<void> {
  const held = await startHeldStyleSheet(css);
  try {
    await withEditedWindow({ edit: (html) => edit(html, held.url), files }, async (copy, tab) => {
      await start(tab);
      await held.asked;
      await run(copy, tab, held);
    });
  } finally {
    await held.close();
  }
}

describe('picker window while its page loads (ru)', () => {
  it('shows the site with the certificates the background already has, with no frame of the site alone before them; a background slow to answer still has the site shown', async () => {
    // The window's frames are recorded by a script added to its page (FRAME_RECORDER), which also has
    // the background's messages reach the window 40 ms late (a mock of a busy browser: the real delay
    // varies from run to run). Before, the window drew the site and "connecting" in its first frame,
    // just before the background's first view came with the list, and drew the list one frame later
    // (here always: the view comes 40 ms late); now its content waits for that view.
    const edit = (html: string): string => html.replace('</head>', '<script src="./frames.js"></script></head>');
    await withEditedWindow({ edit, files: { 'frames.js': FRAME_RECORDER } }, async (copy, tab) => {
      const open = async (): Promise<RecordedWindow> => {
        await startAuthenticate(tab);
        const picker = await findPickerPage(copy.context);
        return {
          evaluate: (fn) => picker.evaluate(fn),
          waitFor: (selector) => picker.locator(selector).waitFor(),
          waitUntil: async (fn) => void (await picker.waitForFunction(fn)),
          close: () => picker.close(),
        };
      };
      await firstFramesScenario(open, () => outcome(tab), cardSelector('director'));
    });
  });

  it('asks for the certificates before its style sheet has come, and shows them once it has', async () => {
    // A copy of the extension whose window also loads a style sheet the test holds back. Before the
    // window's script was async, it waited for every style sheet before it ran: no list until the
    // sheet came. Now it runs on arrival, so the background's view travels while the page loads.
    const edit = (html: string, heldUrl: string): string => html.replace('</head>', `<link rel="stylesheet" href="${heldUrl}" /></head>`);
    await withHeldStyleSheet({ edit }, async (copy, tab, held) => {
      // Polled from here: a window held by its style sheet draws no frame, so nothing in it waits on one.
      const seen = { cards: 0, state: '' };
      await eventually(async () => {
        const picker = copy.context.pages().find((p) => isPickerUrl(p.url()));
        if (picker) Object.assign(seen, await picker.evaluate(() => ({ cards: document.querySelectorAll('[data-testid=cert]').length, state: document.querySelector('[data-testid=state]')?.getAttribute('data-state') ?? '' })));
        return seen.cards > 0;
      });
      expect(seen).toEqual({ cards: 3, state: 'choose' });
      expect(held.served()).toBe(false);
      const picker = await findPickerPage(copy.context);
      held.release();
      await card(picker, 'director').waitFor();
      await picker.close();
      expect(await outcome(tab)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    });
  });

  it('runs before the page is parsed, keeps what the background said until then, and the person signs in', async () => {
    // The async script may also run while the page is still being parsed (a cached script, a slow
    // page). To make that certain, this copy loads it from the head and holds the parser at the top
    // of the body: a plain script there waits for the held style sheet before it runs, and the parser
    // with it, while the async script does not wait. The window's parts are not in the page yet when
    // the background's view comes; the window must keep that view and show it once the page is parsed.
    // Failed when the window's code ran at once (its parts missing) or dropped what came early.
    const edit = (html: string, heldUrl: string): string =>
      html
        .replace('<script async src="./picker.js"></script>', '')
        .replace('</head>', `<link rel="stylesheet" href="${heldUrl}" /><script async src="./picker.js"></script></head>`)
        .replace('<body>', '<body><script src="./hold-parser.js"></script>');
    const files = { 'hold-parser.js': '// Runs, and lets the parser go on, once the held style sheet has come.\n' };
    await withHeldStyleSheet({ edit, files }, async (copy, tab, held) => {
      let picker: Page | undefined;
      expect(await eventually(() => (picker = copy.context.pages().find((p) => isPickerUrl(p.url()))) !== undefined), 'the window opened').toBe(true);
      // The parser waits at the top of the body: none of the window's parts is in the page yet.
      const before = await picker!.evaluate(() => ({ readyState: document.readyState, partsInPage: document.getElementById('certs') !== null }));
      expect(before).toEqual({ readyState: 'loading', partsInPage: false });
      // Long enough for the background's first view to reach the waiting window.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(held.served()).toBe(false);
      held.release();
      picker = await findPickerPage(copy.context);
      await card(picker, 'director').click();
      expect(await picker.locator('[data-testid=cert]').count()).toBe(3);
      await picker.fill('[data-testid=pin]', WORK_PIN);
      await clickClosing(picker, '[data-testid=confirm]');
      expect(await outcome(tab)).toMatchObject({ ok: true });
    });
  });

  it('a long text to sign: the text has the focus, the site stays in view, and Sign waits until the end of the text was on screen, even when the text came before the style sheet', async () => {
    // The window's own style sheet is the held one here: the script runs (async) and the view with the
    // text comes while the page is still unstyled, the text box not yet a scrolling box. The window
    // once took the unstyled box, which showed all of its text, for text seen: Sign was enabled
    // before the person could see the end (a full suite run caught it, 2026-12-06).
    const start = (tab: Page): Promise<void> => startSign(tab, LONG_TEXT);
    // The built page links its hashed style sheet from /assets/; the held sheet serves the same text.
    const sheet = /<link rel="stylesheet"[^>]* href="(\/assets\/[^"]+\.css)"/.exec(readFileSync(join(CHROME_EXTENSION_DIR, 'picker', 'index.html'), 'utf8'))![1]!;
    const css = readFileSync(join(CHROME_EXTENSION_DIR, sheet), 'utf8');
    const edit = (html: string, heldUrl: string): string => html.replace(`href="${sheet}"`, `href="${heldUrl}"`);
    await withHeldStyleSheet({ edit, css, start }, async (copy, tab, held) => {
      const textInPage = async (): Promise<boolean> => {
        const picker = copy.context.pages().find((p) => isPickerUrl(p.url()));
        return picker !== undefined && (await picker.evaluate(() => (document.querySelector('[data-testid=signed-content-text]')?.textContent ?? '').endsWith('КОНЕЦ')));
      };
      expect(await eventually(textInPage), 'the text is in the unstyled page').toBe(true);
      expect(held.served()).toBe(false);
      held.release();
      const picker = await findPickerPage(copy.context);
      await card(picker, 'director').waitFor();
      // The text to sign has the focus, and the site's name is still in view (focusing the first
      // certificate, below the text, once scrolled it out of view).
      await expect.poll(() => picker.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('signed-content-text');
      expect(await picker.evaluate(() => document.querySelector('[data-testid=origin]')!.getBoundingClientRect().top)).toBeGreaterThanOrEqual(0);
      await card(picker, 'director').click();
      await picker.fill('[data-testid=pin]', WORK_PIN);
      // Chosen and PIN typed: only the unseen end of the text holds Sign back. The PIN form stays below
      // the list until the text is read, so typing scrolled the window: the person scrolls back up.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await picker.isDisabled('[data-testid=confirm]')).toBe(true);
      await picker.evaluate(() => window.scrollTo({ top: 0 }));
      await picker.locator('[data-testid=signed-content-text]').evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
      await picker.waitForSelector('[data-testid=confirm]:not([disabled])');
      await clickClosing(picker, '[data-testid=confirm]');
      expect(await outcome(tab)).toMatchObject({ ok: true });
    });
  });
});

describe('picker window without its software (ru)', () => {
  it('host missing, then no token driver: each said in the window in plain words, HOST_UNAVAILABLE and NO_MODULE to the page', async () => {
    const bare = await launchChromiumWithExtension({ noHost: true, language: 'ru' });
    try {
      const tab = await bare.context.newPage();
      await tab.goto(site.url);
      await startAuthenticate(tab);
      let picker = await findPickerPage(bare.context);
      await picker.locator('[data-testid=state][data-state=host-missing]').waitFor();
      const text = (await picker.textContent('[data-testid=state]')) ?? '';
      expect(text).toContain(DOWNLOAD_URL);
      expect(text).not.toMatch(/native|messaging|host|Error/i);
      await picker.screenshot({ path: shotPath('ru-host-missing') });
      await picker.close();
      expect(await outcome(tab)).toMatchObject({ ok: false, code: 'HOST_UNAVAILABLE' });

      const launcher = writeHostLauncher(`${bare.userDataDir}/host`, { env: { TOKENSIGN_PKCS11_MODULES: '/nonexistent/libtoken-driver.so' } });
      writeChromiumHostManifest(bare.userDataDir, launcher);
      await startAuthenticate(tab);
      picker = await findPickerPage(bare.context);
      await picker.locator('[data-testid=state][data-state=no-module]').waitFor({ timeout: 10_000 });
      expect(await picker.textContent('[data-testid=state]')).toContain(ru.stateNoModuleText!.message);
      await picker.screenshot({ path: shotPath('ru-no-module') });
      await picker.close();
      expect(await outcome(tab)).toMatchObject({ ok: false, code: 'NO_MODULE' });
      // The popup says the same, and not also "insert a token" (which it once did under it).
      const popup = await bare.context.newPage();
      await popup.goto(`chrome-extension://${bare.extensionId}/popup/index.html`);
      await popup.locator('[data-testid=no-module]').waitFor({ timeout: 10_000 });
      expect(await popup.textContent('[data-testid=host-status]')).toContain(ru.stateNoModuleText!.message);
      expect(await popup.locator('#tokens-section').isHidden()).toBe(true);
      expect(await popup.locator('#certs-section').isHidden()).toBe(true);
      await popup.close();
    } finally {
      await bare.close();
    }
  });
});

describe('picker window in English', () => {
  it('says each state in English with English plurals; screenshots of the main states', async () => {
    const en = await launchChromiumWithExtension({ noHost: true, language: 'en' });
    try {
      const tab = await en.context.newPage();
      await tab.goto(site.url);
      const shoot = async (state: string, tokens: string[] | null): Promise<Page> => {
        if (tokens) plugOnly(pki, tokens);
        await startAuthenticate(tab);
        const picker = await findPickerPage(en.context);
        if (state === 'choose') await card(picker, 'oneday').waitFor();
        else await picker.locator(`[data-testid=state][data-state=${state}]`).waitFor({ timeout: 10_000 });
        await picker.screenshot({ path: shotPath(`en-${state}`) });
        return picker;
      };
      let picker = await shoot('host-missing', null);
      expect(await picker.textContent('[data-testid=state-title]')).toBe('The Tokensign program is not installed');
      await picker.close();
      expect(await outcome(tab)).toMatchObject({ ok: false, code: 'HOST_UNAVAILABLE' });
      writeChromiumHostManifest(en.userDataDir, writeHostLauncher(`${en.userDataDir}/host`, { env: pki.env }));
      for (const [state, tokens, title] of [['no-token', [], 'Insert your token'], ['pin-locked', [LOCKED], "The token's PIN is locked"], ['expired', [OLD], 'Your certificates have expired']] as const) {
        picker = await shoot(state, [...tokens]);
        expect(await picker.textContent('[data-testid=state-title]')).toBe(title);
        await picker.close();
        await outcome(tab);
      }
      picker = await shoot('choose', [WORK]);
      expect(await card(picker, 'oneday').locator('[data-testid=cert-warning]').textContent()).toBe('Expires in 1 day');
      expect(await card(picker, 'soon').locator('[data-testid=cert-warning]').textContent()).toMatch(/^Expires in 1[12] days$/);
      expect(await picker.textContent('[data-testid=confirm]')).toBe('Sign in');
      await picker.close();
      expect(await outcome(tab)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    } finally {
      await en.close();
    }
  });
});

describe('picker window on other screens (ru)', () => {
  // Two screens side by side: a laptop's, 1366 wide with 680 pixels left by its taskbar, and a
  // 1920×1080 one to its right. Each test puts the site's window on one of them; Chromium opens the
  // Tokensign window beside it.
  const LAPTOP = { left: 0, width: 1366, height: 680 };
  const RIGHT = { left: 1366, width: 1920, height: 1080 };
  let screens: ChromiumWithExtension;
  let tab: Page;

  beforeAll(async () => {
    screens = await launchChromiumWithExtension({
      hostEnv: pki.env,
      language: 'ru',
      screens: `{${LAPTOP.left},0 ${LAPTOP.width}x${LAPTOP.height}}{${RIGHT.left},0 ${RIGHT.width}x${RIGHT.height}}`,
    });
    tab = await screens.context.newPage();
    await tab.goto(site.url);
  }, 60_000);

  afterAll(async () => {
    await screens?.close();
  });

  /** Moves the site's window (the only normal one) to `left`, through the extension's windows API. */
  async function moveSiteWindow(left: number): Promise<void> {
    const worker = screens.context.serviceWorkers()[0]!;
    await worker.evaluate(`(async () => {
      const [site] = await chrome.windows.getAll({ windowTypes: ['normal'] });
      await chrome.windows.update(site.id, { left: ${left}, top: 20, width: 1000, height: 600, focused: true });
    })()`);
  }

  it('on a short screen, Sign waits until the end of the text is uncovered, not only scrolled into its box', async () => {
    // In a 680-pixel window the text box's last line, scrolled into its box, sits under the window's
    // bottom bar (Cancel, Sign): on screen, but hidden. It once counted as seen there.
    await moveSiteWindow(LAPTOP.left + 20);
    plugOnly(pki, [WORK]);
    await startSign(tab, LONG_TEXT);
    const picker = await findPickerPage(screens.context);
    await card(picker, 'director').waitFor();
    expect(await picker.evaluate(() => innerHeight)).toBeLessThanOrEqual(LAPTOP.height);
    // The person chooses a certificate and types the PIN (the window scrolls down to them), scrolls
    // back up and drags the text's scroll bar to its end.
    await card(picker, 'director').click();
    await picker.fill('[data-testid=pin]', WORK_PIN);
    expect(await wheelToTop(picker)).toBe(0);
    await picker.locator('[data-testid=signed-content-text]').evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
    const under = await picker.evaluate(textEndProbe);
    expect(under, 'the end of the text is on screen, under the bottom bar').toEqual({ onScreen: true, coveredBy: 'buttons' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await picker.isDisabled('[data-testid=confirm]')).toBe(true);
    // A turn of the wheel over the site's name scrolls the window: the last line comes out from under the bar.
    const origin = (await picker.locator('[data-testid=origin]').boundingBox())!;
    await picker.mouse.move(origin.x + 5, origin.y + 5);
    await picker.mouse.wheel(0, 150);
    await picker.waitForSelector('[data-testid=confirm]:not([disabled])');
    await picker.screenshot({ path: shotPath('ru-short-screen-text-read') });
    await clickClosing(picker, '[data-testid=confirm]');
    expect(await outcome(tab)).toMatchObject({ ok: true });
  });

  it('opened on the second screen, the window grows there instead of moving onto the first', async () => {
    await moveSiteWindow(RIGHT.left + 200);
    plugOnly(pki, [WORK]);
    await startAuthenticate(tab);
    const picker = await findPickerPage(screens.context);
    await card(picker, 'director').waitFor();
    // Three certificates need more than the window's first 720 pixels: it grows to its content.
    await expect.poll(() => picker.evaluate(() => window.outerHeight), { timeout: 10_000 }).toBeGreaterThan(720);
    const place = await picker.evaluate(() => {
      const area = screen as Screen & { availLeft: number };
      return { screenLeft: area.availLeft, left: window.screenX, right: window.screenX + window.outerWidth, bottom: window.screenY + window.outerHeight };
    });
    expect(place.screenLeft).toBe(RIGHT.left);
    expect(place.left).toBeGreaterThanOrEqual(RIGHT.left);
    expect(place.right).toBeLessThanOrEqual(RIGHT.left + RIGHT.width);
    expect(place.bottom).toBeLessThanOrEqual(RIGHT.height);
    await picker.close();
    expect(await outcome(tab)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });
});
