// Real browsers with the built extension and the native host registered in a throwaway profile.
// Chromium through playwright-core, Firefox ESR through puppeteer-core over WebDriver BiDi.
import { build } from 'esbuild';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from 'puppeteer-core';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { FIREFOX_EXTENSION_ID, HOST_NAME } from '../../shared/protocol';
import { HOST_BUNDLE, PROJECT_ROOT } from './host-process';

export { HOST_BUNDLE, PROJECT_ROOT };

export const CHROME_EXTENSION_DIR = join(PROJECT_ROOT, 'dist', 'chrome');
export const FIREFOX_EXTENSION_DIR = join(PROJECT_ROOT, 'dist', 'firefox');
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/** Flags every Chromium launch on these machines needs. */
export const CHROMIUM_BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PICKER_PATH = '/picker/index.html';

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Removes a profile; a browser's helper processes may still be writing into it for a moment. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

function requireBuilt(path: string, what: string): void {
  if (!existsSync(path)) throw new Error(`${what} is missing at ${path}: run \`npm run build\` first`);
}

export interface HostLauncherOptions {
  /** Absolute path of the host bundle (dist/native-host/host.mjs by default). */
  hostPath?: string;
  /** Environment for the host (SOFTHSM2_CONF, TOKENSIGN_PKCS11_MODULES, ...). */
  env?: Record<string, string>;
  /** Node binary; the current one by default. */
  nodePath?: string;
  /** File name of the launcher inside `dir`. */
  name?: string;
  /** A program to exec instead of node with `hostPath` (the packaged host executable). */
  executable?: string;
}

/**
 * Writes a sh launcher that execs the absolute node with the host and the given environment:
 * browsers start native hosts with a minimal environment and PATH. Returns its path.
 */
export function writeHostLauncher(dir: string, options: HostLauncherOptions = {}): string {
  const hostPath = options.hostPath ?? HOST_BUNDLE;
  mkdirSync(dir, { recursive: true });
  const lines = ['#!/bin/sh'];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`bad environment variable name ${key}`);
    lines.push(`export ${key}=${shellQuote(value)}`);
  }
  lines.push(options.executable ? `exec ${shellQuote(options.executable)} "$@"` : `exec ${shellQuote(options.nodePath ?? process.execPath)} ${shellQuote(hostPath)} "$@"`);
  const launcher = join(dir, options.name ?? 'tokensign-host.sh');
  writeFileSync(launcher, lines.join('\n') + '\n');
  chmodSync(launcher, 0o755);
  return launcher;
}

