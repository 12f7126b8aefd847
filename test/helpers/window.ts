// Shared by the picker-window tests (Chromium and Firefox): the emulated tokens for every window
// state, a PIN locked before the window opens, in-page probes (text sizes, contrast, what is in sight),
// and the mouse scenario both browsers run (chooseWithTheMouse).
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { createGostPki, type GostCertSpec, type GostPki, type TestTokenSpec } from '../fixtures/gost';
import { PROJECT_ROOT } from './browser';

/** Screenshots for a person to look at (gitignored). */
export const SHOTS_DIR = join(PROJECT_ROOT, 'demo-output', 'window');

export const WORK = 'Work token';
export const OLD = 'Old token';
export const LOCKED = 'Locked token';
export const EMPTY = 'Empty token';
export const WORK_PIN = '12345678';
export const LONG_ORG = 'Городская клиническая больница имени Сергея Сергеевича Юдина ДЗМ';

const PERSON = '/CN=Смирнова Елена Викторовна/SN=Смирнова/GN=Елена Викторовна/title=Генеральный директор';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/**
 * Hosts the window must name as the browsers' address bars do, in both browsers' tests: the
 * registrable domain shown, the rest of the host muted, and an IDN's other form (punycode beside
 * Unicode, or the Unicode a lookalike held back) with `deceptive` for the latter.
 */
export const SITE_CASES = [
  { host: 'gosuslugi-ru.esia-login.example', domain: 'esia-login.example', rest: 'gosuslugi-ru.', other: null, deceptive: false },
  { host: 'esia.gosuslugi.ru.vhod.example', domain: 'vhod.example', rest: 'esia.gosuslugi.ru.', other: null, deceptive: false },
  // A fully qualified name (final dot) is the same site to DNS but another origin to the browser: shown as the browser has it.
  { host: 'esia.gosuslugi.ru.', domain: 'gosuslugi.ru.', rest: 'esia.', other: null, deceptive: false },
  { host: 'честныйзнак.рф', domain: 'честныйзнак.рф', rest: null, other: 'xn--80ajghhoc2aj1c8b.xn--p1ai', deceptive: false },
  { host: 'аррӏе.com', domain: 'xn--80ak6aa92e.com', rest: null, other: 'аррӏе.com', deceptive: true },
] as const;

/** Work: three certificates of one person (until 2030, 12 days, 1 day); Old: expired; Locked: valid, PIN locked; Empty: no certificate. */
export function createWindowPki(): GostPki {
  const certs: GostCertSpec[] = [
    { name: 'director', token: WORK, key: 'p256', id: 'c1', label: 'Director', subject: `${PERSON}/O=${LONG_ORG}/C=RU`, startDate: '20240101000000Z', endDate: '20301231000000Z' },
    { name: 'soon', token: WORK, key: 'p256', id: 'c2', label: 'Director soon', subject: `${PERSON}/O=АО "Северный ветер"/C=RU`, startDate: '20240101000000Z', endDate: inDays(12.5) },
    { name: 'oneday', token: WORK, key: 'p256', id: 'c3', label: 'Director one day', subject: `${PERSON}/O=АО "Северный ветер"/C=RU`, startDate: '20240101000000Z', endDate: inDays(1.5) },
    { name: 'old', token: OLD, key: 'p256', id: 'd1', label: 'Old', subject: `${PERSON}/O=АО "Северный ветер"/C=RU`, startDate: '20200101000000Z', endDate: '20240101000000Z' },
    { name: 'lockedcert', token: LOCKED, key: 'p256', id: 'e1', label: 'Locked', subject: `${PERSON}/O=АО "Северный ветер"/C=RU` },
  ];
  const tokens: TestTokenSpec[] = [
    { label: WORK, serial: 'TW00000001', pin: WORK_PIN, maxPinTries: 10 },
    { label: OLD, serial: 'TW00000002', pin: '11111111', maxPinTries: 10, present: false },
    { label: LOCKED, serial: 'TW00000003', pin: '22222222', maxPinTries: 3, present: false },
    { label: EMPTY, serial: 'TW00000004', pin: '33333333', maxPinTries: 10, present: false },
  ];
  const pki = createGostPki({ certs, tokens });
  // The Locked token's PIN was locked before any window opened (the token keeps this state itself).
  writeFileSync(`${pki.configPath}.state.json`, JSON.stringify({ TW00000003: { failures: 3, locked: true } }));
  return pki;
}

