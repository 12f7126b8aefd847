// The wait a person feels, in headless Chromium on SoftHSM: from the page asking to sign in to the
// certificate list on screen in the picker window (the picker's User Timing mark), with a fresh
// browser (cold: the host starts too) and again in the same browser (warm). Floors are measured in
// the same browsers: a bare Node host answering one frame plus a trivial (about:blank) popup window
// (cold), and a trivial window plus two round trips over an open native port (warm).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Worker } from 'playwright-core';
import { findPickerPage, launchChromiumWithExtension, writeHostLauncher, type ChromiumWithExtension } from '../test/helpers/browser';
import { PLAIN_PAGE, startPageServer, type PageServer } from '../test/helpers/recorded-chromium';
import type { TestPki } from '../test/fixtures/pki';
import type { Report } from './report';
import { progress } from './stats';

const FLOOR_HOST_NAME = 'org.tokensign.bench_floor';
const FLOOR_HOST = join(import.meta.dirname, 'floor-host.mjs');
export const COLD_WAIT = 'click → certificate list on screen, fresh browser (SoftHSM)';
export const WARM_WAIT = 'click → certificate list on screen, warm (SoftHSM)';
const COLD_FLOOR = 'floor: bare Node host start + hello, then an about:blank popup window loaded';
const WARM_FLOOR = 'floor: two round trips over an open native port, then an about:blank popup window loaded';

/** Registers the bare floor host beside Tokensign's host in the profile. */
function registerFloorHost(chrome: ChromiumWithExtension): void {
  const launcher = writeHostLauncher(join(chrome.userDataDir, 'floor'), { hostPath: FLOOR_HOST, name: 'floor-host.sh' });
  const dir = join(chrome.userDataDir, 'NativeMessagingHosts');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${FLOOR_HOST_NAME}.json`), JSON.stringify({
    name: FLOOR_HOST_NAME, description: 'bench floor', path: launcher, type: 'stdio', allowed_origins: [`chrome-extension://${chrome.extensionId}/`],
  }));
}

/** In the service worker: ms for `trips` hello round trips (starting the host when `fresh`) and a trivial popup window loaded. */
function floorInWorker(worker: Worker, fresh: boolean): Promise<number> {
  // Worker-side code is a string, out of reach of tools that rename functions.
  return worker.evaluate(`(async () => {
    const fresh = ${fresh};
    const hostName = ${JSON.stringify(FLOOR_HOST_NAME)};
    const open = () => chrome.runtime.connectNative(hostName);
    const roundTrip = (port, id) => new Promise((resolve, reject) => {
      const onMessage = (m) => { if (m.id === id) { port.onMessage.removeListener(onMessage); resolve(m); } };
      port.onMessage.addListener(onMessage);
      port.onDisconnect.addListener(() => reject(new Error('floor host gone: ' + (chrome.runtime.lastError?.message ?? ''))));
      port.postMessage({ id, command: 'hello' });
    });
    let port = fresh ? null : (globalThis.__floorPort ??= open());
    if (!fresh) await roundTrip(port, 0);
    const t0 = performance.timeOrigin + performance.now();
    if (fresh) { port = open(); await roundTrip(port, 1); } else { await roundTrip(port, 1); await roundTrip(port, 2); }
    const win = await chrome.windows.create({ url: 'about:blank', type: 'popup', width: 560, height: 720, focused: true });
    const tabId = win.tabs[0].id;
    await new Promise((resolve) => {
      const check = (id, info) => { if (id === tabId && info.status === 'complete') { chrome.tabs.onUpdated.removeListener(check); resolve(); } };
      chrome.tabs.onUpdated.addListener(check);
      chrome.tabs.get(tabId).then((t) => { if (t.status === 'complete') check(tabId, t); });
    });
    const t1 = performance.timeOrigin + performance.now();
    await chrome.windows.remove(win.id);
    if (fresh) port.disconnect();
    return t1 - t0;
  })()`) as Promise<number>;
}

