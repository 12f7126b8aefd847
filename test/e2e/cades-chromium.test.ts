// CryptoPro's page library `crypto-pro` 2.5.2, unchanged, on a built-in portal (lkfl2.nalog.ru over
// HTTPS) in real headless Chromium: it lists the certificates of SoftHSM (RSA, ECDSA) and of the
// emulated GOST token, and signs through Tokensign's window, the PIN typed there. Every CMS is
// checked by `openssl cms -verify` (gost engine) against the bytes the content encoding names.
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opensslGost, type GostPki } from '../fixtures/gost';
import type { CadesPortal } from '../fixtures/cades-portal/server';
import { finishInPage, startCadesFixtures, startInPage, sha1ThumbprintOfPem, base64Of, type CadesFixtures, type PageOutcome } from '../fixtures/cades-portal/setup';
import type { TestPki } from '../fixtures/pki';
import { answerUnlessWindow, cancelNextWindow, clickClosing, findPickerPage, launchChromiumWithExtension, pickerIsOpen, type ChromiumWithExtension } from '../helpers/browser';
import { opensslVerify, readCms } from '../helpers/cms-verify';
import { waitUntil } from '../helpers/ifc-portal-page';

let pki: TestPki;
let gost: GostPki;
let portal: CadesPortal;
let chrome: ChromiumWithExtension;
let page: Page;
let caFile: string;
let fixtures: CadesFixtures;

const sha1 = sha1ThumbprintOfPem;
const MESSAGE = 'Декларация 3-НДФЛ за 2025 год: сумма к возврату 12 345 ₽';

async function start(expression: string): Promise<void> {
  await page.evaluate(startInPage, expression);
}
const finish = (): Promise<PageOutcome> => page.evaluate(finishInPage);
async function run(expression: string): Promise<PageOutcome> {
  await start(expression);
  return finish();
}

/** In the page, through the plug-in's objects: opens the store (which lists the tokens), finds the certificate, signs `content` attached. */
const signWith = (pem: string, content = 'x') => `(async () => {
  const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
  await store.Open();
  const certificate = await (await (await store.Certificates).Find(cadesplugin.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, '${sha1(pem)}')).Item(1);
  const signer = await cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
  await signer.propset_Certificate(certificate);
  const data = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
  await data.propset_Content(${JSON.stringify(content)});
  return data.SignCades(signer, cadesplugin.CADESCOM_CADES_BES);
})()`;

/** Confirms the open Tokensign window with the PIN; returns what it showed as signed. */
async function confirm(pin: string): Promise<{ shown: string; origin: string; warning: boolean; certs: number }> {
  const picker = await findPickerPage(chrome.context);
  await picker.waitForSelector('[data-testid=signed-content]:not([hidden])', { state: 'attached' });
  const shown = (await picker.textContent('[data-testid=signed-content-text]')) ?? '';
  const origin = (await picker.textContent('[data-testid=origin]')) ?? '';
  const warning = await picker.isVisible('[data-testid=hash-warning]');
  // The window opens at once and lists the token as it answers: wait for the certificate it will sign with.
  await picker.locator('[data-testid=cert]').first().waitFor();
  const certs = await picker.locator('[data-testid=cert]').count();
  // Confirm is usable once the end of what is signed has been in view (issue 14 item 2): read it to the end.
  await picker.$eval('[data-testid=signed-content-text]', (el) => {
    el.scrollTop = el.scrollHeight;
    el.dispatchEvent(new Event('scroll'));
  });
  await picker.fill('[data-testid=pin]', pin);
  await clickClosing(picker, '[data-testid=confirm]');
  return { shown, origin, warning, certs };
}

function verify(cmsBase64: string, content: Buffer | undefined): Buffer {
  const result = opensslVerify(Buffer.from(cmsBase64, 'base64'), caFile, content, ['-engine', 'gost']);
  expect(result.stderr).toBe('');
  expect(result.ok).toBe(true);
  return result.content;
}

beforeAll(async () => {
  fixtures = await startCadesFixtures();
  ({ pki, gost, portal, caFile } = fixtures);
  chrome = await launchChromiumWithExtension({
    hostEnv: fixtures.hostEnv,
    ignoreHTTPSErrors: true,
    language: 'ru',
    args: ['--host-resolver-rules=MAP lkfl2.nalog.ru 127.0.0.1, MAP example.test 127.0.0.1'],
  });
  page = await chrome.context.newPage();
  await page.goto(`${portal.origin}/`);
}, 180_000);

