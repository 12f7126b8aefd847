// Issue 14, what outside testing broke, checked in real headless Chromium with the built extension and
// host on SoftHSM: what the window shows (items 1, 2, 7), prompt storms (item 3), probing another
// tab's signing (item 4), status (item 7), reconnection on a host it may not serve (item 9), the
// plugin marker and the answers without a host (items 10, 11).
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIfcPortal, type IfcPortal } from '../fixtures/ifc-portal/server';
import { createTestPki, type TestPki } from '../fixtures/pki';
import {
  answerUnlessWindow,
  cancelNextWindow,
  clickClosing,
  findPickerPage,
  launchChromiumWithExtension,
  pickerIsOpen,
  writeChromiumHostManifest,
  writeHostLauncher,
  type ChromiumWithExtension,
} from '../helpers/browser';
import { ask, askAnswered, askResult, startAsk, waitUntil } from '../helpers/ifc-portal-page';

const RESOLVE = '--host-resolver-rules=MAP esia.gosuslugi.ru 127.0.0.1, MAP esia.gosuslugi.ru. 127.0.0.1, MAP example.test 127.0.0.1, MAP other.test 127.0.0.1';
const CHALLENGE = 'q3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg';

let pki: TestPki;
let portal: IfcPortal;
let chrome: ChromiumWithExtension;
let work: string;

beforeAll(async () => {
  pki = createTestPki();
  work = mkdtempSync(join(tmpdir(), 'tokensign-prompts-'));
  portal = await startIfcPortal({ caFiles: [pki.caCertPem] });
  chrome = await launchChromiumWithExtension({ hostEnv: pki.env, ignoreHTTPSErrors: true, args: [RESOLVE] });
}, 180_000);

