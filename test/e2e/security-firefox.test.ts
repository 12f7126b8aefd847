// The security properties that depend on the browser's own reports, in real headless Firefox ESR
// (puppeteer-core over WebDriver BiDi), where the sender's origin comes from a different API than
// in Chromium: the tab's origin is signed whatever the page claims, the page never receives a PIN
// or a certificate list, and a cross-origin frame cannot reach the extension through the top page.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import { createTestPki, FIXTURE_TOKENS, type TestPki } from '../fixtures/pki';
import { clickClosing, findFirefoxPickerPage, launchFirefoxWithExtension, type FirefoxWithExtension } from '../helpers/browser';
import { PLAIN_PAGE, startPageServer, thumbprintOf, type PageServer } from '../helpers/recorded-chromium';

const PIN = `4826${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0')}`;

const RECORDER = `(() => {
  const seen = [];
  window.__tokensignSeen = seen;
  window.addEventListener('message', (event) => {
    let data;
    try { data = JSON.parse(JSON.stringify(event.data ?? null)); } catch { data = String(event.data); }
    seen.push({ data, self: event.source === window });
  });
})()`;

/** Posts one raw request from the page; resolves in the page with its response (or null). */
function post(page: Page, id: string, params: Record<string, unknown>, timeoutMs = 60_000): Promise<{ acked: boolean; response: Record<string, unknown> | null }> {
  return page.evaluate(`new Promise((resolve) => {
    let acked = false;
    const timer = setTimeout(() => resolve({ acked, response: null }), ${timeoutMs});
    window.addEventListener('message', (e) => {
      if (e.source !== window || !e.data || e.data.id !== ${JSON.stringify(id)}) return;
      if (e.data.type === 'tokensign:ack') acked = true;
      if (e.data.type === 'tokensign:response') { clearTimeout(timer); resolve({ acked, response: e.data }); }
    });
    window.postMessage({ type: 'tokensign:request', id: ${JSON.stringify(id)}, action: 'authenticate', params: ${JSON.stringify(params)} }, location.origin);
  })`) as Promise<{ acked: boolean; response: Record<string, unknown> | null }>;
}

describe('security in Firefox', () => {
  let pki: TestPki;
  let firefox: FirefoxWithExtension;
  let siteA: PageServer;
  let siteB: PageServer;
  let work: string;

  beforeAll(async () => {
    pki = createTestPki({ tokens: [{ ...FIXTURE_TOKENS[0]!, pin: PIN }, FIXTURE_TOKENS[1]!] });
    work = mkdtempSync(join(tmpdir(), 'tokensign-security-ff-'));
    siteB = await startPageServer({ '/frame': PLAIN_PAGE }, 'localhost');
    siteA = await startPageServer({ '/': `<!doctype html><html><body><iframe id="cross" src="${siteB.url('/frame')}"></iframe></body></html>` }, '127.0.0.1');
    firefox = await launchFirefoxWithExtension({ hostEnv: pki.env });
  }, 120_000);

  afterAll(async () => {
    await firefox?.close();
    await siteA?.close();
    await siteB?.close();
    pki?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('signs the tab origin though the page claims another, and shows the page nothing but its answer', async () => {
    const page = await firefox.browser.newPage();
    await page.evaluateOnNewDocument(RECORDER);
    await page.goto(siteA.url('/'));
    await page.waitForSelector('#cross');

    // A cross-origin frame posting to the top window gets no answer and opens no picker.
    const cross = page.frames().find((f) => f.url().startsWith(siteB.origin));
    expect(cross).toBeDefined();
    await cross!.evaluate(`parent.postMessage({ type: 'tokensign:request', id: 'from-frame', action: 'authenticate', params: { challenge: '${'F'.repeat(43)}' } }, '*')`);

    const challenge = randomBytes(32).toString('base64url');
    const lie = 'https://esia.gosuslugi.ru';
    const exchange = post(page, 'lying', { challenge, origin: lie });
    const picker = await findFirefoxPickerPage(firefox.browser);
    expect(await picker.$eval('[data-testid=origin]', (e) => e.textContent)).toBe(siteA.origin);
    await picker.click(`[data-testid=cert][data-thumbprint="${thumbprintOf(pki.certs.p256!.certDer)}"]`);
    await picker.type('[data-testid=pin]', PIN);
    await clickClosing(picker, '[data-testid=confirm]');
    const { acked, response } = await exchange;
    expect(acked).toBe(true);
    expect(response?.ok, JSON.stringify(response)).toBe(true);
    const result = response!.result as { origin: string; cms: string };
    expect(result.origin).toBe(siteA.origin);

    const cms = join(work, 'auth.cms');
    writeFileSync(cms, Buffer.from(result.cms, 'base64'));
    const verifies = (origin: string) => {
      const content = join(work, 'payload');
      writeFileSync(content, authPayload(origin, challenge));
      try {
        execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-CAfile', pki.caCertPem, '-purpose', 'any', '-out', '/dev/null'], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    };
    expect(verifies(siteA.origin)).toBe(true);
    expect(verifies(lie)).toBe(false);

    const seen = (await page.evaluate('window.__tokensignSeen')) as Array<{ data: { type?: string; id?: string }; self: boolean }>;
    const text = JSON.stringify(seen);
    expect(text).not.toContain(PIN);
    for (const [name, cert] of Object.entries(pki.certs)) {
      if (name !== 'p256') expect(text.includes(readFileSync(cert.certDer).toString('base64')), `certificate ${name} reached the page`).toBe(false);
    }
    for (const word of ['"certificates"', '"tokens"', 'thumbprint']) expect(text).not.toContain(word);
    const fromExtension = seen.filter((s) => s.self && (s.data.type === 'tokensign:ack' || s.data.type === 'tokensign:response'));
    expect(fromExtension.map((s) => `${s.data.type}:${s.data.id}`)).toEqual(['tokensign:ack:lying', 'tokensign:response:lying']);
    // The frame's request did reach the top window, and was left unanswered.
    expect(seen.some((s) => !s.self && s.data.id === 'from-frame')).toBe(true);
    await page.close();
  }, 120_000);
});
