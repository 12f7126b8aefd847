// crypto-pro 2.5.2 unchanged on lkfl2.nalog.ru in Firefox ESR (the MAIN-world content script needs
// Firefox 128+): the certificates of SoftHSM and of the emulated GOST token, an attached GOST
// signature and a detached signature of an RSA hash, each confirmed in Tokensign's window with the
// PIN typed there and verified by `openssl cms -verify` (gost engine).
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADES_PORTAL_HOST, type CadesPortal } from '../fixtures/cades-portal/server';
import { finishInPage, startCadesFixtures, startInPage, sha1ThumbprintOfPem, type CadesFixtures, type PageOutcome } from '../fixtures/cades-portal/setup';
import type { GostPki } from '../fixtures/gost';
import type { TestPki } from '../fixtures/pki';
import { clickClosing, findFirefoxPickerPage, launchFirefoxWithExtension, type FirefoxWithExtension } from '../helpers/browser';
import { opensslVerify } from '../helpers/cms-verify';

let pki: TestPki;
let gost: GostPki;
let portal: CadesPortal;
let firefox: FirefoxWithExtension;
let page: Page;
let caFile: string;
let fixtures: CadesFixtures;

const MESSAGE = 'Заявление о регистрации права собственности';
const sha1 = sha1ThumbprintOfPem;

async function start(expression: string): Promise<void> {
  // A real click first, as a person makes: Tokensign's window opens only after a user gesture (issue 14
  // item 3), and Firefox does not grant the script's own to a page the last picker window left unfocused.
  await page.click('body');
  await page.evaluate(startInPage, expression);
}
const finish = (): Promise<PageOutcome> => page.evaluate(finishInPage);

async function confirm(pin: string): Promise<{ shown: string; origin: string }> {
  const picker = await findFirefoxPickerPage(firefox.browser);
  await picker.waitForSelector('[data-testid=signed-content]:not([hidden])');
  const shown = await picker.$eval('[data-testid=signed-content-text]', (el) => el.textContent ?? '');
  const origin = await picker.$eval('[data-testid=origin]', (el) => el.textContent ?? '');
  await picker.type('[data-testid=pin]', pin);
  await clickClosing(picker, '[data-testid=confirm]');
  return { shown, origin };
}