/** Exactly these tokens in their readers. */
export function plugOnly(pki: GostPki, labels: string[]): void {
  for (const token of pki.tokens) {
    if (labels.includes(token.label)) pki.replug(token.label);
    else pki.unplug(token.label);
  }
}

export function shotPath(name: string): string {
  mkdirSync(SHOTS_DIR, { recursive: true });
  return join(SHOTS_DIR, `${name}.png`);
}

/** In the page: the body's font size, the owner line's, and the largest of any other text in the list and form. */
export function textSizesProbe(): { body: number; owner: number; largestOther: number } {
  const px = (el: Element): number => parseFloat(getComputedStyle(el).fontSize);
  const owner = document.querySelector('[data-testid=cert-owner]');
  let largestOther = 0;
  for (const el of document.querySelectorAll('#certs *, form *, .state *')) {
    if (el.closest('[data-testid=cert-owner]') || !(el as HTMLElement).innerText?.trim()) continue;
    largestOther = Math.max(largestOther, px(el));
  }
  return { body: px(document.body), owner: owner ? px(owner) : 0, largestOther };
}

/** In the page: the lowest contrast ratio of the given elements' text against their backgrounds, and any opacity below 1 above them. */
export function contrastProbe(selectors: string[]): { lowest: number; faded: boolean } {
  const rgb = (value: string): number[] => (value.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 4).map(Number);
  const lum = ([r, g, b]: number[]): number => {
    const c = [r!, g!, b!].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
  };
  const background = (el: Element | null): number[] => {
    for (let node = el; node; node = node.parentElement) {
      const value = rgb(getComputedStyle(node).backgroundColor);
      if (value.length < 4 || value[3]! > 0) return value;
    }
    return [255, 255, 255];
  };
  let lowest = Infinity;
  let faded = false;
  for (const el of selectors.flatMap((s) => [...document.querySelectorAll(s)])) {
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    lowest = Math.min(lowest, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
    for (let node: Element | null = el; node; node = node.parentElement) if (parseFloat(getComputedStyle(node).opacity) < 1) faded = true;
  }
  return { lowest, faded };
}

/**
 * In the page at its zoom: the zoom it renders at, whether the site's name and the first certificate's
 * owner line are in view, and how the organization `org` wraps (lines, words split across lines,
 * sideways overflow).
 */
export function zoomedViewProbe(org: string): { ratio: number; siteInView: boolean; ownerInView: boolean; lines: number; split: number; overflow: boolean } {
  const owner = document.querySelector('[data-testid=cert-owner]')!.getBoundingClientRect();
  const site = document.querySelector('[data-testid=origin]')!.getBoundingClientRect();
  const dd = [...document.querySelectorAll('.cert dd')].find((e) => e.textContent === org)!;
  const text = dd.firstChild!;
  let offset = 0;
  let split = 0;
  for (const word of org.split(' ')) {
    const range = document.createRange();
    range.setStart(text, offset);
    range.setEnd(text, offset + word.length);
    if (range.getClientRects().length > 1) split++;
    offset += word.length + 1;
  }
  return {
    ratio: window.devicePixelRatio,
    siteInView: site.top >= 0 && site.bottom <= window.innerHeight,
    ownerInView: owner.top >= 0 && owner.bottom <= window.innerHeight,
    lines: Math.round(dd.getBoundingClientRect().height / parseFloat(getComputedStyle(dd).lineHeight)),
    split,
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  };
}

/** A text to sign far longer than its box, shared by the Chromium and Firefox tests: 81 lines, the last one ending in КОНЕЦ. */
export const LONG_TEXT = `Платёжное поручение${'\n'.repeat(80)}${'x'.repeat(2500)} КОНЕЦ`;

/**
 * In the window: where the mark after the text's last character is, within the window's height, and
 * whether the window's bottom bar (Cancel, Sign) is the topmost thing at that place.
 */
export function textEndProbe(): { onScreen: boolean; coveredBy: 'buttons' | 'nothing' } {
  const mark = document.querySelector('[data-testid=signed-content-text]')!.lastElementChild!.getBoundingClientRect();
  const top = document.elementFromPoint(mark.left, mark.top);
  return { onScreen: mark.top >= 0 && mark.bottom <= window.innerHeight, coveredBy: top?.closest('.buttons') ? 'buttons' : 'nothing' };
}

/**
 * In the window: whether the focused element lies wholly in the clear part of it, between its top and
 * the PIN form or the bottom bar (Cancel, Sign), whichever comes first; both may stick to the bottom.
 */
export function focusedInClearViewProbe(): { top: number; bottom: number; clearBottom: number; clear: boolean } {
  const focused = document.activeElement!.getBoundingClientRect();
  const form = document.getElementById('pin-form')!;
  const limits = [window.innerHeight, document.querySelector('.buttons')!.getBoundingClientRect().top];
  if (!form.hidden) limits.push(form.getBoundingClientRect().top);
  const clearBottom = Math.min(...limits);
  // A pixel's leeway: browsers scroll to fractions of one.
  return { top: focused.top, bottom: focused.bottom, clearBottom, clear: focused.top >= -1 && focused.bottom <= clearBottom + 1 };
}

/** A call of the page client the window tests start on the site's page (see startInPage). */
export interface PageCall {
  action: 'authenticate' | 'sign';
  params: Record<string, unknown>;
}

/** A sign-in with a fresh challenge. */
export const authenticateCall = (): PageCall => ({ action: 'authenticate', params: { challenge: randomBytes(32).toString('base64url') } });

/** Signing `text`, sent as its UTF-8 bytes. */
export const signCall = (text: string): PageCall => ({ action: 'sign', params: { data: Buffer.from(text, 'utf8').toString('base64') } });

/** In the site's page: starts `call` through the page client and keeps its outcome (ok and result, or the error's code and message) as `window.__outcome`. */
export function startInPage(call: PageCall): void {
  const w = window as unknown as { tokensign: Record<PageCall['action'], (params: unknown) => Promise<unknown>>; __outcome?: Promise<unknown> };
  w.__outcome = w.tokensign[call.action](call.params).then(
    (result) => ({ ok: true, result }),
    (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }),
  );
}

