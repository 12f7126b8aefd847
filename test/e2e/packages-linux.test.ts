// The packages as a person and an organization install them, in a private root (copy-on-write /etc /usr
// /opt /var in a mount namespace, so the machine is left as it was): `dpkg -i` the .deb; Chromium gets the
// .crx by policy (ExtensionInstallForcelist with updates.xml on 127.0.0.1) and logs in at the demo portal
// through the all-users manifest; Firefox ESR reaches the host through /usr/lib/mozilla/native-messaging-hosts;
// `dpkg -r` leaves no file. Then the .rpm: `rpm -i`, hello through /usr/bin/tokensign-host, `rpm -e` leaves nothing.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_NAME } from '../../shared/protocol';
import { exchangeWithHost } from '../../native-host/cli/host-client';
import { startDemoServer, type DemoServer, type LoginEvent } from '../../relying-party/demo/server';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { clickClosing, CHROMIUM_BASE_ARGS, findFirefoxPickerPage, findPickerPage, PROJECT_ROOT } from '../helpers/browser';
import { ensureTestPackages, PrivateRoot, type TestPackages } from '../helpers/packages';
import { webExtLint } from '../helpers/web-ext-lint';

const CHROMIUM_MANIFEST = `/etc/chromium/native-messaging-hosts/${HOST_NAME}.json`;
const FIREFOX_MANIFEST = `/usr/lib/mozilla/native-messaging-hosts/${HOST_NAME}.json`;

let packages: TestPackages;
let root: PrivateRoot;
let pki: TestPki;
let portal: DemoServer;
const logins: LoginEvent[] = [];
let updates: Server;
let updatesUrl: string;
let work: string;

