// GOST and the emulated token end to end in headless Chromium (Russian UI): a GOST R 34.10-2012 login chosen in the
// extension's picker (checked by OpenSSL with the gost engine and by verifyAuthentication), then the PIN counting
// down to the lock and an unplugged token, as the picker tells the user.
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuthentication } from '../../relying-party/index';
import { authPayload } from '../../shared/protocol';
import { createGostPki, GOST_CERTS, GOST_TEST_TOKENS, type GostPki } from '../fixtures/gost';
import {
  CHROME_EXTENSION_DIR,
  clickClosing,
  findPickerPage,
  HOST_BUNDLE,
  launchChromiumWithExtension,
  startTestPage,
  type ChromiumWithExtension,
  type TestPageServer,
} from '../helpers/browser';
import { callOutcome, startCall, type Outcome } from '../helpers/page-client-calls';
import { thumbprintOf } from '../helpers/recorded-chromium';
import { opensslVerify } from '../helpers/cms-verify';
import { shotPath } from '../helpers/window';

const LOCK_TOKEN = { label: 'Tokensign GOST 3', serial: 'TT00000003', pin: '11112222', maxPinTries: 3 };

let pki: GostPki;
let site: TestPageServer;
let chrome: ChromiumWithExtension;
let page: Page;
let work: string;

const start = (challenge: string): Promise<void> => startCall(page, 'authenticate', { challenge });
const outcome = (): Promise<Outcome<Record<string, string>>> => callOutcome(page);
const thumbprint = (name: string): string => thumbprintOf(pki.certs[name]!.certDer);

