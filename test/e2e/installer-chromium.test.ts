// End to end: `tokensign-host install` in a temp HOME registers the host, and a real Chromium whose
// user-data-dir is that HOME's ~/.config/chromium finds it with no help from the test: the service
// worker reaches the host, and a web page's status shows the host version.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { HOST_NAME } from '../../shared/protocol';
import { createTestPki, type TestPki } from '../fixtures/pki';
import {
  CHROME_EXTENSION_DIR,
  HOST_BUNDLE,
  launchChromiumWithExtension,
  PROJECT_ROOT,
  startTestPage,
  type ChromiumWithExtension,
  type TestPageServer,
} from '../helpers/browser';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let pki: TestPki;
let home: string;
let chrome: ChromiumWithExtension | null = null;
let context: BrowserContext | null = null;
let page: TestPageServer | null = null;
let userDataDir: string;
/** Private copies of dist/native-host and dist/chrome, safe from rebuilds while tests run. */
let work: string;

beforeAll(async () => {
  for (const [path, what] of [
    [HOST_BUNDLE, 'host bundle'],
    [join(CHROME_EXTENSION_DIR, 'manifest.json'), 'Chromium extension build'],
  ] as const) {
    if (!existsSync(path)) throw new Error(`The ${what} is missing at ${path}: run \`npm run build\` first`);
  }
  work = mkdtempSync(join(tmpdir(), 'tokensign-installer-e2e-bundle-'));
  cpSync(dirname(HOST_BUNDLE), join(work, 'tokensign'), { recursive: true });
  const extensionDir = join(work, 'chrome');
  cpSync(CHROME_EXTENSION_DIR, extensionDir, { recursive: true });
  pki = createTestPki();
  home = mkdtempSync(join(tmpdir(), 'tokensign-installer-e2e-'));
  userDataDir = join(home, '.config', 'chromium');
  mkdirSync(userDataDir, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    PATH: '/usr/bin:/bin',
    LANG: 'C.UTF-8',
  };
  const r = spawnSync(process.execPath, [join(work, 'tokensign', 'host.mjs'), 'install'], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`install failed (${r.status}): ${r.stderr}${r.stdout}`);

  // The browser's environment is the user's session: HOME and the token configuration, nothing about the host.
  // The profile is that HOME's, and no host is registered by the test: the installer did it.
  chrome = await launchChromiumWithExtension({ extensionDir, userDataDir, noHost: true, env: { ...env, ...pki.env } });
  context = chrome.context;
  page = await startTestPage();
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await page?.close().catch(() => undefined);
  if (home) rmSync(home, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
  pki?.cleanup();
});

describe('Chromium reaches the host the installer registered', () => {
  it('has the manifest where Chromium looks: <user-data-dir>/NativeMessagingHosts', () => {
    const manifest = JSON.parse(readFileSync(join(userDataDir, 'NativeMessagingHosts', `${HOST_NAME}.json`), 'utf8')) as { path: string };
    expect(manifest.path).toBe(join(home, '.local', 'share', 'tokensign', 'tokensign-host'));
    // No all-users manifest could stand in for the one the installer wrote.
    expect(existsSync(`/etc/chromium/native-messaging-hosts/${HOST_NAME}.json`)).toBe(false);
  });

  it('the extension service worker gets hello and the SoftHSM tokens from the installed host', async () => {
    if (!context) throw new Error('no browser');
    const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 30_000 }));
    expect(new URL(worker.url()).host).toBe(CHROME_EXTENSION_ID);
    const replies = await worker.evaluate(async (hostName: string) => {
      // The service worker's own chrome.runtime (no @types/chrome in this project).
      const chrome = (globalThis as unknown as {
        chrome: { runtime: { sendNativeMessage(h: string, m: object, cb: (r: unknown) => void): void; lastError?: { message?: string } } };
      }).chrome;
      const send = (message: object): Promise<unknown> =>
        new Promise((resolve) => {
          chrome.runtime.sendNativeMessage(hostName, message, (reply: unknown) => {
            resolve(reply ?? { lastError: chrome.runtime.lastError?.message ?? 'no reply' });
          });
        });
      return [await send({ id: 1, command: 'hello' }), await send({ id: 2, command: 'list-tokens' })];
    }, HOST_NAME);
    const [hello, tokens] = replies as [Record<string, unknown>, { ok: boolean; result?: { tokens: Array<{ label: string }> } }];
    expect(hello).toMatchObject({ id: 1, ok: true, result: { protocol: 1, version: VERSION } });
    expect(tokens.ok).toBe(true);
    expect(tokens.result?.tokens.map((t) => t.label).sort()).toEqual(['Tokensign Test 1', 'Tokensign Test 2']);
  });

  it("a web page's status shows the installed host's version", async () => {
    if (!context || !page) throw new Error('no browser');
    const tab = await context.newPage();
    try {
      await tab.goto(page.url);
      const status = await tab.evaluate(async () => {
        const client = (window as unknown as { tokensign: { status(): Promise<unknown> } }).tokensign;
        return client.status();
      });
      expect(status).toMatchObject({ host: VERSION, protocol: 1 });
    } finally {
      await tab.close();
    }
  });
});