/** A point in the window, in CSS pixels, and where in a screenshot of it that is. */
export interface GutterPoints {
  /** Whether the chosen certificate reaches under the PIN form (the case this is about). */
  underForm: boolean;
  /** Device pixels beside the PIN form's left and right edges, halfway down the part of the card under it. */
  points: Array<[number, number]>;
}

/**
 * In the window: points in the side margins beside the sticky PIN form, level with the part of the
 * chosen certificate that lies under it. Nothing but the window's background belongs there.
 */
export function gutterBesideFormProbe(): GutterPoints {
  const chosen = document.querySelector('[data-testid=cert][aria-selected=true]')!.getBoundingClientRect();
  const form = document.getElementById('pin-form')!.getBoundingClientRect();
  const top = Math.max(chosen.top, form.top);
  const bottom = Math.min(chosen.bottom, form.bottom);
  const y = Math.round(((top + bottom) / 2) * window.devicePixelRatio);
  const scale = window.devicePixelRatio;
  return { underForm: bottom - top > 8, points: [[Math.floor((form.left - 1) * scale), y], [Math.floor((form.right + 1) * scale), y]] };
}

/** In any page: the RGB of each point of a PNG (base64), decoded by the browser. */
export async function pngPixels({ png, points }: { png: string; points: Array<[number, number]> }): Promise<Array<[number, number, number]>> {
  const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  return points.map(([x, y]) => {
    const [r, g, b] = context.getImageData(x, y, 1, 1).data;
    return [r!, g!, b!];
  });
}

/**
 * In the window: waits until it has stopped scrolling and resizing (the browser may still be bringing
 * a field it focused into view, or growing the window to fit its list) and returns where it rests.
 * Firefox scrolls a focused field into view again at the next layout until the person scrolls: a test
 * scrolls with the wheel, as a person does, not with scrollTo.
 */