/** A private copy of a build folder, so a rebuild running beside this file cannot pull it away mid-test. */
async function privateCopy(dir: string, marker: string, name: string): Promise<string> {
  for (let i = 0; i < 120 && !existsSync(join(dir, marker)); i++) await new Promise((r) => setTimeout(r, 500));
  const copy = join(work, name);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

const ru = JSON.parse(readFileSync('extension/_locales/ru/messages.json', 'utf8')) as Record<string, { message: string }>;

async function errorShown(picker: Page, previous: string | null = null): Promise<{ code: string | null; text: string | null }> {
  const line = picker.locator('[data-testid=error]');
  await expect.poll(async () => (await line.isVisible()) && (await line.getAttribute('data-code')) !== previous, { timeout: 20_000 }).toBe(true);
  return { code: await line.getAttribute('data-code'), text: await line.textContent() };
}

beforeAll(async () => {
  pki = createGostPki({
    tokens: [GOST_TEST_TOKENS[0]!, LOCK_TOKEN],
    certs: [
      ...GOST_CERTS.filter((c) => c.token === GOST_TEST_TOKENS[0]!.label),
      { name: 'lockme', token: LOCK_TOKEN.label, key: 'gost256-XB', id: 'c1', label: 'Lockout GOST', subject: '/CN=Блокировка ПИН/O=Tokensign Test/C=RU' },
    ],
  });
  work = mkdtempSync(join(tmpdir(), 'tokensign-e2e-gost-'));
  const extensionDir = await privateCopy(CHROME_EXTENSION_DIR, 'manifest.json', 'chrome');
  const hostDir = await privateCopy(join(HOST_BUNDLE, '..'), 'host.mjs', 'native-host');
  site = await startTestPage();
  chrome = await launchChromiumWithExtension({ extensionDir, hostPath: join(hostDir, 'host.mjs'), hostEnv: pki.env, language: 'ru' });
  page = await chrome.context.newPage();
  await page.goto(site.url);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('GOST in the picker', () => {
  it('logs in with a GOST R 34.10-2012 512 certificate chosen in the picker', async () => {
    const challenge = randomBytes(32).toString('base64url');
    await start(challenge);
    const picker = await findPickerPage(chrome.context);
    const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('gost512')}"]`);
    await card.waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toContain('Смирнова Елена Викторовна');
    await card.click();
    await picker.fill('[data-testid=pin]', GOST_TEST_TOKENS[0]!.pin);
    const closed = picker.waitForEvent('close', { timeout: 30_000 });
    await clickClosing(picker, '[data-testid=confirm]');
    await closed;
    const result = await outcome();
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    const cms = Buffer.from(result.result.cms!, 'base64');
    const openssl = opensslVerify(cms, pki.caCertPem, authPayload(site.origin, challenge), ['-engine', 'gost']);
    expect(openssl.ok, openssl.stderr).toBe(true);
    const verified = await verifyAuthentication({
      response: result.result,
      challenge,
      origin: site.origin,
      trustedCertificates: [readFileSync(pki.caCertPem, 'utf8')],
      revocation: { mode: 'off' }, // the test CA publishes no revocation service
    });
    expect(verified.certificate.keyAlgorithm).toBe('GOST-2012-512');
  });

  it('counts wrong PINs down (a wrong PIN before, last try), then says the PIN is locked; Cancel then tells the page PIN_LOCKED', async () => {
    await start(randomBytes(32).toString('base64url'));
    const picker = await findPickerPage(chrome.context);
    await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint('lockme')}"]`);

    await picker.fill('[data-testid=pin]', '00000000');
    await picker.click('[data-testid=confirm]');
    const first = await errorShown(picker);
    expect(first.code).toBe('PIN_INCORRECT');
    // PKCS#11 says only that a wrong PIN was entered before (COUNT_LOW), not how many tries are left.
    expect(first.text).toContain('неверных PIN-кодов подряд');

    await picker.fill('[data-testid=pin]', '00000000');
    await picker.click('[data-testid=confirm]');
    await expect.poll(() => picker.textContent('[data-testid=error]'), { timeout: 20_000 }).toContain('последняя попытка');
    expect(await picker.getAttribute('[data-testid=error]', 'data-code')).toBe('PIN_INCORRECT');

    await picker.fill('[data-testid=pin]', '00000000');
    await picker.click('[data-testid=confirm]');
    const locked = await errorShown(picker, 'PIN_INCORRECT');
    expect(locked.code).toBe('PIN_LOCKED');
    // A short bold red line, then how to unlock in plain type (it was once seven lines all in bold red).
    expect(locked.text).toBe(`${ru.errorPinLocked!.message} ${ru.unlockAdvice!.message}`);
    const advice = await picker.locator('[data-testid=error] [data-testid=advice]').evaluate((e) => ({ weight: getComputedStyle(e).fontWeight, color: getComputedStyle(e).color, body: getComputedStyle(document.body).color }));
    expect(Number(advice.weight)).toBeLessThan(600);
    expect(advice.color).toBe(advice.body);
    await picker.screenshot({ path: shotPath('ru-pin-locked-now') });

    const closed = picker.waitForEvent('close', { timeout: 20_000 });
    await clickClosing(picker, '[data-testid=cancel]');
    await closed;
    expect(await outcome()).toMatchObject({ ok: false, code: 'PIN_LOCKED' });
  });

  it('says the token was removed when it is unplugged with the picker open', async () => {
    pki.resetPins();
    await start(randomBytes(32).toString('base64url'));
    const picker = await findPickerPage(chrome.context);
    await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint('lockme')}"]`);
    pki.unplug(LOCK_TOKEN.label);
    // The window may see the token go before the PIN is in (it reads a token shown from its last
    // reading again once it has drawn): the choice is dropped and there is nothing to confirm.
    const submit = (async () => {
      await picker.fill('[data-testid=pin]', LOCK_TOKEN.pin);
      await picker.click('[data-testid=confirm]');
    })();
    submit.catch(() => undefined);
    const removed = await errorShown(picker);
    // Seen by the signature (TOKEN_REMOVED), or first by the window (a reading or its token watch), which drops the choice and says so.
    expect(['TOKEN_REMOVED', 'TOKEN_PULLED']).toContain(removed.code);
    expect(removed.text).toContain('извлечён');
    pki.replug(LOCK_TOKEN.label);
    // The picker may end the request itself after a removal; otherwise the user cancels.
    if (!picker.isClosed()) await picker.click('[data-testid=cancel]').catch(() => undefined);
    const end = await outcome();
    expect(end.ok).toBe(false);
  });
});