/** Asks to sign in from the page; resolves with the click time (browser clock, epoch ms). */
function clickSignIn(page: Page): Promise<number> {
  const challenge = randomBytes(32).toString('base64url');
  return page.evaluate(`(() => {
    const at = performance.timeOrigin + performance.now();
    window.postMessage({ type: 'tokensign:request', id: 'wait-' + Math.random().toString(36).slice(2), action: 'authenticate', params: { challenge: ${JSON.stringify(challenge)} } }, location.origin);
    return at;
  })()`) as Promise<number>;
}

/** Click → the window's first frame naming the site, filled in by oneWait (never-blank figure). */
const siteShown: number[] = [];

/** One wait: click → the picker's certificates-shown mark; the picker is then cancelled and gone. Each
 * wait asks from a new tab: a tab whose windows are dismissed three times cools down (prompt-limiter). */
async function oneWait(chrome: ChromiumWithExtension, server: PageServer): Promise<number> {
  const page = await chrome.context.newPage();
  await page.goto(server.url());
  const clickedAt = await clickSignIn(page);
  const picker = await findPickerPage(chrome.context);
  const [siteAt, shownAt] = (await picker.evaluate(`new Promise((resolve) => {
    const at = (name) => performance.timeOrigin + performance.getEntriesByName(name)[0].startTime;
    const read = () => {
      if (performance.getEntriesByName('tokensign:certificates-shown').length) resolve([at('tokensign:site-shown'), at('tokensign:certificates-shown')]);
      else setTimeout(read, 20);
    };
    read();
  })`)) as [number, number];
  siteShown.push(siteAt - clickedAt);
  const closed = picker.waitForEvent('close', { timeout: 10_000 }).catch(() => undefined);
  await picker.click('[data-testid=cancel]', { noWaitAfter: true }).catch(() => undefined);
  await closed;
  await page.close();
  return shownAt - clickedAt;
}

async function freshBrowser(pki: TestPki): Promise<{ chrome: ChromiumWithExtension; worker: Worker }> {
  const chrome = await launchChromiumWithExtension({ hostEnv: pki.env });
  registerFloorHost(chrome);
  const worker = chrome.context.serviceWorkers()[0] ?? (await chrome.context.waitForEvent('serviceworker'));
  return { chrome, worker };
}

export async function benchWindowWait(report: Report, pki: TestPki, coldRuns: number, warmRuns: number): Promise<void> {
  progress(`window wait in Chromium: ${coldRuns} fresh browsers, ${warmRuns} warm waits`);
  const server = await startPageServer({ '/': PLAIN_PAGE });
  const cold: number[] = [];
  const coldFloor: number[] = [];
  const warm: number[] = [];
  const warmFloor: number[] = [];
  try {
    for (let i = 0; i < coldRuns; i++) {
      const { chrome, worker } = await freshBrowser(pki);
      try {
        // Alternate which goes first, so neither always gets the browser's first window.
        if (i % 2 === 0) cold.push(await oneWait(chrome, server));
        coldFloor.push(await floorInWorker(worker, true));
        if (i % 2 === 1) cold.push(await oneWait(chrome, server));
        if (i === coldRuns - 1) {
          for (let w = 0; w < warmRuns + 1; w++) {
            const wait = await oneWait(chrome, server);
            const floor = await floorInWorker(worker, false);
            if (w > 0) {
              warm.push(wait);
              warmFloor.push(floor);
            }
          }
        }
      } finally {
        await chrome.close();
      }
    }
  } finally {
    await server.close();
  }
  const coldFloorResult = report.add(COLD_FLOOR, 'ms', coldFloor, null);
  const warmFloorResult = report.add(WARM_FLOOR, 'ms', warmFloor, null);
  report.add(COLD_WAIT, 'ms', cold, { name: coldFloorResult.name, value: coldFloorResult.value }, 'host start, hello, tokens and certificates read while the window opens; ends at the first frame that shows certificates');
  report.add('click → window on screen naming the site (all waits above)', 'ms', siteShown.splice(0), null, 'the first frame of the window: site, action and a progress line; never a blank window after it');
  report.add(WARM_WAIT, 'ms', warm, { name: warmFloorResult.name, value: warmFloorResult.value }, 'the host already runs; same end point');
}