afterAll(async () => {
  await chrome?.close();
  await portal?.close();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

const site = (host: string): string => `https://${host}:${portal.port}/`;

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

/** Posts a `tokensign:request` (from a script run by the test, which counts as a user gesture). */
async function startGeneric(p: Page, action: string, params: Record<string, unknown>, key = 'r'): Promise<void> {
  await p.evaluate(
    ([a, prm, k]) => {
      const w = window as unknown as Record<string, unknown>;
      const id = `${k}-${Math.random()}`;
      w[`__${k}`] = new Promise((resolve) => {
        window.addEventListener('message', (event) => {
          const d = event.data as { type?: string; id?: string };
          if (d?.type === 'tokensign:response' && d.id === id) resolve(d);
        });
      });
      window.postMessage({ type: 'tokensign:request', id, action: a, params: prm }, location.origin);
    },
    [action, params, key] as const,
  );
}
const genericResult = (p: Page, key = 'r'): Promise<{ ok: boolean; result?: Record<string, unknown>; error?: { code: string } }> =>
  p.evaluate((k) => (window as unknown as Record<string, Promise<never>>)[`__${k}`]!, key);
const answered = (p: Page, key = 'r'): Promise<boolean> =>
  p.evaluate((k) => {
    const w = window as unknown as Record<string, unknown>;
    const promise = w[`__${k}`] as Promise<unknown>;
    let done = false;
    void promise.then(() => (done = true));
    return new Promise<boolean>((r) => setTimeout(() => r(done), 0));
  }, key);

/** The IFC container id of the P-256 director certificate, as the page library builds it. */
async function p256Container(p: Page): Promise<string> {
  const info = await ask(p, { func_name: 'get_list_info', params: { cryptoType: null } });
  const ids = (info.ifc_list as { crypto_id: string }[]).map((c) => c.crypto_id);
  const lists = await ask(p, { func_name: 'get_list_certs_by_cryptoid_array', params: { cryptoID_array: ids, show_progress: 0 } });
  for (const entry of lists.result_array as { crypto_id: string; cert_list: { id: string; cert_subject: string; cert_sign_alg: string }[] }[]) {
    const cert = entry.cert_list.find((c) => c.cert_subject.includes('Петрова'));
    if (cert) return `${entry.crypto_id}/${cert.id}`;
  }
  throw new Error('no P-256 director certificate listed');
}

async function portalPage(context: BrowserContext, url = site('esia.gosuslugi.ru')): Promise<Page> {
  const page = await open(context, url);
  await page.waitForSelector('#ifcplugin-extension-is-installed', { state: 'attached', timeout: 20_000 });
  return page;
}

/** Waits for whichever comes first: the page's answer, or a Tokensign window. */
async function answerOrWindow(isAnswered: () => Promise<boolean>): Promise<'answer' | 'window'> {
  let outcome: 'answer' | 'window' | null = null;
  await waitUntil(async () => {
    if (await isAnswered()) outcome = 'answer';
    else if (pickerIsOpen(chrome.context)) outcome = 'window';
    return outcome !== null;
  }, 'an answer or a window');
  return outcome!;
}

async function cancelOpenWindow(): Promise<void> {
  const picker = await findPickerPage(chrome.context);
  await clickClosing(picker, '[data-testid=cancel]');
  await waitUntil(() => !pickerIsOpen(chrome.context), 'the window to close');
}

describe('what the window shows (items 1, 2, 7)', () => {
  it('an IFC text is shown whole, its length stated, bidi and controls visible; Sign waits until its end was in view', async () => {
    const page = await portalPage(chrome.context);
    const containerId = await p256Container(page);
    const tail = `${'x'.repeat(2500)} END`;
    const text = `Платёж${'\n'.repeat(80)}сумма \u202E00001\u202C руб.\u0007 ${tail}`;
    await startAsk(page, { func_name: 'sign', params: { containerId, userPin: '123456', inDataType: 1, data: text, hashType: 1, signType: 3, cspUI: 1, outDataType: 1 } });
    const picker = await findPickerPage(chrome.context);
    const box = picker.locator('[data-testid=signed-content-text]');
    await box.waitFor({ state: 'visible' });
    const shown = (await box.textContent()) ?? '';
    expect(shown).toContain(tail);
    expect(shown).not.toContain('\u202E');
    expect(shown).not.toContain('\u0007');
    expect(shown).toMatch(/RLO/);
    expect(await picker.textContent('[data-testid=signed-length]')).toContain(String(text.length));
    expect(await picker.isDisabled('[data-testid=confirm]')).toBe(true);
    await box.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event('scroll'));
    });
    await picker.waitForSelector('[data-testid=confirm]:not([disabled])');
    await clickClosing(picker, '[data-testid=confirm]');
    expect(await askResult(page)).toMatchObject({ error_code: 0 });
    await page.close();
  });

  it('a raw signature over CMS signed attributes is refused without a window; over a bare hash, the window warns it can sign anything', async () => {
    const page = await portalPage(chrome.context);
    const containerId = await p256Container(page);
    // A SET of attributes naming messageDigest (1.2.840.113549.1.9.4), as a forger would pass it.
    const set = Buffer.from('3118301606092a864886f70d010904310904070102030405060708', 'hex');
    await startAsk(page, { func_name: 'sign', params: { containerId, userPin: '123456', inDataType: 2, data: set.toString('base64'), signType: 1, outDataType: 1 } });
    expect(await answerOrWindow(() => askAnswered(page))).toBe('answer');
    expect(await askResult(page)).toMatchObject({ error_code: 5 });

    await startAsk(page, { func_name: 'sign', params: { containerId, userPin: '123456', inDataType: 4, data: Buffer.alloc(32, 7).toString('base64'), signType: 1, outDataType: 1 } });
    const picker = await findPickerPage(chrome.context);
    await picker.waitForSelector('[data-testid=hash-warning]:not([hidden])', { state: 'attached' });
    expect(await picker.textContent('[data-testid=hash-warning]')).toMatch(/login|вход/i);
    await clickClosing(picker, '[data-testid=cancel]');
    expect(await askResult(page)).toMatchObject({ error_code: 1 });
    await page.close();
  });

  it('sign shows the size, the SHA-256 and the text of what is signed', async () => {
    const page = await open(chrome.context, site('example.test'));
    const data = Buffer.from('Договор № 5\u202E', 'utf8');
    await startGeneric(page, 'sign', { data: data.toString('base64') });
    const picker = await findPickerPage(chrome.context);
    await picker.waitForSelector('[data-testid=signed-content]:not([hidden])', { state: 'attached' });
    const section = (await picker.textContent('[data-testid=signed-content]')) ?? '';
    const { createHash } = await import('node:crypto');
    expect(section).toContain(createHash('sha256').update(data).digest('hex'));
    expect(section).toContain(String(data.length));
    expect(section).toContain('Договор № 5');
    await clickClosing(picker, '[data-testid=cancel]');
    expect(await genericResult(page)).toMatchObject({ ok: false, error: { code: 'USER_CANCELLED' } });
    await page.close();
  });
});