afterAll(async () => {
  await chrome?.close();
  await fixtures?.close();
});

describe('crypto-pro 2.5.2 on a built-in portal (Chromium)', () => {
  it('passes the library\'s version checks and reports what Tokensign emulates', async () => {
    expect(await run('cryptoPro.isValidSystemSetup()')).toEqual({ ok: true, value: true });
    expect(await run('cryptoPro.getSystemInfo()')).toEqual({ ok: true, value: { cadesVersion: '2.0.15000', cspVersion: '5.0.12000' } });
  });

  it('starts on first use, however the page waits: a native await, a then, or CreateObjectAsync', async () => {
    const waits = ['(async () => { const t = performance.now(); await cadesplugin; return performance.now() - t; })()', 'cadesplugin.then(() => 1)', "cadesplugin.CreateObjectAsync('CAdESCOM.About').then((a) => a.CSPName())"];
    for (const wait of waits) {
      const fresh = await chrome.context.newPage();
      await fresh.goto(`${portal.origin}/`);
      await fresh.evaluate(startInPage, wait);
      const outcome = await fresh.evaluate(finishInPage);
      expect(outcome.ok, wait).toBe(true);
      // Reported, not asserted: the host answers at once (it runs), then the look for CryptoPro's extension.
      if (wait === waits[0]) console.log(`cadesplugin ready ${Math.round(outcome.value as number)} ms after the page's first await`);
      await fresh.close();
    }
  });

  it('lists the valid certificates with keys on every token, with CryptoPro thumbprints and names', async () => {
    const listed = await run('cryptoPro.getUserCertificates().then((cs) => cs.map((c) => ({ name: c.name, thumbprint: c.thumbprint, validTo: c.validTo, issuer: c.issuerName })))');
    expect(listed.ok).toBe(true);
    const certs = listed.value as { name: string; thumbprint: string }[];
    const thumbs = certs.map((c) => c.thumbprint);
    for (const pem of [pki.certs.rsa!.certPem, pki.certs.p256!.certPem, gost.certs.gost256!.certPem, gost.certs.gost512!.certPem]) {
      expect(thumbs).toContain(sha1(pem));
    }
    expect(thumbs).not.toContain(sha1(pki.certs.expired!.certPem)); // Find(TIME_VALID)
    expect(thumbs).not.toContain(sha1(pki.certs.nokey!.certPem)); // Find(EXTENDED_PROPERTY, KEY_PROV_INFO)
    expect(certs.find((c) => c.thumbprint === sha1(pki.certs.rsa!.certPem))?.name).toBe('Иванов Иван Иванович');
    const owner = await run(`cryptoPro.getCertificate('${sha1(pki.certs.rsa!.certPem)}').then((c) => c.getOwnerInfo())`);
    expect(owner.value).toEqual(expect.arrayContaining([{ title: 'ИНН', description: '007701234567', isTranslated: true }]));
    const alg = await run(`cryptoPro.getCertificate('${sha1(gost.certs.gost512!.certPem)}').then((c) => c.getAlgorithm())`);
    expect(alg.value).toEqual({ algorithm: 'ГОСТ Р 34.10-2012 512 бит', oid: '1.2.643.7.1.1.1.2' });
    const exported = await run(`cryptoPro.getCertificate('${sha1(gost.certs.gost256!.certPem)}').then((c) => c.exportBase64())`);
    expect(exported.value).toBe(base64Of(gost.certs.gost256!.certPem));
  });

  const keys = [
    { name: 'RSA (SoftHSM)', pem: () => pki.certs.rsa!.certPem, pin: () => pki.tokens[0]!.pin, hash: 4, md: 'sha256' },
    { name: 'ECDSA P-256 (SoftHSM)', pem: () => pki.certs.p256!.certPem, pin: () => pki.tokens[0]!.pin, hash: 4, md: 'sha256' },
    { name: 'GOST 2012-256 (emulated token)', pem: () => gost.certs.gost256!.certPem, pin: () => gost.tokens[0]!.pin, hash: 101, md: 'md_gost12_256' },
    { name: 'GOST 2012-512 (emulated token)', pem: () => gost.certs.gost512!.certPem, pin: () => gost.tokens[0]!.pin, hash: 102, md: 'md_gost12_512' },
  ];

  for (const key of keys) {
    it(`${key.name}: an attached signature of the message, a hash and a detached signature of that hash`, async () => {
      const thumb = sha1(key.pem());
      await start(`cryptoPro.createAttachedSignature('${thumb}', ${JSON.stringify(MESSAGE)})`);
      const window1 = await confirm(key.pin());
      expect(window1.shown).toBe(MESSAGE);
      expect(window1.origin).toBe(portal.origin);
      expect(window1.certs).toBe(1);
      expect(window1.warning).toBe(false);
      const attached = await finish();
      expect(attached.ok, String(attached.value)).toBe(true);
      // crypto-pro hands the UTF-8 bytes over as base64 (ContentEncoding 1): those are what is signed.
      expect(verify(attached.value as string, undefined).toString('utf8')).toBe(MESSAGE);

      const hash = await run(`cryptoPro.createHash(${JSON.stringify(MESSAGE)}, { hashedAlgorithm: ${key.hash} })`);
      const expected = key.hash === 4
        ? createHash('sha256').update(MESSAGE, 'utf8').digest('hex')
        : opensslGost(['dgst', `-${key.md}`, '-r'], MESSAGE).split(' ')[0]!;
      expect((hash.value as string).toLowerCase()).toBe(expected);

      await start(`cryptoPro.createDetachedSignature('${thumb}', '${hash.value as string}', { hashedAlgorithm: ${key.hash} })`);
      const window2 = await confirm(key.pin());
      expect(window2.shown.toLowerCase()).toContain(expected);
      expect(window2.warning).toBe(true);
      const detached = await finish();
      expect(detached.ok, String(detached.value)).toBe(true);
      verify(detached.value as string, Buffer.from(MESSAGE, 'utf8'));
      expect(readCms(Buffer.from(detached.value as string, 'base64')).eContent).toBeNull();
    }, 120_000);
  }

  it('a second page library (crypto-pro-cadesplugin 1.1.2, native await): lists, signs base64 detached, is told XML is not made', async () => {
    const api = 'cryptoProCadesplugin.default()';
    const listed = await run(`${api}.then((a) => a.getCertsList()).then((cs) => cs.map((c) => c.thumbprint))`);
    expect(listed.ok, String(listed.value)).toBe(true);
    expect(listed.value).toEqual(expect.arrayContaining([sha1(pki.certs.rsa!.certPem), sha1(gost.certs.gost512!.certPem)]));
    const content = Buffer.from('Заявка на участие в закупке № 0373100000125000001', 'utf8');
    await start(`${api}.then((a) => a.signBase64('${sha1(gost.certs.gost512!.certPem)}', '${content.toString('base64')}', true))`);
    expect((await confirm(gost.tokens[0]!.pin)).shown).toBe(content.toString('utf8'));
    const signed = await finish();
    expect(signed.ok, String(signed.value)).toBe(true);
    verify(signed.value as string, content);
    const xml = await run(`${api}.then((a) => a.signXml('${sha1(pki.certs.rsa!.certPem)}', '<doc/>'))`);
    expect(xml).toEqual({ ok: false, value: 'Tokensign не создаёт XML-подписи (0x80004001)' });
  }, 60_000);

  it('signs the JS string as UTF-16LE when ContentEncoding is 0, detached, through the plug-in objects directly', async () => {
    const thumb = sha1(gost.certs.gost256!.certPem);
    await start(`(async () => {
      const store = await cadesplugin.CreateObjectAsync('CAdESCOM.Store');
      await store.Open(cadesplugin.CAPICOM_CURRENT_USER_STORE, cadesplugin.CAPICOM_MY_STORE, cadesplugin.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      const found = await (await store.Certificates).Find(cadesplugin.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, '${thumb.toLowerCase()}');
      const certificate = await found.Item(1);
      const signer = await cadesplugin.CreateObjectAsync('CAdESCOM.CPSigner');
      await signer.propset_Certificate(certificate);
      await signer.propset_KeyPin('000000');
      const data = await cadesplugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      await data.propset_ContentEncoding(cadesplugin.CADESCOM_STRING_TO_UCS2LE);
      await data.propset_Content(${JSON.stringify(MESSAGE)});
      return data.SignCades(signer, cadesplugin.CADESCOM_CADES_BES, true);
    })()`);
    const shown = await confirm(gost.tokens[0]!.pin);
    expect(shown.shown).toBe(MESSAGE);
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    verify(result.value as string, Buffer.from(MESSAGE, 'utf16le'));
    // The same signature does not verify over the UTF-8 bytes: the encoding decides what is signed.
    expect(opensslVerify(Buffer.from(result.value as string, 'base64'), caFile, Buffer.from(MESSAGE, 'utf8'), ['-engine', 'gost']).ok).toBe(false);
  }, 60_000);

  it('signs content too large for one host reply attached: signed detached, the content put into the CMS', async () => {
    const thumb = sha1(pki.certs.p256!.certPem);
    await start(`cryptoPro.createAttachedSignature('${thumb}', 'Акт сверки. '.repeat(70000))`);
    const shown = await confirm(pki.tokens[0]!.pin);
    expect(shown.shown.startsWith('Акт сверки.')).toBe(true);
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    const content = verify(result.value as string, undefined);
    expect(content.equals(Buffer.from('Акт сверки. '.repeat(70000), 'utf8'))).toBe(true);
    expect(content.length).toBeGreaterThan(1024 * 1024);
  }, 60_000);

  it('a wrong PIN typed in the window keeps it open with the reason; the right one then signs', async () => {
    await start(`cryptoPro.createAttachedSignature('${sha1(pki.certs.p256!.certPem)}', 'второй вход')`);
    const picker = await findPickerPage(chrome.context);
    await picker.fill('[data-testid=pin]', '000000');
    await picker.click('[data-testid=confirm]');
    await picker.waitForSelector('[data-testid=error][data-code=PIN_INCORRECT]');
    await picker.fill('[data-testid=pin]', pki.tokens[0]!.pin);
    await clickClosing(picker, '[data-testid=confirm]');
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    expect(verify(result.value as string, undefined).toString('utf8')).toBe('второй вход');
  }, 60_000);

  it('cancelling in the window rejects with the plug-in\'s "cancelled" error', async () => {
    await start(`cryptoPro.createAttachedSignature('${sha1(pki.certs.rsa!.certPem)}', 'не подписывать')`);
    const picker = await findPickerPage(chrome.context);
    await clickClosing(picker, '[data-testid=cancel]');
    const result = await finish();
    expect(result.ok).toBe(false);
    // crypto-pro shows the plug-in's sentence (it keeps messages with Russian letters, cut at " (0x").
    expect(result.value).toBe('Действие было отменено пользователем');
  }, 60_000);

  it('a second signature while one waits in the window is refused as busy; the first goes on', async () => {
    const thumb = sha1(pki.certs.rsa!.certPem);
    await start(`Promise.allSettled([1, 2, 3].map((n) => cryptoPro.createAttachedSignature('${thumb}', 'документ ' + n)))
      .then((all) => all.map((r) => r.status === 'fulfilled' ? 'signed' : r.reason.message))`);
    await confirm(pki.tokens[0]!.pin);
    const outcome = await finish();
    expect(outcome.ok).toBe(true);
    const results = outcome.value as string[];
    expect(results.filter((r) => r === 'signed')).toHaveLength(1);
    // crypto-pro shows the plug-in's sentence for the other two.
    expect(results.filter((r) => r === 'Tokensign занят другим запросом этой страницы')).toHaveLength(2);
  }, 60_000);

  it('refuses at once, without a window, an expired certificate and one without a key', async () => {
    expect(await run(signWith(pki.certs.expired!.certPem))).toEqual({ ok: false, value: expect.stringMatching(/\(0x800B0101\)$/) });
    expect(await run(signWith(pki.certs.nokey!.certPem))).toEqual({ ok: false, value: expect.stringMatching(/\(0x8009000D\)$/) });
    expect(pickerIsOpen(chrome.context)).toBe(false);
  });

  it('a signature asked without a recent user gesture gets the "cancelled" error and no window', async () => {
    const fresh = await chrome.context.newPage();
    // Posted at load, before the test runs anything in the page (page.evaluate counts as a user gesture).
    await fresh.addInitScript((thumbprint) => {
      const w = window as unknown as Record<string, unknown>;
      w.__reply = null;
      window.addEventListener('message', (event) => {
        const d = event.data as { channel?: string; dir?: string; id?: number };
        if (d?.channel === 'tokensign:cades' && d.dir === 'reply' && d.id === 7) w.__reply = d;
      });
      window.addEventListener('load', () => {
        const params = { thumbprint, content: { kind: 'text', text: 'без жеста' }, detached: false };
        window.postMessage({ channel: 'tokensign:cades', dir: 'call', id: 7, op: 'sign', params }, location.origin);
      });
    }, sha1(pki.certs.rsa!.certPem));
    await fresh.goto(`${portal.origin}/`);
    const reply = () => fresh.evaluate(() => (window as unknown as { __reply: unknown }).__reply);
    await waitUntil(async () => (await reply()) !== null || pickerIsOpen(chrome.context), 'an answer or a window');
    expect(pickerIsOpen(chrome.context)).toBe(false);
    expect(await reply()).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    await fresh.close();
  });

  it('a slow token: the click is not used up while Tokensign lists the certificates; the window opens and signs', async () => {
    // Each object search on the token takes 3 s (a slow real token): the store's listing, which
    // comes before the sign, answers after the browser's 5 s activation of the test's call ran out.
    // (Through the plug-in's objects: crypto-pro's own helpers keep the list of an earlier test.)
    const cert = gost.certs.gost256!;
    const token = gost.tokens.find((t) => t.label === cert.token)!;
    gost.slowDown(token.label, 3_000);
    try {
      await start(signWith(cert.certPem, 'медленный токен'));
      await confirm(token.pin);
    } finally {
      gost.slowDown(token.label, 0);
    }
    const result = await finish();
    expect(result.ok, String(result.value)).toBe(true);
    // The plug-in's default encoding of a string: UTF-16LE.
    expect(verify(result.value as string, undefined).equals(Buffer.from('медленный токен', 'utf16le'))).toBe(true);
  }, 120_000);

  it('several documents after one click: each window opens after the person confirmed the one before; after a cancel, none without a new click', async () => {
    const thumb = sha1(pki.certs.rsa!.certPem);
    // The page says when it is done in its console: the test runs nothing in the page meanwhile,
    // which would give it a user gesture of its own.
    const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('batch:'), timeout: 100_000 });
    await start(`(async () => {
      const results = [];
      for (const n of [1, 2, 3]) {
        results.push(await cryptoPro.createAttachedSignature('${thumb}', 'документ ' + n).then(() => 'signed', (e) => e.message));
      }
      console.log('batch:' + JSON.stringify(results));
    })()`);
    // The person reads the first document longer than the browser keeps the click (5 s).
    const first = await findPickerPage(chrome.context);
    await first.waitForTimeout(6_000);
    await confirm(pki.tokens[0]!.pin);
    await cancelNextWindow(chrome.context, first);
    // The third is refused in the page, without a window.
    const outcome = await answerUnlessWindow(chrome.context, done.then((m) => JSON.parse(m.text().slice('batch:'.length)) as unknown));
    expect(outcome).toEqual(['signed', 'Действие было отменено пользователем', 'Действие было отменено пользователем']);
  }, 120_000);

  it('answers bad input from the page with errors of the plug-in\'s form, never a hang', async () => {
    const outcome = await page.evaluate(async () => {
      const p = (window as unknown as { cadesplugin: Record<string, (...a: unknown[]) => Promise<Record<string, unknown>>> & Record<string, number> }).cadesplugin;
      const settle = (promise: unknown) => Promise.resolve(promise).then((v) => `ok:${String(v)}`, (e: unknown) => `error:${e instanceof Error ? e.message : String(e)}`);
      const store = await p.CreateObjectAsync!('CAdESCOM.Store');
      const signer = await p.CreateObjectAsync!('CAdESCOM.CPSigner');
      const data = await p.CreateObjectAsync!('CAdESCOM.CadesSignedData');
      const hashed = await p.CreateObjectAsync!('CAdESCOM.HashedData');
      const results: Record<string, string> = {
        unknownClass: await settle(p.CreateObjectAsync!('CAdESCOM.NoSuchThing')),
        nonStringClass: await settle(p.CreateObjectAsync!(42)),
        xml: await settle(p.CreateObjectAsync!('CAdESCOM.SignedXML')),
        unknownMethod: typeof (store as Record<string, unknown>).NoSuchMethod,
        certificatesBeforeOpen: await settle(store.Certificates),
        wrongLocation: await settle((store.Open as (...a: unknown[]) => unknown)('two')),
        wrongSigner: await settle((signer.propset_Certificate as (v: unknown) => unknown)({ Thumbprint: 'AA' })),
        wrongEncoding: await settle((data.propset_ContentEncoding as (v: unknown) => unknown)(7)),
        noContent: await settle((data.SignCades as (...a: unknown[]) => unknown)(signer, 1)),
        cadesT: await settle((data.SignCades as (...a: unknown[]) => unknown)(signer, p.CADESCOM_CADES_T)),
        xLong: await settle((data.SignCades as (...a: unknown[]) => unknown)(signer, p.CADESCOM_CADES_X_LONG_TYPE_1)),
        badBase64: await settle((async () => {
          await (data.propset_ContentEncoding as (v: unknown) => Promise<unknown>)(1);
          await (data.propset_Content as (v: unknown) => Promise<unknown>)('не base64!');
          return (data.SignCades as (...a: unknown[]) => unknown)(signer, 1);
        })()),
        gost94: await settle((hashed.Hash as (v: unknown) => unknown)('x')),
        badHashValue: await settle((async () => {
          await (hashed.propset_Algorithm as (v: unknown) => Promise<unknown>)(101);
          return (hashed.SetHashValue as (v: unknown) => unknown)('ABCD');
        })()),
      };
      await p.ReleasePluginObjects!();
      results.released = await settle(store.Certificates);
      results.releasedCall = await settle((store.Open as (...a: unknown[]) => unknown)());
      // A storm: many Store.Open calls at once; each settles, the extra ones refused as busy.
      const storm = await Promise.all(Array.from({ length: 300 }, async () => {
        const s = await p.CreateObjectAsync!('CAdESCOM.Store');
        return settle((s.Open as () => unknown)());
      }));
      results.stormOk = String(storm.filter((r) => r.startsWith('ok')).length);
      results.stormBusy = String(storm.filter((r) => r.includes('(0x800700AA)')).length);
      results.stormOther = storm.filter((r) => !r.startsWith('ok') && !r.includes('(0x800700AA)')).join('|');
      return results;
    });
    expect(outcome.unknownClass).toMatch(/^error:.+ \(0x800401F3\)$/);
    expect(outcome.nonStringClass).toMatch(/\(0x80070057\)$/);
    expect(outcome.xml).toMatch(/XML.*\(0x80004001\)$/);
    expect(outcome.unknownMethod).toBe('undefined');
    expect(outcome.certificatesBeforeOpen).toMatch(/\(0x8000FFFF\)$/);
    expect(outcome.wrongLocation).toMatch(/StoreLocation \(0x80070057\)$/);
    expect(outcome.wrongSigner).toMatch(/Certificate \(0x80070057\)$/);
    expect(outcome.wrongEncoding).toMatch(/ContentEncoding \(0x80070057\)$/);
    expect(outcome.noContent).toMatch(/\(0x8000FFFF\)$/);
    expect(outcome.cadesT).toMatch(/CAdES-BES.*\(0x80004001\)$/);
    expect(outcome.xLong).toMatch(/CAdES-BES.*\(0x80004001\)$/);
    expect(outcome.badBase64).toMatch(/base64 \(0x80070057\)$/);
    expect(outcome.gost94).toMatch(/\(0x80090008\)$/);
    expect(outcome.badHashValue).toMatch(/\(0x80090002\)$/);
    expect(outcome.released).toMatch(/^error:.+\(0x80010108\)$/);
    expect(outcome.releasedCall).toMatch(/\(0x80010108\)$/);
    expect(Number(outcome.stormOk)).toBeGreaterThan(0);
    expect(Number(outcome.stormBusy)).toBeGreaterThan(0);
    expect(outcome.stormOther).toBe('');
    // The host is unaffected: the library works as before.
    const listed = await run('cryptoPro.getUserCertificates().then((cs) => cs.length)');
    expect(listed.ok).toBe(true);
    expect(listed.value as number).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('does not run on a site outside the table: the page library is on its own there', async () => {
    const other = await chrome.context.newPage();
    await other.goto(`${portal.outsideOrigin}/`);
    // The page's own loader ran (crypto-pro-cadesplugin's copy of cadesplugin_api.js, version 2.1.1), not Tokensign's.
    expect(await other.evaluate(() => (window as unknown as { cadesplugin?: { JSModuleVersion?: string } }).cadesplugin?.JSModuleVersion)).toBe('2.1.1');
    // A page elsewhere that forges the relay's messages gets nothing from Tokensign.
    await other.close();
  });

  it('options: the built-in table is shown; a person\'s portal without the granted permission gets no scripts', async () => {
    const options = await chrome.context.newPage();
    await options.goto(`chrome-extension://${chrome.extensionId}/ifc/options/index.html`);
    expect(await options.textContent('#cades-builtin')).toContain('*.nalog.ru, *.nalog.gov.ru, zakupki.gov.ru, *.rosreestr.gov.ru');
    // Adding a built-in host asks for nothing new: the person now prefers Tokensign there.
    await options.fill('[data-testid=cades-portal-input]', 'https://lkfl2.nalog.ru/login');
    await options.click('[data-testid=cades-portal-add]');
    await options.waitForSelector('[data-testid=cades-portals] li[data-host="lkfl2.nalog.ru"]');
    await options.fill('[data-testid=cades-portal-input]', 'http://plain.example.ru');
    await options.click('[data-testid=cades-portal-add]');
    await options.waitForSelector('[data-testid=cades-error]:not([hidden])');
    await options.close();

    const worker = chrome.context.serviceWorkers()[0]!;
    const registered = await worker.evaluate(async () => {
      const c = (globalThis as unknown as { chrome: { storage: { local: { set(v: object): Promise<void> } }; scripting: { getRegisteredContentScripts(): Promise<{ id: string }[]> } } }).chrome;
      await c.storage.local.set({ cadesOrigins: ['lkfl2.nalog.ru', 'example.test'] });
      await new Promise((r) => setTimeout(r, 500));
      return (await c.scripting.getRegisteredContentScripts()).map((s) => s.id);
    });
    expect(registered.filter((id) => id.startsWith('tokensign-cades'))).toEqual([]);
    const other = await chrome.context.newPage();
    await other.goto(`${portal.outsideOrigin}/`);
    // The page's own loader ran (crypto-pro-cadesplugin's copy of cadesplugin_api.js, version 2.1.1), not Tokensign's.
    expect(await other.evaluate(() => (window as unknown as { cadesplugin?: { JSModuleVersion?: string } }).cadesplugin?.JSModuleVersion)).toBe('2.1.1');
    await other.close();
    // The built-in portal is still served, now by the person's choice as well.
    await page.goto(`${portal.origin}/`);
    expect(await run('cryptoPro.getSystemInfo().then((i) => i.cspVersion)')).toEqual({ ok: true, value: '5.0.12000' });
  }, 60_000);
});

describe('crypto-pro 2.5.2 without the Tokensign host (Chromium)', () => {
  it('rejects the plug-in promise with the "not installed" sentence, promptly, as the genuine library does without its host', async () => {
    const bare = await launchChromiumWithExtension({ noHost: true, ignoreHTTPSErrors: true, language: 'ru', args: ['--host-resolver-rules=MAP lkfl2.nalog.ru 127.0.0.1'] });
    try {
      const p = await bare.context.newPage();
      await p.goto(`${portal.origin}/`);
      const outcome = await p.evaluate(() =>
        (window as unknown as { cadesplugin: Promise<unknown> }).cadesplugin.then(
          () => 'resolved',
          (reason: unknown) => String(reason),
        ),
      );
      expect(outcome).toMatch(/^Программа Tokensign не установлена или не отвечает \(0x80070002\)$/);
      await p.evaluate(startInPage, 'cryptoPro.getUserCertificates()');
      expect((await p.evaluate(finishInPage)).ok).toBe(false);
    } finally {
      await bare.close();
    }
  }, 120_000);
});
