// crypto-pro 2.5.2 unchanged on lkfl2.nalog.ru in Firefox ESR (the MAIN-world content script needs
// Firefox 128+): the certificates of SoftHSM and of the emulated GOST token, an attached GOST
// signature and a detached signature of an RSA hash, each confirmed in Tokensign's window with the
// PIN typed there and verified by `openssl cms -verify` (gost engine).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADES_PORTAL_HOST, startCadesPortal, type CadesPortal } from '../fixtures/cades-portal/server';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { findFirefoxPickerPage, launchFirefoxWithExtension, type FirefoxWithExtension } from '../helpers/browser';
import { opensslVerify } from '../helpers/cms-verify';

let pki: TestPki;
let gost: GostPki;
let portal: CadesPortal;
let firefox: FirefoxWithExtension;
let page: Page;
let caFile: string;

const MESSAGE = 'Заявление о регистрации права собственности';
const sha1 = (pemPath: string): string =>
  createHash('sha1').update(Buffer.from(readFileSync(pemPath, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('hex').toUpperCase();

async function start(expression: string): Promise<void> {
  await page.evaluate((code: string) => {
    const w = window as unknown as { __run?: Promise<{ ok: boolean; value: unknown }> };
    w.__run = (0, eval)(code).then(
      (value: unknown) => ({ ok: true, value }),
      (error: unknown) => ({ ok: false, value: error instanceof Error ? error.message : String(error) }),
    );
  }, expression);
}
const finish = (): Promise<{ ok: boolean; value: unknown }> => page.evaluate(() => (window as unknown as { __run: Promise<{ ok: boolean; value: unknown }> }).__run);

async function confirm(pin: string): Promise<{ shown: string; origin: string }> {
  const picker = await findFirefoxPickerPage(firefox.browser);
  await picker.waitForSelector('[data-testid=signed-content]:not([hidden])');
  const shown = await picker.$eval('[data-testid=signed-content-text]', (el) => el.textContent ?? '');
  const origin = await picker.$eval('[data-testid=origin]', (el) => el.textContent ?? '');
  await picker.type('[data-testid=pin]', pin);
  await picker.click('[data-testid=confirm]').catch(() => undefined); // the window closes itself
  return { shown, origin };
}

beforeAll(async () => {
  pki = createTestPki();
  gost = createGostPki();
  portal = await startCadesPortal();
  caFile = join(gost.dir, 'cades-trusted.pem');
  writeFileSync(caFile, [pki.caCertPem, gost.caCertPem, gost.rsaCaCertPem].map((p) => readFileSync(p, 'utf8')).join('\n'));
  firefox = await launchFirefoxWithExtension({
    hostEnv: { ...pki.env, ...gost.env, TOKENSIGN_PKCS11_MODULES: [pki.modulePath, gost.modulePath].join(delimiter) },
    acceptInsecureCerts: true,
    extraPrefs: { 'network.dns.localDomains': CADES_PORTAL_HOST },
  });
  page = await firefox.browser.newPage();
  await page.goto(`${portal.origin}/`);
}, 180_000);

afterAll(async () => {
  await firefox?.close();
  await portal?.close();
  gost?.cleanup();
  pki?.cleanup();
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
});
