// The extension end to end in real headless Chromium (Russian UI): built extension, the host
// registered in the test profile, SoftHSM tokens, a test page on http://127.0.0.1 using the page client.
// Signatures are checked by OpenSSL, independently of our code.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_URL } from '../../shared/download';
import { authPayload } from '../../shared/protocol';
import { createTestPki, type TestPki } from '../fixtures/pki';
import {
  clickClosing,
  findPickerPage,
  launchChromiumWithExtension,
  pickerIsOpen,
  startTestPage,
  writeChromiumHostManifest,
  writeHostLauncher,
  type ChromiumWithExtension,
  type TestPageServer,
} from '../helpers/browser';
import { callOutcome as outcome, callPageClient as call, startCall as start } from '../helpers/page-client-calls';
import { thumbprintOf } from '../helpers/recorded-chromium';

type PageClient = typeof import('../../extension/page-client/index');

let pki: TestPki;
let site: TestPageServer;
let chrome: ChromiumWithExtension;
let page: Page;
let work: string;

const thumbprint = (name: string): string => thumbprintOf(pki.certs[name]!.certDer);

function challenge(): string {
  return randomBytes(32).toString('base64url');
}

/** OpenSSL verifies a detached CMS over `content` against the test CA; returns the signer certificate (PEM). */
function opensslVerify(cmsBase64: string, content: Uint8Array): string {
  const dir = mkdtempSync(join(work, 'verify-'));
  writeFileSync(join(dir, 'cms.der'), Buffer.from(cmsBase64, 'base64'));
  writeFileSync(join(dir, 'content.bin'), content);
  execFileSync('openssl', [
    'cms', '-verify', '-binary', '-inform', 'DER', '-in', join(dir, 'cms.der'), '-content', join(dir, 'content.bin'),
    '-CAfile', pki.caCertPem, '-purpose', 'any', '-out', join(dir, 'out.bin'), '-certsout', join(dir, 'signer.pem'),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(join(dir, 'signer.pem'), 'utf8');
}

function pemBody(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

async function noPickerFor(ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pickerIsOpen(chrome.context)) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pickerIsOpen(chrome.context);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tokensign-e2e-chromium-'));
  pki = createTestPki();
  site = await startTestPage();
  // Start with no host registered; it is registered in the second test (one browser for the file).
  chrome = await launchChromiumWithExtension({ noHost: true, language: 'ru' });
  page = await chrome.context.newPage();
  await page.goto(site.url);
}, 120_000);

afterAll(async () => {
  await chrome?.close();
  await site?.close();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('extension in Chromium', () => {
  it('without a host: status says host null; the window says what to install and where; closing it answers HOST_UNAVAILABLE; the popup says the same', async () => {
    const status = await call(page, 'status');
    expect(status).toEqual({ ok: true, result: { extension: expect.stringMatching(/^\d+\.\d+\.\d+/), host: null, protocol: 1 } });
    await start(page, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(chrome.context);
    await picker.locator('[data-testid=state][data-state=host-missing]').waitFor();
    expect(await picker.textContent('[data-testid=state]')).toContain(DOWNLOAD_URL);
    await picker.close();
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'HOST_UNAVAILABLE' });

    const popup = await chrome.context.newPage();
    await popup.goto(`chrome-extension://${chrome.extensionId}/popup/index.html`);
    const hostStatus = popup.locator('[data-testid=host-status][data-state=missing]');
    await expect.poll(() => hostStatus.textContent()).toContain(DOWNLOAD_URL);
    expect(await hostStatus.textContent()).toContain('Не установлена программа Tokensign');
    await popup.close();
  });

  it('with the host registered: status reports its version', async () => {
    const launcher = writeHostLauncher(join(chrome.userDataDir, 'host'), { env: pki.env });
    writeChromiumHostManifest(chrome.userDataDir, launcher);
    const status = await call(page, 'status');
    expect(status).toMatchObject({ ok: true, result: { host: expect.stringMatching(/^\d+\.\d+\.\d+/), protocol: 1 } });
  });

  it('answers bad requests at once, without a window', async () => {
    expect(await call(page, 'authenticate', { challenge: 'too-short' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await call(page, 'authenticate', { challenge: challenge(), timeoutMs: -5 })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await call(page, 'sign', { data: 'not base64!' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    expect(await call(page, 'sign', { data: 'aGVsbG8=', certificate: 'xyz' })).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    // A raw request with an unknown action: acked, then BAD_REQUEST; a message without an id is ignored.
    const raw = await page.evaluate(async () => {
      const seen: unknown[] = [];
      const listener = (e: MessageEvent) => {
        if (e.data?.type === 'tokensign:ack' || e.data?.type === 'tokensign:response') seen.push(e.data);
      };
      window.addEventListener('message', listener);
      window.postMessage({ type: 'tokensign:request', action: 'status' }, location.origin);
      window.postMessage({ type: 'tokensign:request', id: 'raw-1', action: 'format-disk', params: {} }, location.origin);
      await new Promise((r) => setTimeout(r, 500));
      window.removeEventListener('message', listener);
      return seen;
    });
    expect(raw).toEqual([
      { type: 'tokensign:ack', id: 'raw-1' },
      { type: 'tokensign:response', id: 'raw-1', ok: false, error: { code: 'BAD_REQUEST', message: expect.any(String) } },
    ]);
    expect(await noPickerFor(300)).toBe(true);
  });

  it('logs in with the chosen certificate: the picker names the origin, OpenSSL verifies the CMS over origin + challenge', async () => {
    const ch = challenge();
    await start(page, 'authenticate', { challenge: ch });
    const picker = await findPickerPage(chrome.context);
    expect(await picker.textContent('[data-testid=origin]')).toBe(site.origin);
    expect(await picker.textContent('[data-testid=confirm]')).toBe('Войти');
    const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('rsa')}"]`);
    const text = (await card.textContent()) ?? '';
    for (const shown of ['Иванов Иван Иванович', 'ООО "Ромашка"', 'Генеральный директор', 'ИНН', '007701234567', 'ОГРН', '1027700132195', 'СНИЛС', '11223344595', 'Tokensign Test CA', 'Действителен до']) {
      expect(text).toContain(shown);
    }
    expect(await picker.isDisabled('[data-testid=confirm]')).toBe(true);
    await card.click();
    expect(await card.getAttribute('aria-selected')).toBe('true');
    expect(await picker.textContent('[data-testid=pin-hint]')).toContain('Tokensign Test 1');
    await picker.fill('[data-testid=pin]', '123456');
    const closed = picker.waitForEvent('close', { timeout: 30_000 });
    await clickClosing(picker, '[data-testid=confirm]');
    const result = await outcome(page);
    await closed;
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.result.format).toBe('tokensign-auth:1');
    expect(result.result.origin).toBe(site.origin);
    const signer = opensslVerify(result.result.cms as string, authPayload(site.origin, ch));
    expect(pemBody(signer)).toBe(pemBody(readFileSync(pki.certs.rsa!.certPem, 'utf8')));
    expect(result.result.certificate).toBe(readFileSync(pki.certs.rsa!.certDer).toString('base64'));
    // The page never sees the PIN.
    expect(JSON.stringify(result)).not.toContain('123456');
  });

  it('a wrong PIN keeps the window open and says so; the right PIN then signs', async () => {
    const ch = challenge();
    await start(page, 'authenticate', { challenge: ch });
    const picker = await findPickerPage(chrome.context);
    await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint('p256')}"]`);
    await picker.fill('[data-testid=pin]', '000000');
    await picker.click('[data-testid=confirm]');
    const error = picker.locator('[data-testid=error]');
    await error.waitFor({ state: 'visible', timeout: 20_000 });
    expect(await error.getAttribute('data-code')).toBe('PIN_INCORRECT');
    expect(await error.textContent()).toContain('Неверный PIN-код');
    expect(picker.isClosed()).toBe(false);
    expect(await picker.inputValue('[data-testid=pin]')).toBe('');
    await picker.fill('[data-testid=pin]', '123456');
    await clickClosing(picker, '[data-testid=confirm]');
    const result = await outcome(page);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const signer = opensslVerify(result.result.cms as string, authPayload(site.origin, ch));
    expect(pemBody(signer)).toBe(pemBody(readFileSync(pki.certs.p256!.certPem, 'utf8')));
  });

  it('shows expired, not-yet-valid and key-less certificates greyed with the reason and does not let them be chosen; BUSY; closing the window cancels', async () => {
    await start(page, 'sign', { data: Buffer.from('документ').toString('base64') });
    const picker = await findPickerPage(chrome.context);
    expect(await picker.textContent('[data-testid=confirm]')).toBe('Подписать');
    const reasons: Record<string, string> = { expired: 'Срок действия истёк', notyet: 'Ещё не действует', nokey: 'нет закрытого ключа' };
    for (const [name, reason] of Object.entries(reasons)) {
      const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint(name)}"]`);
      expect(await card.getAttribute('aria-disabled'), name).toBe('true');
      expect(await card.locator('[data-testid=cert-reason]').textContent(), name).toContain(reason);
      await card.click({ force: true });
      expect(await card.getAttribute('aria-selected'), name).toBe('false');
      expect(await picker.isDisabled('[data-testid=confirm]')).toBe(true);
    }
    for (const name of ['rsa', 'p256', 'p384']) {
      expect(await picker.getAttribute(`[data-testid=cert][data-thumbprint="${thumbprint(name)}"]`, 'aria-disabled'), name).toBe('false');
    }
    // One pending request per tab.
    const second = await page.evaluate(() =>
      (window as unknown as { tokensign: PageClient }).tokensign.status().then(
        () => (window as unknown as { tokensign: PageClient }).tokensign.authenticate({ challenge: 'A'.repeat(43) }).then(() => 'ok', (e: { code: string }) => e.code),
      ),
    );
    expect(second).toBe('BUSY');
    await picker.close();
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
  });

  it('signs data with the certificate the page preselected; OpenSSL verifies the detached CMS', async () => {
    const data = Buffer.from('Платёжное поручение № 1');
    await start(page, 'sign', { data: data.toString('base64'), certificate: thumbprint('p384') });
    const picker = await findPickerPage(chrome.context);
    const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint('p384')}"]`);
    await expect.poll(() => card.getAttribute('aria-selected')).toBe('true');
    await picker.fill('[data-testid=pin]', '654321');
    await clickClosing(picker, '[data-testid=confirm]');
    const result = await outcome(page);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const signer = opensslVerify(result.result.cms as string, data);
    expect(pemBody(signer)).toBe(pemBody(readFileSync(pki.certs.p384!.certPem, 'utf8')));
  });

  it('closing the tab closes its picker; the next request is served, and Cancel answers USER_CANCELLED', async () => {
    const tab = await chrome.context.newPage();
    await tab.goto(site.url);
    await start(tab, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(chrome.context);
    const pickerClosed = picker.waitForEvent('close', { timeout: 20_000 });
    await tab.close();
    await pickerClosed;
    // The queue is free again: this tab's request opens a fresh picker.
    await start(page, 'authenticate', { challenge: challenge() });
    const next = await findPickerPage(chrome.context);
    const nextClosed = next.waitForEvent('close', { timeout: 20_000 });
    await clickClosing(next, '[data-testid=cancel]');
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'USER_CANCELLED' });
    await nextClosed;
  });

  it('leaving the page closes its picker too', async () => {
    const tab = await chrome.context.newPage();
    await tab.goto(site.url);
    await start(tab, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(chrome.context);
    const pickerClosed = picker.waitForEvent('close', { timeout: 20_000 });
    await tab.goto(`${site.origin}/other.html`);
    await pickerClosed;
    // The new document may ask at once.
    expect(await call(tab, 'status')).toMatchObject({ ok: true });
    await tab.close();
  });

  it('a request past its timeoutMs is answered TIMEOUT and its picker closes', async () => {
    await start(page, 'authenticate', { challenge: challenge(), timeoutMs: 1500 });
    const picker = await findPickerPage(chrome.context);
    const closed = picker.waitForEvent('close', { timeout: 20_000 });
    expect(await outcome(page)).toMatchObject({ ok: false, code: 'TIMEOUT' });
    await closed;
  });

  it('the page client says EXTENSION_UNAVAILABLE when nothing acks within 1 s (in a frame, where the bridge does not run)', async () => {
    await page.evaluate(
      (src) =>
        new Promise<void>((resolve) => {
          const frame = document.createElement('iframe');
          frame.src = src;
          frame.onload = () => resolve();
          document.body.append(frame);
        }),
      `${site.origin}/other.html`,
    );
    const frame = page.frames().find((f) => f.url().endsWith('/other.html'));
    expect(frame).toBeDefined();
    const result = await frame!.evaluate(async () => {
      const started = performance.now();
      const code = await (window as unknown as { tokensign: PageClient }).tokensign.status().then(() => 'ok', (e: { code: string }) => e.code);
      return { code, waited: performance.now() - started };
    });
    expect(result.code).toBe('EXTENSION_UNAVAILABLE');
    expect(result.waited).toBeGreaterThanOrEqual(950);
    await page.evaluate(() => document.querySelector('iframe')?.remove());
  });

  it('the popup shows the host, the tokens and the certificates with their states', async () => {
    const popup = await chrome.context.newPage();
    await popup.goto(`chrome-extension://${chrome.extensionId}/popup/index.html`);
    await popup.locator('[data-testid=host-status][data-state=found]').waitFor({ timeout: 20_000 });
    const tokens = await popup.locator('[data-testid=token]').allTextContents();
    expect(tokens.join('\n')).toContain('Tokensign Test 1');
    expect(tokens.join('\n')).toContain('Tokensign Test 2');
    expect(await popup.locator('[data-testid=cert]').count()).toBe(6);
    expect(await popup.getAttribute(`[data-testid=cert][data-thumbprint="${thumbprint('expired')}"]`, 'data-status')).toBe('expired');
    expect(await popup.textContent(`[data-testid=cert][data-thumbprint="${thumbprint('expired')}"] [data-testid=cert-reason]`)).toContain('Срок действия истёк');
    await popup.close();
  });
});