describe('status and probes (items 4, 7)', () => {
  it('status tells a site the user has not used Tokensign with only that it is installed', async () => {
    const page = await open(chrome.context, site('example.test'));
    await startGeneric(page, 'status', {});
    expect(await genericResult(page)).toEqual(expect.objectContaining({ ok: true, result: { extension: 'installed', host: 'installed', protocol: 1 } }));
    await page.close();
  });

  it('a malformed request from another tab is answered at once while a window is open', async () => {
    const first = await open(chrome.context, site('example.test'));
    await startGeneric(first, 'authenticate', { challenge: CHALLENGE });
    await findPickerPage(chrome.context);
    const prober = await open(chrome.context, site('other.test'));
    await startGeneric(prober, 'authenticate', { challenge: 'bad' });
    await waitUntil(() => answered(prober), 'the probe to be answered while the window is open', 5_000);
    expect(await genericResult(prober)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(pickerIsOpen(chrome.context)).toBe(true);
    await cancelOpenWindow();
    await first.close();
    await prober.close();
  });
});

describe('prompt storms (item 3)', () => {
  it('a request without a recent user gesture gets no window', async () => {
    const page = await chrome.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__r = new Promise((resolve) => {
        window.addEventListener('message', (event) => {
          const d = event.data as { type?: string };
          if (d?.type === 'tokensign:response') resolve(d);
        });
      });
      window.addEventListener('load', () =>
        window.postMessage({ type: 'tokensign:request', id: 'storm', action: 'authenticate', params: { challenge: 'q3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg' } }, location.origin),
      );
    });
    await page.goto(site('example.test'));
    expect(await answerOrWindow(() => answered(page))).toBe('answer');
    expect(await genericResult(page)).toMatchObject({ ok: false, error: { code: 'USER_CANCELLED' } });
    await page.close();
  });

  it('an IFC sign without a recent user gesture gets no window', async () => {
    const page = await chrome.context.newPage();
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.__askDone = false;
      w.__ask = new Promise((resolve) => {
        window.addEventListener('message', (event) => {
          if (typeof event.data !== 'string' || !event.data.includes('FROM_IFC_EXT')) return;
          w.__askDone = true;
          resolve((JSON.parse(event.data) as { msg_data: unknown }).msg_data);
        });
      });
      // At load, before the test runs anything in the page (page.evaluate counts as a user gesture).
      window.addEventListener('load', () => {
        const data = { func_name: 'sign', params: { containerId: 'softhsm2/0/01', userPin: '123456', inDataType: 1, data: 'x', signType: 3 } };
        window.postMessage(JSON.stringify({ type: 'TO_IFC_EXT', msg_data: data }), '*');
      });
    });
    await page.goto(site('esia.gosuslugi.ru'));
    expect(await answerOrWindow(() => askAnswered(page))).toBe('answer');
    expect(await askResult(page)).toMatchObject({ error_code: 1 });
    await page.close();
  });

  it('logins in a row after one click: the next window opens after the person confirmed one; after a cancel, none without a new click', async () => {
    const page = await open(chrome.context, site('example.test'));
    const p256 = createHash('sha256').update(readFileSync(pki.certs.p256!.certDer)).digest('hex');
    // The page says when it is done in its console: the test runs nothing in the page meanwhile,
    // which would give it a user gesture of its own.
    const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('chain:'), timeout: 100_000 });
    await page.evaluate((challenge) => {
      const one = (id: string): Promise<string> =>
        new Promise((resolve) => {
          window.addEventListener('message', (event) => {
            const d = event.data as { type?: string; id?: string; ok?: boolean; error?: { code: string } };
            if (d?.type === 'tokensign:response' && d.id === id) resolve(d.ok ? 'ok' : (d.error?.code ?? '?'));
          });
          window.postMessage({ type: 'tokensign:request', id, action: 'authenticate', params: { challenge } }, location.origin);
        });
      void (async () => {
        const results: string[] = [];
        for (const n of [1, 2, 3]) results.push(await one(`chain-${n}`));
        console.log(`chain:${JSON.stringify(results)}`);
      })();
    }, CHALLENGE);
    // The person takes longer over the first window than the browser keeps the click (5 s).
    const first = await findPickerPage(chrome.context);
    await first.waitForTimeout(6_000);
    await first.click(`[data-testid=cert][data-thumbprint="${p256}"]`);
    await first.fill('[data-testid=pin]', pki.tokens[0]!.pin);
    await clickClosing(first, '[data-testid=confirm]');
    await cancelNextWindow(chrome.context, first);
    const outcome = await answerUnlessWindow(chrome.context, done.then((m) => JSON.parse(m.text().slice('chain:'.length)) as unknown));
    expect(outcome).toEqual(['ok', 'USER_CANCELLED', 'USER_CANCELLED']);
    await page.close();
  }, 120_000);

  it('a tab whose windows the user keeps closing is told USER_CANCELLED at once', async () => {
    const page = await open(chrome.context, site('example.test'));
    for (let i = 0; i < 3; i++) {
      await startGeneric(page, 'authenticate', { challenge: CHALLENGE });
      await cancelOpenWindow();
      expect(await genericResult(page)).toMatchObject({ ok: false, error: { code: 'USER_CANCELLED' } });
    }
    await startGeneric(page, 'authenticate', { challenge: CHALLENGE });
    expect(await answerOrWindow(() => answered(page))).toBe('answer');
    expect(await genericResult(page)).toMatchObject({ ok: false, error: { code: 'USER_CANCELLED' } });
    await page.close();
  });
});

