// The IFCPlugin adapter in Firefox ESR: the same test portal as esia.gosuslugi.ru (network.dns.localDomains
// sends it to 127.0.0.1), SoftHSM tokens, OpenSSL verifying the attached CMS on the portal's server.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIfcPortal, type IfcPortal } from '../fixtures/ifc-portal/server';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { clickClosing, findFirefoxPickerPage, firefoxPickerIsOpen, launchFirefoxWithExtension, type FirefoxWithExtension } from '../helpers/browser';

let pki: TestPki;
let portal: IfcPortal;
let firefox: FirefoxWithExtension;
let page: Page;

async function resultOf(p: Page): Promise<{ state: string; code: string | null }> {
  await p.waitForSelector('#result:not([data-state="busy"]):not([data-state="pin"])', { timeout: 30_000 });
  return p.$eval('#result', (el) => ({ state: (el as HTMLElement).dataset.state ?? '', code: (el as HTMLElement).dataset.code ?? null }));
}

/** Submits the page's PIN dialog and confirms in Tokensign's window; returns what the window showed. */
async function signThroughWindow(p: Page): Promise<{ origin: string; shown: string }> {
  const deadline = Date.now() + 15_000;
  while (await firefoxPickerIsOpen(firefox.browser)) {
    if (Date.now() > deadline) throw new Error('the previous window did not close');
    await new Promise((r) => setTimeout(r, 200));
  }
  await p.click('#sign');
  const picker = await findFirefoxPickerPage(firefox.browser);
  await picker.waitForSelector('[data-testid=signed-content]:not([hidden])');
  const origin = await picker.$eval('[data-testid=origin]', (el) => el.textContent ?? '');
  const shown = await picker.$eval('[data-testid=signed-content-text]', (el) => el.textContent ?? '');
  await clickClosing(picker, '[data-testid=confirm]');
  return { origin, shown };
}

beforeAll(async () => {
  pki = createTestPki();
  portal = await startIfcPortal({ caFiles: [pki.caCertPem] });
  firefox = await launchFirefoxWithExtension({
    hostEnv: pki.env,
    acceptInsecureCerts: true,
    extraPrefs: { 'network.dns.localDomains': 'esia.gosuslugi.ru' },
  });
  page = await firefox.browser.newPage();
}, 180_000);

afterAll(async () => {
  await firefox?.close();
  await portal?.close();
  pki?.cleanup();
});

describe('IFCPlugin adapter in Firefox ESR', () => {
  it('marks the page and lists the certificates', async () => {
    await page.goto(`${portal.origin}/`);
    await page.waitForSelector('#plugin-status[data-plugin="true"]', { timeout: 20_000 });
    const owners = await page.$$eval('#ifcplugin-extension-is-installed, #ifc-plugin-is-installed', (els) => els.map((el) => el.getAttribute('data-owner')));
    expect(owners).toEqual(['tokensign', 'tokensign']);
    await page.click('#login');
    await page.waitForSelector('#result[data-state="choose"]');
    const algs = await page.$$eval('#certs li', (els) => els.map((el) => (el as HTMLElement).dataset.alg));
    expect(algs).toContain('1.2.840.113549.1.1.1');
    expect(algs).toContain('1.2.840.10045.2.1');
  });

  it('logs in with RSA after a wrong PIN; OpenSSL verifies the attached CMS', async () => {
    await page.click('#certs li[data-cn="Иванов Иван Иванович"] button');
    await page.waitForSelector('#result[data-state="pin"]');
    await page.type('#pin', '000000');
    const first = await signThroughWindow(page);
    expect(first.origin).toBe(portal.origin);
    expect(first.shown).toBe(portal.issued.at(-1));
    expect(await resultOf(page)).toEqual({ state: 'wrong-pin', code: '160' });
    await page.type('#pin', '123456');
    await signThroughWindow(page);
    expect(await resultOf(page)).toMatchObject({ state: 'ok' });
    expect(portal.logins.at(-1)).toMatchObject({ ok: true });
    expect(portal.logins.at(-1)!.subject).toContain('CN=Иванов Иван Иванович');
  });
});