/** Registers the host for Chromium in `<userDataDir>/NativeMessagingHosts/`. */
export function writeChromiumHostManifest(userDataDir: string, launcherPath: string, extensionIds: string[] = [CHROME_EXTENSION_ID]): string {
  const dir = join(userDataDir, 'NativeMessagingHosts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${HOST_NAME}.json`);
  const manifest = {
    name: HOST_NAME,
    description: 'Tokensign native host (test)',
    path: launcherPath,
    type: 'stdio',
    allowed_origins: extensionIds.map((id) => `chrome-extension://${id}/`),
  };
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return file;
}

/** Registers the host for Firefox in `$HOME/.mozilla/native-messaging-hosts/`. */
export function writeFirefoxHostManifest(home: string, launcherPath: string): string {
  const dir = join(home, '.mozilla', 'native-messaging-hosts');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${HOST_NAME}.json`);
  const manifest = {
    name: HOST_NAME,
    description: 'Tokensign native host (test)',
    path: launcherPath,
    type: 'stdio',
    allowed_extensions: [FIREFOX_EXTENSION_ID],
  };
  writeFileSync(file, JSON.stringify(manifest, null, 2));
  return file;
}

export interface ChromiumLaunchOptions {
  /** Unpacked extension; dist/chrome by default. */
  extensionDir?: string;
  /** Host environment; the host is registered unless `noHost`. */
  hostEnv?: Record<string, string>;
  /** Host bundle to register (dist/native-host/host.mjs by default). */
  hostPath?: string;
  /** Register no host at all (HOST_UNAVAILABLE tests). */
  noHost?: boolean;
  /** Extra Chromium flags. */
  args?: string[];
  /** Browser UI language, e.g. 'ru' (sets LANGUAGE for the browser process). */
  language?: string;
  /** Accept self-signed HTTPS test servers. */
  ignoreHTTPSErrors?: boolean;
  headless?: boolean;
  /** A profile folder of the test's own (kept on close); a fresh temporary one by default. */
  userDataDir?: string;
  /** The browser's whole environment, instead of this process's. */
  env?: Record<string, string>;
  /** Headless only: the screens, as Chromium's `--screen-info` (`{x,y WxH}` per screen); one 1366×768 screen by default. */
  screens?: string;
}

/** A laptop's screen, as Firefox's headless one is; headless Chromium's own default is 800×600. */
const DEFAULT_SCREENS = '{0,0 1366x768}';

export interface ChromiumWithExtension {
  context: BrowserContext;
  extensionId: string;
  userDataDir: string;
  /** The launcher the host manifest points at (null with noHost). */
  launcherPath: string | null;
  close(): Promise<void>;
}

/** Writes the host launcher under `dir` and registers it with `writeManifest`, unless the test wants no host. */
function registerHost(
  dir: string,
  options: { noHost?: boolean; hostPath?: string; hostEnv?: Record<string, string> },
  writeManifest: (launcherPath: string) => void,
): string | null {
  if (options.noHost) return null;
  const hostPath = options.hostPath ?? HOST_BUNDLE;
  requireBuilt(hostPath, 'The host bundle');
  const launcherPath = writeHostLauncher(join(dir, 'host'), { hostPath, env: options.hostEnv ?? {} });
  writeManifest(launcherPath);
  return launcherPath;
}

/** This process's environment without unset entries, for a browser to start with. */
function processEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return env;
}

/** Starts headless Chromium with the extension loaded and the host registered in its own temp profile. */
export async function launchChromiumWithExtension(options: ChromiumLaunchOptions = {}): Promise<ChromiumWithExtension> {
  const extensionDir = options.extensionDir ?? CHROME_EXTENSION_DIR;
  requireBuilt(join(extensionDir, 'manifest.json'), 'The Chromium extension build');
  const ownProfile = options.userDataDir === undefined;
  const userDataDir = options.userDataDir ?? mkdtempSync(join(tmpdir(), 'tokensign-chromium-'));
  const removeProfile = (): void => {
    if (ownProfile) removeDir(userDataDir);
  };
  const launcherPath = registerHost(userDataDir, options, (launcher) => writeChromiumHostManifest(userDataDir, launcher));
  const env = options.env ? { ...options.env } : processEnv();
  if (options.language) {
    env.LANGUAGE = options.language;
    env.LANG = `${options.language}_${options.language.toUpperCase()}.UTF-8`;
  }
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: options.headless ?? true,
      env,
      ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false,
      // Every window as the browser sizes it: Playwright's default emulates a 1280×720 viewport and
      // screen in each page it attaches to, extension windows included, so the picker would be
      // measured and photographed at a size no person sees.
      viewport: null,
      args: [
        ...CHROMIUM_BASE_ARGS,
        // Headless Chromium's screens; a browser with a display has the display's.
        ...(options.headless ?? true ? [`--screen-info=${options.screens ?? DEFAULT_SCREENS}`] : []),
        `--load-extension=${extensionDir}`,
        `--disable-extensions-except=${extensionDir}`,
        ...(options.language ? [`--lang=${options.language}`] : []),
        ...(options.args ?? []),
      ],
      timeout: 60_000,
    });
  } catch (error) {
    removeProfile();
    throw error;
  }
  let extensionId: string;
  try {
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
    extensionId = new URL(worker.url()).host;
  } catch (error) {
    await context.close().catch(() => undefined);
    removeProfile();
    throw error;
  }
  return {
    context,
    extensionId,
    userDataDir,
    launcherPath,
    close: async () => {
      await context.close().catch(() => undefined);
      removeProfile();
    },
  };
}

export function isPickerUrl(url: string): boolean {
  return (url.startsWith('chrome-extension://') || url.startsWith('moz-extension://')) && new URL(url).pathname === PICKER_PATH;
}

/** Waits for the picker window's page and for its first view (the origin is shown). */
export async function findPickerPage(context: BrowserContext, timeoutMs = 20_000): Promise<Page> {
  // Polls rather than waiting for a 'page' event: a new window may already be listed while still on
  // about:blank, and a picker that just finished may still be listed while it closes.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const candidates = context.pages().filter((p) => !p.isClosed() && isPickerUrl(p.url())).reverse();
    for (const page of candidates) {
      const ready = await page
        .waitForFunction(() => (document.querySelector('[data-testid=origin]')?.textContent ?? '') !== '', undefined, {
          timeout: Math.max(100, Math.min(2_000, deadline - Date.now())),
        })
        .then(() => !page.isClosed())
        .catch(() => false);
      if (ready) return page;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('The picker window did not open');
}

/** Chromium: once `previous` (a picker) has closed, the next picker window opens; Cancel there, and wait until it closed. */
export async function cancelNextWindow(context: BrowserContext, previous: Page, timeoutMs = 20_000): Promise<void> {
  const closed = async (page: Page): Promise<void> => {
    if (!page.isClosed()) await page.waitForEvent('close', { timeout: timeoutMs });
  };
  await closed(previous);
  const next = await findPickerPage(context, timeoutMs);
  await clickClosing(next, '[data-testid=cancel]');
  await closed(next);
}

/**
 * Chromium: `answer`'s value, or 'a window opened' when a Tokensign window opens first. It looks
 * only at the context's page list: anything run in a page would give that page a user gesture.
 */
export async function answerUnlessWindow<T>(context: BrowserContext, answer: Promise<T>): Promise<T | 'a window opened'> {
  let settled = false;
  const windowOpened = (async (): Promise<'a window opened'> => {
    while (!settled) {
      if (pickerIsOpen(context)) return 'a window opened';
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return new Promise<never>(() => undefined); // the answer came first
  })();
  try {
    return await Promise.race([answer, windowOpened]);
  } finally {
    settled = true;
  }
}

/** True while some picker window is open in the context. */
export function pickerIsOpen(context: BrowserContext): boolean {
  return context.pages().some((p) => isPickerUrl(p.url()) && !p.isClosed());
}

export interface FirefoxLaunchOptions {
  extensionDir?: string;
  hostEnv?: Record<string, string>;
  hostPath?: string;
  noHost?: boolean;
  /** Browser UI language, e.g. 'ru'. */
  language?: string;
  extraPrefs?: Record<string, unknown>;
  /** Accept self-signed HTTPS test servers. */
  acceptInsecureCerts?: boolean;
}

export interface FirefoxWithExtension {
  browser: PuppeteerBrowser;
  /** The add-on id (tokensign@tokensign.org). */
  extensionId: string;
  home: string;
  launcherPath: string | null;
  close(): Promise<void>;
}

/** Starts headless Firefox ESR with a temp HOME, the host registered there and the extension installed. */
export async function launchFirefoxWithExtension(options: FirefoxLaunchOptions = {}): Promise<FirefoxWithExtension> {
  const extensionDir = options.extensionDir ?? FIREFOX_EXTENSION_DIR;
  requireBuilt(join(extensionDir, 'manifest.json'), 'The Firefox extension build');
  const home = mkdtempSync(join(tmpdir(), 'tokensign-firefox-'));
  const launcherPath = registerHost(home, options, (launcher) => writeFirefoxHostManifest(home, launcher));
  const env = processEnv();
  env.HOME = home;
  env.XDG_CONFIG_HOME = join(home, '.config');
  env.XDG_CACHE_HOME = join(home, '.cache');
  const puppeteer = (await import('puppeteer-core')).default;
  let browser: PuppeteerBrowser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      acceptInsecureCerts: options.acceptInsecureCerts ?? false,
      env,
      timeout: 60_000,
      extraPrefsFirefox: {
        ...(options.language ? { 'intl.locale.requested': options.language } : {}),
        ...options.extraPrefs,
      },
    });
  } catch (error) {
    removeDir(home);
    throw error;
  }
  let extensionId: string;
  try {
    extensionId = await browser.installExtension(extensionDir);
  } catch (error) {
    await browser.close().catch(() => undefined);
    removeDir(home);
    throw error;
  }
  return {
    browser,
    extensionId,
    home,
    launcherPath,
    close: async () => {
      await browser.close().catch(() => undefined);
      removeDir(home);
    },
  };
}

/**
 * Firefox: the page whose address passes `matches`, looked for every `pollMs` until `timeoutMs` has
 * passed (one look with 0); null if none. Over BiDi, Firefox reports moz-extension pages as
 * about:blank, so each page is asked where it is.
 */
export async function firefoxPageWhere(browser: PuppeteerBrowser, matches: (href: string) => boolean, timeoutMs: number, pollMs = 200): Promise<PuppeteerPage | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const page of await browser.pages()) {
      const href = await Promise.race([
        page.evaluate(() => location.href).catch(() => ''),
        new Promise<string>((resolve) => setTimeout(() => resolve(''), 1000)),
      ]);
      if (href && matches(href)) return page;
    }
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Firefox: waits for the picker window's page and its first view. */
export async function findFirefoxPickerPage(browser: PuppeteerBrowser, timeoutMs = 20_000): Promise<PuppeteerPage> {
  const deadline = Date.now() + timeoutMs;
  const page = await firefoxPageWhere(browser, isPickerUrl, timeoutMs);
  if (!page) throw new Error('The picker window did not open');
  await page.waitForFunction(() => (document.querySelector('[data-testid=origin]')?.textContent ?? '') !== '', {
    timeout: Math.max(1000, deadline - Date.now()),
  });
  return page;
}

/** Firefox: true while some picker window is open. */
export async function firefoxPickerIsOpen(browser: PuppeteerBrowser): Promise<boolean> {
  return (await firefoxPageWhere(browser, isPickerUrl, 0)) !== null;
}

export interface TestPageServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** The page that loads the page client as `window.tokensign`. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

let pageClientBundle: Promise<string> | null = null;

/** The page client bundled for the browser by esbuild, exposed as the global `tokensign`. */
export function bundlePageClient(): Promise<string> {
  pageClientBundle ??= build({
    entryPoints: [join(PROJECT_ROOT, 'extension', 'page-client', 'index.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'tokensign',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  }).then((r) => {
    const file = r.outputFiles[0];
    if (!file) throw new Error('esbuild produced no page client');
    return file.text;
  });
  return pageClientBundle;
}

/** A relying-party test page on http://127.0.0.1:<free port> that loads the page client. */
export async function startTestPage(): Promise<TestPageServer> {
  const client = await bundlePageClient();
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>Tokensign test page</title>' +
    '<script src="/page-client.js"></script></head><body><h1>Tokensign test page</h1></body></html>';
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/page-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      res.end(client);
    } else if (path === '/' || path === '/index.html' || path === '/other.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url: `${origin}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What clickClosing needs of a page: Playwright's and Puppeteer's pages both have it. */
interface ClosablePage {
  click(selector: string): Promise<unknown>;
  isClosed(): boolean;
}

/** How Playwright and Puppeteer (CDP or WebDriver BiDi) report a page that closed under an action. */
const CLOSED_UNDER_ACTION = /has been closed|Target closed|Session closed|detached|no such (frame|window)|browsing context/i;

/**
 * Clicks a button that closes its own window (cancel, or a confirm that ends the request): the
 * window may be gone before the driver's click returns, which is success, not an error.
 */
export async function clickClosing(page: ClosablePage, selector: string): Promise<void> {
  try {
    await page.click(selector);
  } catch (error) {
    if (!page.isClosed() && !CLOSED_UNDER_ACTION.test(String(error))) throw error;
  }
}
