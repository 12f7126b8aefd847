// Security properties seen from outside, in a real Chromium with the built extension, the real
// host (behind a recording wrapper) and SoftHSM: the signed origin is the tab's whatever the page
// claims; the page never receives a PIN or a certificate list; extension pages run under a strict
// CSP; the PIN is in no log, no console and no file of the profile.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import { createTestPki, FIXTURE_TOKENS, type TestPki } from '../fixtures/pki';
import { CHROME_EXTENSION_DIR, clickClosing, findPickerPage, pickerIsOpen } from '../helpers/browser';
import {
  approveInPicker,
  eventually,
  launchRecordedChromium,
  openRecordingPage,
  pageRequest,
  PLAIN_PAGE,
  seenMessages,
  startPageServer,
  thumbprintOf,
  type PageServer,
  type RecordedChromium,
} from '../helpers/recorded-chromium';

// A PIN no other string on the machine is likely to contain, so finding it anywhere means a leak.
const PIN = `7391${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0')}`;
const WRONG_PIN = `5820${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0')}`;
const challenge = () => randomBytes(32).toString('base64url');

describe('security in Chromium', () => {
  let pki: TestPki;
  let browser: RecordedChromium;
  let server: PageServer;
  let workDir: string;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    pki = createTestPki({ tokens: [{ ...FIXTURE_TOKENS[0]!, pin: PIN }, FIXTURE_TOKENS[1]!] });
    workDir = mkdtempSync(join(tmpdir(), 'tokensign-security-'));
    browser = await launchRecordedChromium(pki.env);
    browser.context.on('console', (message) => consoleLines.push(message.text()));
    browser.context.on('page', (page) => page.on('console', (message) => consoleLines.push(message.text())));
    server = await startPageServer({ '/': PLAIN_PAGE });
  });

  afterAll(async () => {
    await server?.close();
    await browser?.close();
    pki?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('signs the origin of the tab even when the page names another one in its message', async () => {
    const page = await openRecordingPage(browser.context, server.url());
    const lie = 'https://esia.gosuslugi.ru';
    const c = challenge();
    const exchange = pageRequest(page, 'authenticate', { challenge: c, origin: lie, certificateId: 'x', pin: '000000' });
    const picker = await findPickerPage(browser.context);
    expect(await picker.textContent('[data-testid=origin]')).toContain(server.origin);
    await approveInPicker(browser.context, thumbprintOf(pki.certs.p256!.certDer), PIN);
    const { acked, response } = await exchange;
    expect(acked).toBe(true);
    expect(response?.ok, JSON.stringify(response)).toBe(true);
    expect(response?.result?.origin).toBe(server.origin);

    // OpenSSL, independently: the CMS signs the tab's origin, not the page's claim.
    const cms = join(workDir, 'auth.cms');
    writeFileSync(cms, Buffer.from(String(response?.result?.cms), 'base64'));
    const verify = (origin: string) => {
      const content = join(workDir, 'payload');
      writeFileSync(content, authPayload(origin, c));
      try {
        execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cms, '-content', content, '-CAfile', pki.caCertPem, '-purpose', 'any', '-out', '/dev/null'], {
          stdio: 'pipe',
        });
        return true;
      } catch {
        return false;
      }
    };
    expect(verify(server.origin)).toBe(true);
    expect(verify(lie)).toBe(false);

    const authCommands = browser.commands().filter((r) => r.command === 'authenticate');
    expect(authCommands).toHaveLength(1);
    expect(authCommands[0]?.params?.origin).toBe(server.origin);
    expect(authCommands[0]?.params?.certificateId).not.toBe('x');
    await page.close();
  });

  it('never gives the page a PIN or a certificate list, even after a wrong PIN', async () => {
    const page = await openRecordingPage(browser.context, server.url());
    const exchange = pageRequest(page, 'authenticate', { challenge: challenge() });
    const p256 = thumbprintOf(pki.certs.p256!.certDer);
    const picker = await approveInPicker(browser.context, p256, WRONG_PIN);
    await picker.waitForSelector('[data-testid=error]:not([hidden])');
    expect(await picker.getAttribute('[data-testid=error]', 'data-code')).toBe('PIN_INCORRECT');
    await picker.fill('[data-testid=pin]', PIN);
    await clickClosing(picker, '[data-testid=confirm]');
    const { response } = await exchange;
    expect(response?.ok, JSON.stringify(response)).toBe(true);

    const seen = await seenMessages(page);
    const text = JSON.stringify(seen);
    expect(text).not.toContain(PIN);
    expect(text).not.toContain(WRONG_PIN);
    // Only our request, its ack and its one response reach the page.
    const types = seen.map((m) => (m.data as { type?: string }).type);
    expect(types).toEqual(['tokensign:request', 'tokensign:ack', 'tokensign:response']);
    const result = (seen[2]?.data as { result: Record<string, unknown> }).result;
    expect(Object.keys(result).sort()).toEqual(['certificate', 'cms', 'format', 'origin']);
    // No other certificate of the tokens, no list, no token data.
    for (const [name, cert] of Object.entries(pki.certs)) {
      const der = readFileSync(cert.certDer).toString('base64');
      if (name !== 'p256') expect(text.includes(der), `certificate ${name} reached the page`).toBe(false);
    }
    for (const word of ['"certificates"', '"tokens"', 'thumbprint', 'Tokensign Test 1', 'hasPrivateKey']) expect(text).not.toContain(word);
    await page.close();
  });

  it('runs extension pages under a strict CSP: no inline or remote script, no framing by pages', async () => {
    const manifest = JSON.parse(readFileSync(join(CHROME_EXTENSION_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    const csp = (manifest.content_security_policy as { extension_pages?: string } | undefined)?.extension_pages ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0]!, d.slice(1)]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(["'none'", "'self'"]).toContain(directives.get('object-src')?.join(' '));
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const exposed = JSON.stringify(manifest.web_accessible_resources ?? []);
    expect(exposed).not.toMatch(/picker|popup|\.html|\*/);

    const htmlFiles: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (lstatSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.html')) htmlFiles.push(path);
      }
    };
    walk(CHROME_EXTENSION_DIR);
    expect(htmlFiles.length).toBeGreaterThan(1);
    for (const file of htmlFiles) {
      const html = readFileSync(file, 'utf8');
      expect(html, `${file} has an inline script`).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      expect(html, `${file} has an inline event handler`).not.toMatch(/\son[a-z]+\s*=/i);
      expect(html, `${file} loads a remote script`).not.toMatch(/<script[^>]*src=["']?(https?:)?\/\//i);
    }

    // In the live picker, an injected inline script is refused by the browser and reported.
    const page = await openRecordingPage(browser.context, server.url());
    const exchange = pageRequest(page, 'authenticate', { challenge: challenge() });
    const picker = await findPickerPage(browser.context);
    const outcome = await picker.evaluate(
      () =>
        new Promise<{ violated: string | null; ran: boolean }>((resolve) => {
          const w = window as unknown as { __inlineRan?: boolean };
          document.addEventListener('securitypolicyviolation', (e) => resolve({ violated: e.violatedDirective, ran: w.__inlineRan === true }), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.head.append(script);
          setTimeout(() => resolve({ violated: null, ran: w.__inlineRan === true }), 3000);
        }),
    );
    expect(outcome.ran).toBe(false);
    expect(outcome.violated).toMatch(/^script-src/);
    await clickClosing(picker, '[data-testid=cancel]');
    const { response } = await exchange;
    expect(response?.error?.code).toBe('USER_CANCELLED');
    expect(await eventually(() => !pickerIsOpen(browser.context))).toBe(true);
    await page.close();
  });

  it('leaves the PIN in no host log, no recorded command, no console line and no file of the profile', async () => {
    // The flows above typed PIN and WRONG_PIN; the host must have received them (else this proves nothing).
    const withPin = browser.commands().filter((r) => r.command === 'authenticate' && r.params?.hasPin === true);
    expect(withPin.length).toBeGreaterThanOrEqual(3);
    // One host process served the whole browser session, not one per request.
    expect(browser.records().filter((r) => r.event === 'start')).toHaveLength(1);
    const stderr = browser.hostStderr();
    const records = JSON.stringify(browser.records());
    for (const pin of [PIN, WRONG_PIN]) {
      expect(stderr.includes(pin), 'PIN in host stderr').toBe(false);
      expect(records.includes(pin), 'PIN in what the host was sent, outside the PIN field').toBe(false);
      expect(consoleLines.join('\n').includes(pin), 'PIN in a console').toBe(false);
    }
    // Close the browser so that it writes out what it keeps, then read every file of the profile.
    await browser.context.close();
    const leaks: string[] = [];
    // A control string that is in the profile (the host launcher holds the SoftHSM config path): the walk reads files.
    const control = Buffer.from(pki.softhsmConf, 'utf8');
    let controlFound = false;
    const needles = [PIN, WRONG_PIN].flatMap((pin) => [Buffer.from(pin, 'utf8'), Buffer.from(pin, 'utf16le')]);
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const stat = lstatSync(path);
        if (stat.isDirectory()) walk(path);
        else if (stat.isFile() && stat.size < 64 * 1024 * 1024) {
          const bytes = readFileSync(path);
          if (needles.some((n) => bytes.includes(n))) leaks.push(path);
          if (bytes.includes(control)) controlFound = true;
        }
      }
    };
    expect(existsSync(browser.userDataDir)).toBe(true);
    walk(browser.userDataDir);
    expect(controlFound).toBe(true);
    expect(leaks).toEqual([]);
  });
});