export async function scrollAtRest(): Promise<number> {
  const at = (): string => `${window.scrollY} ${window.innerHeight}`;
  for (let last = at(), still = 0; still < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    still = at() === last ? still + 1 : 0;
    last = at();
  }
  return window.scrollY;
}

/**
 * In the window: where a person would click on a certificate's card (near its top), whether its
 * bottom lies under the PIN form, and whether its top shows above the form (a strip to click on).
 */
export function cardClickProbe(thumbprint: string): { x: number; y: number; underForm: boolean; topAboveForm: boolean } {
  const card = document.querySelector(`[data-testid=cert][data-thumbprint="${thumbprint}"]`)!.getBoundingClientRect();
  const formTop = document.getElementById('pin-form')!.getBoundingClientRect().top;
  return { x: card.left + 60, y: card.top + 8, underForm: card.bottom > formTop, topAboveForm: card.top + 12 < formTop };
}

/** In the window: scrolls so that the top 40 px of a certificate's card show above the PIN form, the rest under it. */
export function peekAboveFormProbe(thumbprint: string): number {
  const card = document.querySelector(`[data-testid=cert][data-thumbprint="${thumbprint}"]`)!.getBoundingClientRect();
  window.scrollBy(0, card.top - (document.getElementById('pin-form')!.getBoundingClientRect().top - 40));
  return window.scrollY;
}

/**
 * In the window, once a certificate was chosen: the focused field, whether the site's name is in
 * view, and whether the chosen card and the focused field lie wholly in sight: all the card shows
 * above the PIN form and the bottom bar, the field above the bar.
 */
export function chosenProbe(): { focused: string; scrollY: number; siteInView: boolean; chosenInSight: boolean; fieldInSight: boolean } {
  const rect = (selector: string): DOMRect => document.querySelector(selector)!.getBoundingClientRect();
  const chosen = rect('[data-testid=cert][aria-selected=true]');
  const field = document.activeElement!.getBoundingClientRect();
  const form = rect('#pin-form');
  const bar = rect('.buttons');
  // A pixel's leeway: browsers scroll to fractions of one.
  return {
    focused: document.activeElement?.id ?? '',
    scrollY: Math.round(window.scrollY),
    siteInView: rect('[data-testid=origin]').top >= 0,
    // All that the card shows: its last line may end a few pixels above its bottom edge, which may be under the form.
    chosenInSight: chosen.top >= -1 && document.querySelector('[data-testid=cert][aria-selected=true]')!.lastElementChild!.getBoundingClientRect().bottom <= Math.min(form.top, bar.top) + 1,
    fieldInSight: field.top >= -1 && field.bottom <= bar.top + 1,
  };
}

/** In the window: the middle of the element `selector`, where a person clicks it. */
export function middleProbe(selector: string): { x: number; y: number } {
  const box = document.querySelector(selector)!.getBoundingClientRect();
  return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
}

/**
 * In the window, after a wrong PIN: how far the PIN form reaches under the bottom bar (0 when it
 * sticks wholly above it), and how many times the form says `phrase` (the warning that wrong PINs
 * lock the token: once, in the error line).
 */
export function wrongPinProbe(phrase: string): { underBar: number; said: number } {
  const form = document.getElementById('pin-form')!;
  const bar = document.querySelector('.buttons')!.getBoundingClientRect();
  const text = (form.textContent ?? '').toLowerCase();
  return { underBar: Math.max(0, Math.round(form.getBoundingClientRect().bottom - bar.top)), said: text.split(phrase.toLowerCase()).length - 1 };
}

/** In the window: whether the PIN field takes typing, how it looks, and which certificate is chosen. */
export function pinFieldProbe(): { disabled: boolean; background: string; chosen: string | null } {
  const pin = document.querySelector<HTMLInputElement>('[data-testid=pin]')!;
  const chosen = document.querySelector('[data-testid=cert][aria-selected=true]');
  return { disabled: pin.disabled, background: getComputedStyle(pin).backgroundColor, chosen: chosen?.getAttribute('data-thumbprint') ?? null };
}

