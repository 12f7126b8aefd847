// The same wait in Firefox ESR (headless, puppeteer over WebDriver BiDi), on SoftHSM with the packaged
// host: from the page asking to sign in to the certificate list on screen in the picker window (its
// User Timing mark), with a fresh browser and again warm, beside the same floors as in Chromium: a bare
// Node host answering one frame plus a trivial extension window on screen (cold), and two round trips
// over an open native port plus that window (warm).
//
// Firefox has no service worker to evaluate in, and BiDi may not navigate a tab to a moz-extension page,
// so the bench's copy of the extension opens a driver page of its own at start-up (an extension page
// with the extension's APIs, in a tab); the floors run there. The extension's address is fixed with the
// extensions.webextensions.uuids pref. Unlike in Chromium, the automation sees every new window (BiDi
// reports them all), the picker's and the trivial one's alike; the figures are reported without targets.
// As in Chromium, each wait and floor starts in a settled browser (window-bench.ts, SETTLE_MS).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { FIREFOX_EXTENSION_ID, HOST_NAME } from '../shared/protocol';
import { FIREFOX_EXTENSION_DIR, firefoxPageWhere, launchFirefoxWithExtension, removeDir, writeHostLauncher } from '../test/helpers/browser';
import { PLAIN_PAGE, startPageServer, type PageServer } from '../test/helpers/recorded-chromium';
import { nodeRuntime } from '../scripts/packaging/sea';
import type { TestPki } from '../test/fixtures/pki';
import { ROOT } from './host-bench';
import { EXECUTABLE, packagesReady } from './package-bench';
import type { Report } from './report';
import { progress } from './stats';
import { addFloorWindow, besideTestPage, clickSignIn, ColdRounds, FLOOR_HOST, FLOOR_HOST_NAME, FLOOR_MARK, FLOOR_PAGE, inTurn, markAt, READ_AFTER_MS, settle } from './window-bench';

const UUID = '7d3f0c52-4b1e-4f6a-9c2d-5e8a1b7c3f90';
const ORIGIN = `moz-extension://${UUID}/`;
const DRIVER = 'bench-floor/driver.html';
export const FIREFOX_COLD_WAIT = 'Firefox: click → certificate list on screen, fresh browser (SoftHSM)';
export const FIREFOX_WARM_WAIT = 'Firefox: click → certificate list on screen, warm (SoftHSM)';
const COLD_FLOOR = 'floor: Firefox, bare Node host start + hello, then a trivial extension window on screen';
const WARM_FLOOR = 'floor: Firefox, two round trips over an open native port, then a trivial extension window on screen';

/** The driver page's floor: `trips` hello round trips (starting the floor host when `fresh`), then the trivial window. */
const DRIVER_SCRIPT = `
globalThis.floorStart = async (fresh) => {
  const open = () => browser.runtime.connectNative(${JSON.stringify(FLOOR_HOST_NAME)});
  const roundTrip = (port, id) => new Promise((resolve, reject) => {
    const onMessage = (m) => { if (m.id === id) { port.onMessage.removeListener(onMessage); resolve(m); } };
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener((p) => reject(new Error('floor host gone: ' + (p.error ? p.error.message : ''))));
    port.postMessage({ id, command: 'hello' });
  });
  let port = fresh ? null : (globalThis.floorPort ??= open());
  if (!fresh) await roundTrip(port, 0);
  const t0 = performance.timeOrigin + performance.now();
  if (fresh) { port = open(); await roundTrip(port, 1); } else { await roundTrip(port, 1); await roundTrip(port, 2); }
  const win = await browser.windows.create({ url: browser.runtime.getURL(${JSON.stringify(FLOOR_PAGE)}), type: 'popup', width: 560, height: 720 });
  if (fresh) port.disconnect();
  return { t0, windowId: win.id };
};
globalThis.closeWindow = (id) => browser.windows.remove(id).catch(() => undefined);
`;

/** The built Firefox extension plus the trivial window and the driver page, opened when the extension starts. */
function benchExtension(dir: string): string {
  const extension = join(dir, 'extension');
  cpSync(FIREFOX_EXTENSION_DIR, extension, { recursive: true });
  addFloorWindow(extension);
  writeFileSync(join(extension, DRIVER), '<!doctype html><meta charset="utf-8"><title>driver</title><script src="driver.js"></script>');
  writeFileSync(join(extension, 'bench-floor', 'driver.js'), DRIVER_SCRIPT);
  writeFileSync(join(extension, 'bench-floor', 'open-driver.js'), `browser.tabs.create({ url: browser.runtime.getURL(${JSON.stringify(DRIVER)}) });\n`);
  const manifestPath = join(extension, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { background: { scripts: string[] } };
  manifest.background.scripts = ['bench-floor/open-driver.js', ...manifest.background.scripts];
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return extension;
}

/** Registers the packaged host and the bare floor host (on the packaged host's Node) for Firefox in `home`. */
function registerHosts(home: string, pki: TestPki): void {
  const dir = join(home, '.mozilla', 'native-messaging-hosts');
  mkdirSync(dir, { recursive: true });
  const hosts: Array<[string, string]> = [
    [HOST_NAME, writeHostLauncher(join(home, 'host'), { executable: EXECUTABLE, env: pki.env })],
    [FLOOR_HOST_NAME, writeHostLauncher(join(home, 'floor'), { hostPath: FLOOR_HOST, nodePath: nodeRuntime(ROOT), name: 'floor-host.sh' })],
  ];
  for (const [name, path] of hosts) {
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ name, description: 'bench', path, type: 'stdio', allowed_extensions: [FIREFOX_EXTENSION_ID] }));
  }
}

