// Tokens that come and go and PINs that run out, in real headless Chromium (English UI), on the
// emulated PKCS#11 test token (a C module loaded by the host through pkcs11js: SoftHSM cannot be
// unplugged and never locks a PIN). OpenSSL checks the signature.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import { GOST_CERTS, GOST_TEST_TOKENS, createGostPki, type GostPki } from '../fixtures/gost';
import { clickClosing, findPickerPage, launchChromiumWithExtension, startTestPage, type ChromiumWithExtension, type TestPageServer } from '../helpers/browser';
import { callOutcome, startCall, type Outcome } from '../helpers/page-client-calls';
import { thumbprintOf } from '../helpers/recorded-chromium';

const GOST2 = 'Tokensign GOST 2';

let pki: GostPki;
let site: TestPageServer;
let chrome: ChromiumWithExtension;
let page: Page;
let work: string;

const startAuthenticate = (challenge: string): Promise<void> => startCall(page, 'authenticate', { challenge });
const outcome = (): Promise<Outcome> => callOutcome(page);
const thumbprint = (name: string): string => thumbprintOf(pki.certs[name]!.certDer);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tokensign-e2e-tokens-'));
  // Both tokens start out of their readers.
  // One more certificate that expires in about ten days, for the warning.
  const soon = new Date(Date.now() + 10.5 * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  const certs = [
    ...GOST_CERTS,
    { name: 'soon', token: GOST2, key: 'p256' as const, id: 'b4', label: 'Expiring soon', subject: '/CN=Скоро Истекающий/O=ООО "Ромашка"/C=RU', startDate: '20240101000000Z', endDate: soon },
  ];
  pki = createGostPki({ certs, tokens: GOST_TEST_TOKENS.map((t) => ({ ...t, present: false, maxPinTries: 3 })) });
  site = await startTestPage();
  chrome = await launchChromiumWithExtension({ hostEnv: pki.env, language: 'en' });
  page = await chrome.context.newPage();
  await page.goto(site.url);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('picker with tokens coming and going', () => {
  it('with no token the window still opens and explains; closing it answers NO_TOKEN', async () => {
    await startAuthenticate(randomBytes(32).toString('base64url'));
    const picker = await findPickerPage(chrome.context);
    await picker.locator('[data-testid=state][data-state=no-token]').waitFor({ state: 'visible' });
    expect(await picker.locator('[data-testid=state]').textContent()).toContain('Insert the USB token');
    expect(await picker.locator('[data-testid=cert]').count()).toBe(0);
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'NO_TOKEN' });
  });

  it('a token plugged in while the window is open appears with all its certificates, and one of them signs the login', async () => {
    const challenge = randomBytes(32).toString('base64url');
    await startAuthenticate(challenge);
    const picker = await findPickerPage(chrome.context);
    await picker.locator('[data-testid=state][data-state=no-token]').waitFor({ state: 'visible' });
    pki.replug(GOST2);
    const gostCard = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('gost512b')}"]`);
    await gostCard.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await picker.locator('[data-testid=state]').isHidden()).toBe(true);
    expect(await gostCard.textContent()).toContain('GOST-2012-512');
    const soonCard = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('soon')}"]`);
    expect(await soonCard.getAttribute('aria-disabled')).toBe('false');
    expect(await soonCard.locator('[data-testid=cert-warning]').textContent()).toMatch(/^Expires in (9|10) days$/);
    const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('p256')}"]`);
    expect(await card.locator('[data-testid=cert-warning]').count()).toBe(0);
    await card.click();
    await picker.fill('[data-testid=pin]', '87654321');
    await clickClosing(picker, '[data-testid=confirm]');
    const result = await outcome();
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    const dir = mkdtempSync(join(work, 'verify-'));
    writeFileSync(join(dir, 'cms.der'), Buffer.from(result.result.cms as string, 'base64'));
    writeFileSync(join(dir, 'content.bin'), authPayload(site.origin, challenge));
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'cms.der'), '-content', join(dir, 'content.bin'),
      '-CAfile', pki.rsaCaCertPem, '-purpose', 'any', '-out', join(dir, 'out.bin')], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(result.result.certificate).toBe(readFileSync(pki.certs.p256!.certDer).toString('base64'));
  });

  it('spells out the last try and the locked PIN; the locked token greys its certificates; closing answers PIN_LOCKED', async () => {
    await startAuthenticate(randomBytes(32).toString('base64url'));
    const picker = await findPickerPage(chrome.context);
    const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('rsa')}"]`);
    await card.waitFor({ state: 'visible', timeout: 10_000 });
    const error = picker.locator('[data-testid=error]');
    const seen: string[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      if ((await card.getAttribute('aria-disabled')) === 'true') break;
      await card.click();
      await picker.fill('[data-testid=pin]', '00000000');
      await picker.click('[data-testid=confirm]');
      await expect.poll(() => error.getAttribute('data-code'), { timeout: 20_000 }).toMatch(/PIN_/);
      seen.push(`${await error.getAttribute('data-code')}: ${await error.textContent()}`);
      // Wait until the window is ready for the next try.
      await expect.poll(() => picker.locator('[data-testid=progress]').isHidden()).toBe(true);
      await error.evaluate((e) => e.setAttribute('data-code', ''));
    }
    expect(seen.some((s) => s.startsWith('PIN_INCORRECT') && s.includes('last try'))).toBe(true);
    expect(seen.at(-1)).toMatch(/^PIN_LOCKED: .*locked/);
    expect(await card.getAttribute('aria-disabled')).toBe('true');
    expect(await card.locator('[data-testid=cert-reason]').textContent()).toContain('PIN is locked');
    expect(picker.isClosed()).toBe(false);
    await picker.close();
    expect(await outcome()).toMatchObject({ ok: false, code: 'PIN_LOCKED' });
  });
});