/** What the click scenario needs of an open window, from Playwright (Chromium) or Puppeteer (Firefox). */
export interface WindowDriver {
  /** Runs a page function in the window with one argument (ignored by functions that take none). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** A real mouse click at a point of the window (CSS pixels). */
  click(x: number, y: number): Promise<void>;
  type(text: string): Promise<void>;
  /** Enter in the focused field; the window may close under it. */
  pressEnter(): Promise<void>;
  waitFor(selector: string): Promise<void>;
  /** Once the window rests, the wheel turned up to its top; where it rests then. */
  wheelToTop(): Promise<number>;
}

/**
 * A person with the mouse in a window listing three certificates of one token (thumbprints in list
 * order): the last is chosen from the top that shows above the PIN form, then the first and the
 * second; a wrong PIN is typed and sent with the button, then the right one with Enter. At each step,
 * where the window is and what is in sight (each check once failed in Chromium, several in Firefox).
 */
export async function chooseWithTheMouse(w: WindowDriver, [first, second, last]: [string, string, string], rightPin: string): Promise<void> {
  const chosen = (): Promise<ReturnType<typeof chosenProbe>> => w.evaluate(chosenProbe, undefined);
  const atRest = (): Promise<number> => w.evaluate(scrollAtRest, undefined);
  const clickCard = async (thumbprint: string): Promise<void> => {
    const at = await w.evaluate(cardClickProbe, thumbprint);
    await w.click(at.x, at.y);
    await atRest();
  };
  const untouched = { focused: 'pin', scrollY: 0, siteInView: true, chosenInSight: true, fieldInSight: true };
  expect(await atRest()).toBe(0);
  // Before a certificate is chosen the PIN field takes nothing, and looks it (it once looked ready).
  const before = await w.evaluate(pinFieldProbe, undefined);
  expect(before).toMatchObject({ disabled: true, chosen: null });
  // The last certificate, only its top above the PIN form: chosen, it is shown whole, as the arrow keys do.
  await w.evaluate(peekAboveFormProbe, last);
  await atRest();
  expect(await w.evaluate(cardClickProbe, last)).toMatchObject({ underForm: true, topAboveForm: true });
  await clickCard(last);
  expect(await chosen()).toMatchObject({ focused: 'pin', chosenInSight: true, fieldInSight: true });
  const after = await w.evaluate(pinFieldProbe, undefined);
  expect(after).toMatchObject({ disabled: false, chosen: last });
  expect(after.background).not.toBe(before.background);
  // Back at the top, the first certificate, wholly in view: Chromium once scrolled to the bottom on
  // this click (254 px), the site's name off the top and the card away from under the mouse.
  expect(await w.wheelToTop()).toBe(0);
  await clickCard(first);
  expect(await chosen()).toEqual(untouched);
  // The second, whose text ends just above the PIN form: nothing to bring into view (the window once
  // moved by 18 px, counting the style sheet's whole scroll margin as covered).
  await clickCard(second);
  expect(await chosen()).toEqual(untouched);
  // Typing in the PIN field leaves the window where it is: it once scrolled to the bottom at the
  // first key, because the window's scroll padding counted the field that sticks there as hidden.
  await w.type('00000000');
  expect(await atRest()).toBe(0);
  // A wrong PIN sent with the mouse on the button: the PIN field takes the focus back, the window stays.
  const button = await w.evaluate(middleProbe, '[data-testid=confirm]');
  await w.click(button.x, button.y);
  await w.waitFor('[data-testid=error][data-code=PIN_INCORRECT]');
  // The form sticks wholly above the bar (the error's last line was once under it), and says once,
  // not twice, that a few more wrong PINs lock the token.
  expect(await w.evaluate(wrongPinProbe, 'нескольких неверных PIN-кодов подряд')).toEqual({ underBar: 0, said: 1 });
  await atRest();
  // (The error's lines make the form taller, over the chosen card's lower part; the window stays.)
  expect(await chosen()).toMatchObject({ focused: 'pin', scrollY: 0, siteInView: true, fieldInSight: true });
  await w.type(rightPin);
  await w.pressEnter();
}

/**
 * A copy of a built extension (`source`, dist/chrome or dist/firefox) in a new temporary folder, its
 * window's page edited and `files` added beside it; the caller removes it (removeDir). Fails if the
 * edit changed nothing (the built page no longer has what it looked for).
 */