/** Serves updates.xml (naming the .crx at this server's address) and the .crx, on 127.0.0.1. */
async function serveUpdates(): Promise<void> {
  const crx = readFileSync(packages.crx);
  let base = '';
  updates = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/updates.xml') {
      const xml = readFileSync(packages.updatesXml, 'utf8').replace(/codebase='[^']*'/, `codebase='${base}/tokensign.crx'`);
      res.writeHead(200, { 'content-type': 'text/xml' }).end(xml);
    } else if (path === '/tokensign.crx') {
      res.writeHead(200, { 'content-type': 'application/x-chrome-extension' }).end(crx);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => updates.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(updates.address() as AddressInfo).port}`;
  updatesUrl = `${base}/updates.xml`;
}

beforeAll(async () => {
  packages = await ensureTestPackages();
  work = mkdtempSync(join(tmpdir(), 'tokensign-packages-e2e-'));
  root = await PrivateRoot.start();
  pki = createTestPki();
  // Revocation and the qualified-certificate rule are the relying party's tests; here the login must only arrive.
  portal = await startDemoServer({
    root: PROJECT_ROOT,
    trustedCertificates: [readFileSync(pki.caCertPem, 'utf8')],
    revocation: { mode: 'off' },
    allowUnqualifiedOrganizations: true,
    onLogin: (e) => logins.push(e),
  });
  await serveUpdates();
}, 600_000);

afterAll(async () => {
  await portal?.close().catch(() => undefined);
  updates?.close();
  root?.stop();
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

/** The demo portal's login, as the person does it in the picker window. */
async function loginAtPortal(page: Page, context: BrowserContext): Promise<void> {
  await page.goto(`${portal.url}?lang=en`);
  await page.locator('[data-testid=extension-status][data-state=ready]').waitFor({ timeout: 30_000 });
  await page.click('[data-testid=login]');
  const picker = await findPickerPage(context, 30_000);
  expect(await picker.textContent('[data-testid=origin]')).toBe(portal.origin);
  const thumbprint = createHash('sha256').update(readFileSync(pki.certs.rsa!.certDer)).digest('hex');
  await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
  await picker.fill('[data-testid=pin]', '123456');
  await clickClosing(picker, '[data-testid=confirm]');
  await page.locator('[data-testid=profile]:not([hidden]), [data-testid=login-error]:not([hidden])').waitFor({ timeout: 60_000 });
  expect(logins.at(-1)).toMatchObject({ ok: true });
}

describe('the extension packages', () => {
  it('the .xpi passes web-ext lint; the store zip has no development key; updates.xml names the .crx key\'s id', async () => {
    const xpi = join(work, 'xpi-lint');
    mkdirSync(xpi);
    expect(spawnSync('unzip', ['-q', packages.xpi, '-d', xpi]).status).toBe(0);
    expect(await webExtLint(xpi)).toEqual({ errors: [], warnings: [] });
    const zipManifest = JSON.parse(spawnSync('unzip', ['-p', packages.zip, 'manifest.json'], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
    expect(zipManifest.version).toBe(packages.version);
    expect(zipManifest).not.toHaveProperty('key');
    // A CRX3 file: magic "Cr24", version 3.
    const crx = readFileSync(packages.crx);
    expect([crx.subarray(0, 4).toString('latin1'), crx.readUInt32LE(4)]).toEqual(['Cr24', 3]);
    expect(readFileSync(packages.updatesXml, 'utf8')).toContain(`appid='${packages.crxId}'`);
  }, 120_000);
});

describe('the .deb in a private root', () => {
  it('dpkg -i puts the executable on PATH and the manifests in every browser folder, an /etc/opt that was there kept', () => {
    // An empty /etc/opt an administrator made: the package may add to it, never take it away.
    if (!root.exists('/etc/opt')) expect(root.run('mkdir', ['/etc/opt']).status).toBe(0);
    const r = root.run('dpkg', ['-i', packages.deb]);
    expect(r.status, r.stderr).toBe(0);
    expect(root.run('/usr/bin/tokensign-host', ['version']).stdout.trim()).toBe(packages.version);
    const manifest = JSON.parse(root.run('cat', [CHROMIUM_MANIFEST]).stdout) as { path: string; allowed_origins: string[] };
    expect(manifest).toMatchObject({ name: HOST_NAME, path: '/usr/lib/tokensign/tokensign-host', allowed_origins: [`chrome-extension://${packages.crxId}/`] });
    for (const dir of ['/etc/opt/chrome', '/etc/opt/edge', '/etc/opt/brave', '/etc/opt/vivaldi', '/etc/opt/yandex/browser', '/usr/lib/mozilla']) {
      expect(root.exists(`${dir}/native-messaging-hosts/${HOST_NAME}.json`), dir).toBe(true);
    }
  });

  it('doctor, for a person who installed only the package, counts the all-users manifests as installed', () => {
    const home = join(work, 'doctor-home');
    mkdirSync(home);
    const r = root.run('/usr/bin/tokensign-host', ['doctor', '--json'], { HOME: home, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', ...pki.env });
    const report = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'manifest:chromium')?.detail).toBe(`Chromium: ${CHROMIUM_MANIFEST} → /usr/lib/tokensign/tokensign-host (all users)`);
    expect(report.checks.find((c) => c.name === 'launcher')?.detail).toMatch(/^\/usr\/lib\/tokensign\/tokensign-host answers hello/);
    expect(r.status).toBe(0);
  });

  it('Chromium force-installs the .crx by policy and logs in at the demo portal through the all-users manifest', async () => {
    root.writeFile(
      '/etc/chromium/policies/managed/tokensign-test.json',
      JSON.stringify({ ExtensionInstallForcelist: [`${packages.crxId};${updatesUrl}`], DeveloperToolsAvailability: 1 }),
    );
    const profile = join(work, 'chromium-profile');
    mkdirSync(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: root.wrapper('/usr/bin/chromium'),
      headless: true,
      env: { ...process.env, ...pki.env } as Record<string, string>,
      // The policy's download needs extensions on and background networking (to 127.0.0.1 only here).
      args: CHROMIUM_BASE_ARGS.filter((a) => a !== '--disable-background-networking'),
      ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking'],
      timeout: 60_000,
    });
    try {
      const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 60_000 }));
      expect(new URL(worker.url()).host).toBe(packages.crxId);
      await loginAtPortal(await context.newPage(), context);
      const verified = logins.filter((e) => e.ok);
      expect(verified).toHaveLength(1);
      // Nothing in the profile could stand in for the package's manifest.
      expect(root.exists(join(profile, 'NativeMessagingHosts', `${HOST_NAME}.json`))).toBe(false);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('Firefox ESR reaches the host through /usr/lib/mozilla/native-messaging-hosts and logs in', async () => {
    const home = join(work, 'firefox-home');
    const addon = join(work, 'xpi');
    mkdirSync(home);
    mkdirSync(addon);
    expect(spawnSync('unzip', ['-q', packages.xpi, '-d', addon]).status).toBe(0);
    const puppeteer = (await import('puppeteer-core')).default;
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: root.wrapper('/usr/bin/firefox-esr'),
      headless: true,
      env: { ...process.env, ...pki.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, '.cache') } as Record<string, string>,
      timeout: 60_000,
    });
    try {
      const before = logins.filter((e) => e.ok).length;
      await browser.installExtension(addon);
      const page = await browser.newPage();
      await page.goto(`${portal.url}?lang=en`);
      await page.waitForSelector('[data-testid=extension-status][data-state=ready]', { timeout: 30_000 });
      await page.click('[data-testid=login]');
      const picker = await findFirefoxPickerPage(browser, 30_000);
      const thumbprint = createHash('sha256').update(readFileSync(pki.certs.rsa!.certDer)).digest('hex');
      await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
      await picker.type('[data-testid=pin]', '123456');
      await clickClosing(picker, '[data-testid=confirm]');
      await page.waitForSelector('[data-testid=profile]:not([hidden]), [data-testid=login-error]:not([hidden])', { timeout: 60_000 });
      expect(logins.at(-1)).toMatchObject({ ok: true });
      expect(logins.filter((e) => e.ok)).toHaveLength(before + 1);
      expect(root.exists(join(home, '.mozilla', 'native-messaging-hosts'))).toBe(false);
    } finally {
      await browser.close();
    }
  }, 180_000);

  it('dpkg -r leaves no file of the package, and the /etc/opt that was there', () => {
    root.run('rm', ['-f', '/etc/chromium/policies/managed/tokensign-test.json']);
    const r = root.run('dpkg', ['-r', 'tokensign-host']);
    expect(r.status, r.stderr).toBe(0);
    expect(root.exists('/etc/opt')).toBe(true);
    for (const path of ['/usr/bin/tokensign-host', '/usr/lib/tokensign', '/etc/opt/chrome', CHROMIUM_MANIFEST, FIREFOX_MANIFEST, '/var/lib/tokensign-host']) {
      expect(root.exists(path), path).toBe(false);
    }
    // Only the test's own additions remain: the /etc/opt it made and the policy folder.
    const left = root.newPaths().filter((p) => !['/etc/opt', '/etc/chromium/policies', '/etc/chromium/policies/managed'].includes(p));
    expect(left).toEqual([]);
  });
});

describe('the .rpm in a private root', () => {
  it('rpm -i, the host answers hello through /usr/bin/tokensign-host, rpm -e leaves nothing', async () => {
    const before = root.newPaths();
    const installed = root.run('rpm', ['-i', '--nodeps', packages.rpm]);
    expect(installed.status, installed.stderr).toBe(0);
    expect(root.exists(CHROMIUM_MANIFEST)).toBe(true);
    const hello = await exchangeWithHost({
      command: 'nsenter',
      args: ['-t', String(root.pid), '-m', '--', '/usr/bin/tokensign-host', `chrome-extension://${packages.crxId}/`],
      env: { PATH: '/usr/bin:/bin', ...pki.env },
      requests: [{ id: 'h', command: 'hello' }],
      timeoutMs: 30_000,
    });
    expect(hello.replies.get('h')).toMatchObject({ id: 'h', ok: true, result: { version: packages.version } });
    const erased = root.run('rpm', ['-e', 'tokensign-host']);
    expect(erased.status, erased.stderr).toBe(0);
    expect(root.newPaths()).toEqual(before);
  });
});
