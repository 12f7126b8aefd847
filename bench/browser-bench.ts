// Page → result in headless Chromium from the confirm click, on SoftHSM: the time from the click
// in the picker (browser clock) to the moment the page holds the authenticate result (browser clock).
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { findPickerPage, launchChromiumWithExtension } from '../test/helpers/browser';
import { openRecordingPage, PLAIN_PAGE, startPageServer, thumbprintOf } from '../test/helpers/recorded-chromium';
import type { TestPki } from '../test/fixtures/pki';
import type { Report } from './report';
import { progress } from './stats';

const FLOOR = 'floor: raw PKCS#11 session+login+find+sign+logout ECDSA-P256';

/** Posts an authenticate request; resolves with the response and the epoch ms it arrived at. */
function authenticateFromPage(page: Page): Promise<{ response: { ok: boolean; error?: { code: string } }; at: number }> {
  const challenge = randomBytes(32).toString('base64url');
  // Page-side code is a string, out of reach of tools that rename functions.
  return page.evaluate(`new Promise((resolve) => {
    const id = 'bench-' + Math.random().toString(36).slice(2);
    window.addEventListener('message', (e) => {
      if (e.source === window && e.data && e.data.id === id && e.data.type === 'tokensign:response') {
        resolve({ response: e.data, at: performance.timeOrigin + performance.now() });
      }
    });
    window.postMessage({ type: 'tokensign:request', id, action: 'authenticate', params: { challenge: ${JSON.stringify(challenge)} } }, location.origin);
  })`);
}

export async function benchPageToResult(report: Report, pki: TestPki, runs: number): Promise<void> {
  progress(`page → result in Chromium: ${runs} logins from the confirm click`);
  const browser = await launchChromiumWithExtension({ hostEnv: pki.env });
  const server = await startPageServer({ '/': PLAIN_PAGE });
  try {
    const page = await openRecordingPage(browser.context, server.url());
    const thumbprint = thumbprintOf(pki.certs.p256!.certDer);
    const pin = pki.tokens.find((t) => t.label === pki.certs.p256!.token)!.pin;
    const samples: number[] = [];
    for (let i = 0; i < runs + 2; i++) {
      const exchange = authenticateFromPage(page);
      const picker = await findPickerPage(browser.context);
      await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
      await picker.fill('[data-testid=pin]', pin);
      // Listened for before the click: a picker that closes before a later listener is attached would
      // leave that listener waiting its whole timeout.
      const closed = picker.waitForEvent('close', { timeout: 10_000 }).catch(() => undefined);
      // The click is dispatched in the picker and stamped there, on the browser's clock.
      const clickedAt = (await picker.evaluate(`(() => {
        const at = performance.timeOrigin + performance.now();
        document.querySelector('[data-testid=confirm]').click();
        return at;
      })()`)) as number;
      const { response, at } = await exchange;
      if (!response.ok) throw new Error(`authenticate failed in the browser: ${response.error?.code}`);
      await closed;
      if (i >= 2) samples.push(at - clickedAt); // the first two warm the host and the worker
    }
    const floor = report.get(FLOOR);
    report.add('page → result in Chromium from the confirm click (P-256, SoftHSM)', 'ms', samples, floor ? { name: floor.name, value: floor.value } : null,
      'includes the picker → background → host → background → content script → page hops and the picker closing');
  } finally {
    await server.close();
    await browser.close();
  }
}