/** A page of Tokensign's own (moz-extension://…) whose path is `path`. */
async function findExtensionPage(path: string): Promise<Page> {
  for (let tries = 0; tries < 100; tries++) {
    for (const p of await firefox.browser.pages()) {
      const href = await p.evaluate(() => location.href).catch(() => '');
      if (href.startsWith('moz-extension://') && new URL(href).pathname === path) return p;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${path} did not open`);
}

beforeAll(async () => {
  fixtures = await startCadesFixtures();
  ({ pki, gost, portal, caFile } = fixtures);
  firefox = await launchFirefoxWithExtension({
    hostEnv: fixtures.hostEnv,
    acceptInsecureCerts: true,
    extraPrefs: { 'network.dns.localDomains': CADES_PORTAL_HOST },
  });
  page = await firefox.browser.newPage();
  await page.goto(`${portal.origin}/`);
}, 180_000);

afterAll(async () => {
  await firefox?.close();
  await fixtures?.close();
});

describe('crypto-pro 2.5.2 on a built-in portal (Firefox ESR)', () => {
  it('passes the version checks and lists the certificates of both tokens', async () => {
    await start('cryptoPro.isValidSystemSetup().then(() => cryptoPro.getUserCertificates()).then((cs) => cs.map((c) => c.thumbprint))');
    const listed = await finish();
    expect(listed.ok, String(listed.value)).toBe(true);
    expect(listed.value).toEqual(expect.arrayContaining([sha1(pki.certs.rsa!.certPem), sha1(gost.certs.gost256!.certPem), sha1(gost.certs.gost512!.certPem)]));
  });

  it('signs attached with GOST 2012-256; OpenSSL verifies the UTF-8 content', async () => {
    await start(`cryptoPro.createAttachedSignature('${sha1(gost.certs.gost256!.certPem)}', ${JSON.stringify(MESSAGE)})`);
    const shown = await confirm(gost.tokens[0]!.pin);
    expect(shown).toEqual({ shown: MESSAGE, origin: portal.origin });
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    const verified = opensslVerify(Buffer.from(result.value as string, 'base64'), caFile, undefined, ['-engine', 'gost']);
    expect(verified.stderr).toBe('');
    expect(verified.content.toString('utf8')).toBe(MESSAGE);
  }, 60_000);

  it('signs an RSA SHA-256 hash detached; OpenSSL verifies it against the message', async () => {
    const hash = createHash('sha256').update(MESSAGE, 'utf8').digest('hex');
    await start(`cryptoPro.createDetachedSignature('${sha1(pki.certs.rsa!.certPem)}', '${hash}', { hashedAlgorithm: 4 })`);
    const shown = await confirm(pki.tokens[0]!.pin);
    expect(shown.shown.toLowerCase()).toContain(hash);
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    const verified = opensslVerify(Buffer.from(result.value as string, 'base64'), caFile, Buffer.from(MESSAGE, 'utf8'), ['-engine', 'gost']);
    expect(verified.stderr).toBe('');
    expect(verified.ok).toBe(true);
  }, 60_000);

  it('stands down for CryptoPro\'s own extension, unless the person chose Tokensign for the site', async () => {
    // CryptoPro's extension cannot be installed here: a stand-in speaks its two public page-side
    // signals (the echo reply naming its script, and the script's check_chrome_plugin).
    const dir = join(gost.dir, 'cryptopro-stand-in');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
      manifest_version: 2,
      name: 'Stand-in for CryptoPro Extension for CAdES Browser Plug-in',
      version: '1.0',
      browser_specific_settings: { gecko: { id: 'cryptopro-stand-in@tokensign.test' } },
      content_scripts: [{ matches: [`https://${CADES_PORTAL_HOST}/*`], js: ['content.js'], run_at: 'document_start' }],
      web_accessible_resources: ['nmcades_plugin_api.js'],
    }));
    writeFileSync(join(dir, 'content.js'), "window.addEventListener('message', (e) => { if (e.data === 'cadesplugin_echo_request') window.postMessage('cadesplugin_loaded url:' + browser.runtime.getURL('nmcades_plugin_api.js'), '*'); });");
    writeFileSync(join(dir, 'nmcades_plugin_api.js'), "window.cpcsp_chrome_nmcades = { check_chrome_plugin(ok) { window.cadesplugin.set(this); ok(); }, CreateObjectAsync(name) { return Promise.resolve({ standIn: 'CryptoPro', name }); } };");
    // Tokensign's options page, opened by Tokensign itself (a test may not navigate to moz-extension://).
    await start(`cryptoPro.createAttachedSignature('${sha1(pki.certs.rsa!.certPem)}', 'x')`);
    const picker = await findFirefoxPickerPage(firefox.browser);
    await picker.evaluate(() => (globalThis as unknown as { browser: { tabs: { create(p: object): Promise<unknown> } } }).browser.tabs.create({ url: '/ifc/options/index.html' }));
    await clickClosing(picker, '[data-testid=cancel]');
    expect((await finish()).ok).toBe(false);
    const options = await findExtensionPage('/ifc/options/index.html');

    await firefox.browser.installExtension(dir);
    const aboutName = "cadesplugin.then(() => cadesplugin.CreateObjectAsync('CAdESCOM.About')).then((a) => a.standIn ? 'CryptoPro' : a.CSPName())";

    await page.goto(`${portal.origin}/`);
    await start(aboutName);
    expect(await finish()).toEqual({ ok: true, value: 'CryptoPro' });

    // The person adds the portal in Tokensign's options: Tokensign serves it from the next load on.
    await options.evaluate((host: string) => (globalThis as unknown as { browser: { storage: { local: { set(v: object): Promise<void> } } } }).browser.storage.local.set({ cadesOrigins: [host] }), CADES_PORTAL_HOST);
    await page.goto(`${portal.origin}/`);
    await start(aboutName);
    expect(await finish()).toEqual({ ok: true, value: 'Tokensign PKCS#11' });
  }, 60_000);
});