interface FirefoxBench {
  browser: Browser;
  driver: Page;
  close(): Promise<void>;
}

/** The page (a window's tab) whose address starts with `prefix`. */
async function pageAt(b: Browser, prefix: string, timeoutMs = 15_000): Promise<Page> {
  const page = await firefoxPageWhere(b, (href) => href.startsWith(prefix), timeoutMs, 50);
  if (!page) throw new Error(`bench: no Firefox page at ${prefix}`);
  return page;
}

/** Evaluates `expression` in the page at `prefix` once it has `mark`. */
async function evaluateWhenMarked<T>(b: Browser, prefix: string, mark: string, expression: string): Promise<T> {
  const page = await pageAt(b, prefix);
  await page.waitForFunction(`performance.getEntriesByName(${JSON.stringify(mark)}).length > 0`, { timeout: 15_000 });
  return (await page.evaluate(expression)) as T;
}

/** Firefox with the bench's extension at a fixed address, both hosts registered in its HOME, and the driver page open. */
async function launch(extension: string, pki: TestPki): Promise<FirefoxBench> {
  const firefox = await launchFirefoxWithExtension({
    extensionDir: extension,
    noHost: true,
    extraPrefs: { 'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_EXTENSION_ID]: UUID }) },
  });
  try {
    // Firefox reads a host's manifest when the extension connects to it, so registering now is in time.
    registerHosts(firefox.home, pki);
    const driver = await pageAt(firefox.browser, ORIGIN + DRIVER, 30_000);
    await driver.waitForFunction('typeof globalThis.floorStart === "function"', { timeout: 15_000 });
    await settle();
    return { browser: firefox.browser, driver, close: () => firefox.close() };
  } catch (error) {
    await firefox.close();
    throw error;
  }
}

/** The trivial window's floor, run from the driver page with the test page open in a new tab, loaded SETTLE_MS before (as a wait's page is). */
function floor(b: FirefoxBench, server: PageServer, fresh: boolean): Promise<number> {
  return besideTestPage(() => b.browser.newPage(), server, () => floorAlone(b, fresh));
}

async function floorAlone(b: FirefoxBench, fresh: boolean): Promise<number> {
  const { t0, windowId } = (await b.driver.evaluate(`globalThis.floorStart(${fresh})`)) as { t0: number; windowId: number };
  // Left alone until long after its first frame, as the picker is (a look into it while it draws would slow it).
  await new Promise((resolve) => setTimeout(resolve, READ_AFTER_MS));
  const shownAt = await evaluateWhenMarked<number>(b.browser, ORIGIN + FLOOR_PAGE, FLOOR_MARK, markAt(FLOOR_MARK));
  await b.driver.evaluate(`globalThis.closeWindow(${windowId})`);
  await new Promise((resolve) => setTimeout(resolve, 200));
  return shownAt - t0;
}

/** One wait from a new tab: click → the picker's certificates-shown mark; the picker is then cancelled. */
async function oneWait(b: FirefoxBench, server: PageServer): Promise<number> {
  const page = await b.browser.newPage();
  await page.goto(server.url());
  await settle();
  const clickedAt = await clickSignIn(page);
  await new Promise((resolve) => setTimeout(resolve, READ_AFTER_MS));
  const picker = ORIGIN + 'picker/index.html';
  const shownAt = await evaluateWhenMarked<number>(b.browser, picker, 'tokensign:certificates-shown', markAt('tokensign:certificates-shown'));
  const pickerPage = await pageAt(b.browser, picker);
  await pickerPage.evaluate(`setTimeout(() => document.querySelector('[data-testid=cancel]').click(), 0)`);
  for (let i = 0; i < 100 && (await firefoxPageWhere(b.browser, (href) => href.startsWith(picker), 0)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await page.close();
  return shownAt - clickedAt;
}

export async function benchWindowWaitFirefox(report: Report, pki: TestPki, coldRuns: number, warmRuns: number): Promise<void> {
  await packagesReady();
  progress(`window wait in Firefox: ${coldRuns} fresh browsers with the packaged host, ${warmRuns} warm waits`);
  const work = mkdtempSync(join(tmpdir(), 'tokensign-window-bench-firefox-'));
  const extension = benchExtension(work);
  const server = await startPageServer({ '/': PLAIN_PAGE });
  const cold = new ColdRounds();
  const warm: number[] = [];
  const warmFloor: number[] = [];
  try {
    for (let i = 0; i < coldRuns; i++) {
      const b = await launch(extension, pki);
      try {
        // In turns first: neither the wait nor its floor always gets the browser's first window.
        const waitFirst = i % 2 === 0;
        const round = await inTurn(waitFirst, () => oneWait(b, server), () => floor(b, server, true));
        cold.add(waitFirst, round.wait, round.floor);
        if (i === coldRuns - 1) {
          for (let w = 0; w <= warmRuns; w++) {
            const sample = { wait: await oneWait(b, server), floor: await floor(b, server, false) };
            if (w > 0) {
              warm.push(sample.wait);
              warmFloor.push(sample.floor);
            }
          }
        }
      } finally {
        await b.close();
      }
    }
  } finally {
    await server.close();
    removeDir(work);
  }
  cold.report(report, { wait: FIREFOX_COLD_WAIT, floor: COLD_FLOOR }, {
    wait: "the packaged host; BiDi sees every window, the floor's too",
    floor: "the bare host on the packaged host's Node 24",
  });
  const warmFloorResult = report.add(WARM_FLOOR, 'ms', warmFloor, null);
  report.add(FIREFOX_WARM_WAIT, 'ms', warm, { name: warmFloorResult.name, value: warmFloorResult.value }, 'the host already runs and read these tokens before (the window shows their last reading after a fresh list-tokens)');
}