describe('IFC content script (item 9)', () => {
  it('stops reconnecting on a Gosuslugi-like host it may not serve (trailing dot)', async () => {
    const worker = chrome.context.serviceWorkers()[0]!;
    await worker.evaluate(() => {
      const g = globalThis as unknown as { __ifcPorts: number; chrome: { runtime: { onConnect: { addListener(f: (p: { name: string }) => void): void } } } };
      g.__ifcPorts = 0;
      g.chrome.runtime.onConnect.addListener((p) => {
        if (p.name === 'tokensign-ifc') g.__ifcPorts++;
      });
    });
    const page = await open(chrome.context, site('esia.gosuslugi.ru.'));
    const count = (): Promise<number> => worker.evaluate(() => (globalThis as unknown as { __ifcPorts: number }).__ifcPorts);
    await waitUntil(async () => (await count()) > 0, 'the content script to connect');
    await new Promise((r) => setTimeout(r, 4_000));
    const settled = await count();
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await count()).toBe(settled);
    expect(settled).toBeLessThanOrEqual(4);
    await page.close();
  });
});

describe('without a host (items 10, 11)', () => {
  let bare: ChromiumWithExtension;
  beforeAll(async () => {
    bare = await launchChromiumWithExtension({ noHost: true, ignoreHTTPSErrors: true, args: [RESOLVE] });
  }, 120_000);
  afterAll(async () => bare?.close());

  it('create and version fail as the genuine plugin\'s would', async () => {
    const page = await portalPage(bare.context);
    const create = await ask(page, { func_name: 'create', params: { file_config: '', config_string: '', log_file_location: '', plugin_log_level: '' } });
    expect(create.error_code).not.toBe(0);
    const version = await ask(page, { func_name: 'version' });
    expect(version.error_code).not.toBe(0);
    expect(version.version).toBeUndefined();
    await page.close();
  });

  it('the plugin marker goes in at connect and out with IFC_EXT_DISCONNECT when the host is missing', async () => {
    const page = await portalPage(bare.context);
    await waitUntil(
      () => page.evaluate(() => (window as unknown as { __ifcTrace: { disconnects: number } }).__ifcTrace.disconnects > 0),
      'IFC_EXT_DISCONNECT',
    );
    const seen = await page.evaluate(() => (window as unknown as { __ifcMarkerTimes: Record<string, number> }).__ifcMarkerTimes['ifc-plugin-is-installed']);
    expect(seen).toBeTypeOf('number');
    expect(await page.$('#ifc-plugin-is-installed')).toBeNull();
    await page.close();
  });

  it('on a cold start the plugin marker is in before the host has answered', async () => {
    const gate = join(work, 'gate');
    const real = writeHostLauncher(join(work, 'real'), { env: pki.env });
    const slow = join(work, 'slow-host.sh');
    writeFileSync(slow, `#!/bin/sh\nwhile [ ! -f '${gate}' ]; do sleep 0.1; done\nexec '${real}' "$@"\n`, { mode: 0o755 });
    writeChromiumHostManifest(bare.userDataDir, slow);
    const page = await open(bare.context, site('esia.gosuslugi.ru'));
    await page.waitForSelector('#ifc-plugin-is-installed', { state: 'attached', timeout: 10_000 });
    writeFileSync(gate, '');
    await page.close();
  });
});