export function editedExtensionCopy(source: string, edit: (html: string) => string, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-edited-window-'));
  cpSync(source, dir, { recursive: true });
  const html = join(dir, 'picker', 'index.html');
  const original = readFileSync(html, 'utf8');
  const edited = edit(original);
  expect(edited).not.toBe(original);
  writeFileSync(html, edited);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'picker', name), text);
  return dir;
}

/**
 * Added to a window's page ahead of its script (test only): each frame's content is recorded in
 * window.__frames, and whatever the background sends the window reaches it `delay` ms late, as from a
 * busy browser. The delay is read from the extension's localStorage ('tokensign-test-delay'), so that
 * one copy of the extension can be asked for two delays.
 */
export const FRAME_RECORDER = `
const delay = Number(localStorage.getItem('tokensign-test-delay') || '40');
const api = globalThis.browser ?? globalThis.chrome;
const connect = api.runtime.connect.bind(api.runtime);
const late = (port) => {
  const events = port.onMessage;
  const add = events.addListener.bind(events);
  const remove = events.removeListener.bind(events);
  const wrapped = new Map();
  events.addListener = (listener) => {
    const slow = (message, sender) => setTimeout(() => listener(message, sender), delay);
    wrapped.set(listener, slow);
    add(slow);
  };
  events.removeListener = (listener) => remove(wrapped.get(listener) ?? listener);
  return port;
};
api.runtime.connect = (info) => late(connect(info));
if (api.runtime.connect === connect) throw new Error('frames.js: could not slow the window down');
const frames = [];
window.__frames = frames;
const record = () => {
  const main = document.querySelector('main');
  frames.push({
    shown: main !== null && !main.hidden,
    site: document.getElementById('origin')?.textContent ?? '',
    state: document.getElementById('state')?.dataset.state ?? '',
    cards: document.querySelectorAll('[data-testid=cert]').length,
  });
  if (frames.length < 2000) requestAnimationFrame(record);
};
requestAnimationFrame(record);
`;

type RecordedFrame = { shown: boolean; site: string; state: string; cards: number };

/** In a window with FRAME_RECORDER (page functions, passed whole): the frames so far that showed its content, and whether any did. */
const shownFrames = (): RecordedFrame[] => (window as unknown as { __frames: RecordedFrame[] }).__frames.filter((frame) => frame.shown);
const anyFrameShown = (): boolean => (window as unknown as { __frames: RecordedFrame[] }).__frames.some((frame) => frame.shown);

/** A window of firstFramesScenario, in either browser's driver. */
export interface RecordedWindow {
  /** Runs a page function that takes no argument in the window. */
  evaluate<R>(fn: () => R): Promise<R>;
  waitFor(selector: string): Promise<void>;
  /** Until a page function returns true in the window. */
  waitUntil(fn: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * The scenario both browsers run in a copy of the extension whose window has FRAME_RECORDER: `open`
 * starts a sign-in on the site's tab (127.0.0.1) and finds its window, `outcome` is what the page got,
 * `listed` selects a certificate of the list. A warm window's first frame with content has the site
 * and the list; with the background 2 s late, the site and "connecting" come first.
 */
export async function firstFramesScenario(open: () => Promise<RecordedWindow>, outcome: () => Promise<unknown>, listed: string): Promise<void> {
  const site = expect.stringContaining('127.0.0.1') as string;
  const dismiss = async (picker: RecordedWindow): Promise<void> => {
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  };
  // A first window reads the token: the next one's first view has its certificates.
  let picker = await open();
  await picker.waitFor(listed);
  await dismiss(picker);

  picker = await open();
  await picker.waitFor(listed);
  expect((await picker.evaluate(shownFrames))[0]).toEqual({ shown: true, site, state: 'choose', cards: 3 });
  // The background now answers 2 s late: the site and "connecting" are shown without it, then the list.
  await picker.evaluate(() => localStorage.setItem('tokensign-test-delay', '2000'));
  await dismiss(picker);

  // (Two windows dismissed in this tab: the third is still let open, prompt-limiter.ts.)
  picker = await open();
  await picker.waitUntil(anyFrameShown);
  expect((await picker.evaluate(shownFrames))[0]).toEqual({ shown: true, site, state: 'connecting', cards: 0 });
  await picker.waitFor(listed);
  await dismiss(picker);
}
