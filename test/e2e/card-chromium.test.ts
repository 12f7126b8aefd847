// The whole path on the real smart-card stack: a page in headless Chromium → the extension → the
// built host → OpenSC → pcscd → vpcd → the project's virtual PIV card. The card goes in while the
// window is open; its certificate signs the login; OpenSSL verifies the CMS. Holds the card-stack
// lock, so no other card-stack test runs meanwhile.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import type { TestPki } from '../fixtures/pki';
import { clickClosing, findPickerPage, launchChromiumWithExtension, startTestPage, type ChromiumWithExtension, type TestPageServer } from '../helpers/browser';
import { opensslVerify } from '../helpers/cms-verify';
import { CARD_PIN, VpcdCard, cardApplet, openscEnv, startCardStack, type CardStack } from '../helpers/pcsc-stack';

type PageClient = typeof import('../../extension/page-client/index');
type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; code: string; message: string };

let stack: CardStack | undefined;
let pki: TestPki;
let card: VpcdCard | undefined;
let site: TestPageServer;
let chrome: ChromiumWithExtension;
let page: Page;

beforeAll(async () => {
  stack = await startCardStack();
  pki = stack.pki;
  site = await startTestPage();
  chrome = await launchChromiumWithExtension({ hostEnv: openscEnv(pki.dir), language: 'en' });
  page = await chrome.context.newPage();
  await page.goto(site.url);
}, 600_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
  await card?.remove();
  await stack?.stop();
});

describe('Chromium with the extension on pcscd + OpenSC and a virtual PIV card', () => {
  it('shows the card put in while the window is open, and its PIV authentication certificate signs the login', async () => {
    const challenge = randomBytes(32).toString('base64url');
    await page.evaluate((ch) => {
      const w = window as unknown as { tokensign: PageClient; __outcome?: Promise<unknown> };
      w.__outcome = w.tokensign.authenticate({ challenge: ch }).then(
        (result) => ({ ok: true, result }),
        (e: { code: string; message: string }) => ({ ok: false, code: e.code, message: e.message }),
      );
    }, challenge);
    const picker = await findPickerPage(chrome.context);
    // Nothing to offer yet: the window's state says so (no token, or tokens without a usable certificate).
    await picker.locator('[data-testid=state][data-state=no-token], [data-testid=state][data-state=no-certificates]').waitFor({ state: 'visible' });

    card = new VpcdCard(cardApplet(pki, 'A'));
    await card.insert();
    const der = readFileSync(pki.certs['cardA-auth']!.certDer);
    const entry = picker.locator(`[data-testid=cert][data-thumbprint="${createHash('sha256').update(der).digest('hex')}"]`);
    await entry.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await entry.textContent()).toContain('RSA-2048');
    await entry.click();
    await picker.fill('[data-testid=pin]', CARD_PIN);
    await clickClosing(picker, '[data-testid=confirm]');

    const result = (await page.evaluate(() => (window as unknown as { __outcome: Promise<unknown> }).__outcome)) as Outcome;
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.result.certificate).toBe(der.toString('base64'));
    const check = opensslVerify(Buffer.from(result.result.cms as string, 'base64'), pki.caCertPem, Buffer.from(authPayload(site.origin, challenge)));
    expect(check.ok, check.stderr).toBe(true);
    expect(card.applet.signatures).toBe(1);
  });
});
