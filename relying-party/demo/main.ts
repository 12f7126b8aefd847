// `npm run demo`: demo PKI and SoftHSM token (made once in .tmp/demo), the demo portal, and Chromium
// with the Tokensign extension and host in a fresh profile. With a display the person logs in;
// without one (or with CI=true) a scripted user does, saves screenshots under demo-output/ and
// prints "Вход выполнен: <name>, <organization>, ИНН <inn>". Any failure exits non-zero saying why.
// The demo CA's certificates look qualified (signing-tool extensions, a protection class), and the CA answers OCSP
// (OpenSSL's responder on 127.0.0.1), so the portal runs with the library's defaults: revocation checked, fail closed,
// organizations only with qualified certificates (`--allow-unqualified` lifts that).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createTestPki, FIXTURE_CERTS, FIXTURE_TOKENS, SOFTHSM_MODULE, type FixtureCert } from '../../test/fixtures/pki';
import { startLoopbackOcspResponder, type RunningService } from '../testing/revocation-services';
import { clickClosing, findPickerPage, launchChromiumWithExtension, type ChromiumWithExtension } from '../../test/helpers/browser';
import { startDemoServer, type DemoServer, type LoginEvent } from './server';

/** What the demo keeps about its PKI between runs (.tmp/demo/pki.json). */
interface DemoPki {
  /** Made again when older than this layout (2: qualified-looking certificates, the CA's key and index for OCSP). */
  version: number;
  caCertPem: string;
  caKeyPem: string;
  caIndex: string;
  env: Record<string, string>;
  director: { certDer: string; token: string };
}

class DemoFailure extends Error {}

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && /"name":\s*"tokensign"/.test(readFileSync(pkg, 'utf8'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new DemoFailure('cannot find the Tokensign repository root (package.json "tokensign") above this script');
    dir = up;
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function requireFile(path: string, what: string, fix: string): void {
  if (!existsSync(path)) throw new DemoFailure(`${what} is missing (${path}). ${fix}`);
}

const PKI_VERSION = 2;

function loadOrCreatePki(demoDir: string): DemoPki {
  const pkiDir = join(demoDir, 'pki');
  const saved = join(demoDir, 'pki.json');
  if (existsSync(saved)) {
    try {
      const pki = JSON.parse(readFileSync(saved, 'utf8')) as DemoPki;
      const files = [pki.caCertPem, pki.caKeyPem, pki.caIndex, pki.director.certDer, pki.env.SOFTHSM2_CONF ?? ''];
      if (pki.version === PKI_VERSION && files.every((f) => f && existsSync(f))) {
        say(`Демо-PKI и токен SoftHSM: ${pkiDir} (уже созданы)`);
        return pki;
      }
    } catch {
      // unreadable: made again below
    }
  }
  rmSync(pkiDir, { recursive: true, force: true });
  rmSync(saved, { force: true });
  say(`Создаём демо-PKI и токены SoftHSM в ${pkiDir} …`);
  let created;
  try {
    created = createTestPki({ dir: pkiDir, certs: FIXTURE_CERTS.map((c) => ({ ...c, qualified: true })) });
  } catch (e) {
    rmSync(pkiDir, { recursive: true, force: true });
    throw new DemoFailure(`making the demo PKI failed: ${(e as Error).message}. Run \`npm run setup\` (softhsm2, opensc, openssl).`);
  }
  const director = created.certs.rsa as FixtureCert;
  const pki: DemoPki = {
    version: PKI_VERSION,
    caCertPem: created.caCertPem,
    caKeyPem: created.caKeyPem,
    caIndex: created.caIndex,
    env: created.env,
    director: { certDer: director.certDer, token: director.token },
  };
  writeFileSync(saved, JSON.stringify(pki, null, 2));
  return pki;
}

async function withTimeout<T>(what: string, ms: number, run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DemoFailure(`${what}: no result within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function scriptedLogin(chrome: ChromiumWithExtension, portal: DemoServer, pki: DemoPki, outDir: string, logins: LoginEvent[]): Promise<void> {
  const page: Page = await chrome.context.newPage();
  await page.setViewportSize({ width: 1100, height: 860 });
  await withTimeout('opening the portal', 30_000, page.goto(`${portal.url}?lang=ru`));
  await page.locator('[data-testid=extension-status][data-state=ready]').waitFor({ timeout: 20_000 }).catch(async () => {
    const text = await page.textContent('[data-testid=extension-status]');
    throw new DemoFailure(`the portal page does not see the extension and host: "${text ?? ''}"`);
  });
  say('Сценарий: нажимаем «Войти с помощью электронной подписи» …');
  await page.click('[data-testid=login]');

  const pageError = page
    .locator('[data-testid=login-error]:not([hidden])')
    .waitFor({ timeout: 30_000 })
    .then(async () => {
      const detail = await page.textContent('[data-testid=login-error-detail]');
      throw new DemoFailure(`the portal page reports: ${detail ?? 'an error'}`);
    });
  pageError.catch(() => undefined); // raced below; a timeout here only means no error was shown
  const picker = await withTimeout('the certificate window', 30_000, Promise.race([findPickerPage(chrome.context), pageError]));
  const shownOrigin = await picker.textContent('[data-testid=origin]');
  if (shownOrigin !== portal.origin) throw new DemoFailure(`the picker names origin "${shownOrigin ?? ''}", expected ${portal.origin}`);
  const thumbprint = createHash('sha256').update(readFileSync(pki.director.certDer)).digest('hex');
  const card = picker.locator(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
  const listed = await Promise.race([
    card.waitFor({ timeout: 20_000 }).then(() => true),
    // A window state other than the progress ones means nothing can be chosen (docs/PROTOCOL.md §3.5).
    picker.locator('[data-testid=state]:not([hidden]):not([data-state=connecting]):not([data-state=reading])').waitFor({ timeout: 20_000 }).then(() => false),
  ]).catch(() => false);
  if (!listed) {
    // What the window says instead, so that a failure tells which state it was in.
    const shown = await picker
      .evaluate(() => `${document.querySelector('[data-testid=state]')?.getAttribute('data-state') ?? '?'}: ${document.querySelector('[data-testid=state]')?.textContent?.trim() ?? ''}`)
      .catch(() => 'the window is gone');
    throw new DemoFailure(`the director's certificate is not listed in the picker (window: ${shown}); does the host see the SoftHSM token (${pki.env.SOFTHSM2_CONF ?? 'no SOFTHSM2_CONF'})?`);
  }
  await card.click();
  const token = FIXTURE_TOKENS.find((t) => t.label === pki.director.token);
  if (!token) throw new DemoFailure(`demo token ${pki.director.token} is unknown`);
  await picker.fill('[data-testid=pin]', token.pin);
  await picker.waitForTimeout(300); // let the list finish its first paint for the screenshot
  await picker.screenshot({ path: join(outDir, 'picker.png') });
  say(`Снимок окна выбора сертификата: ${join(outDir, 'picker.png')}`);
  // The window closes itself once the signature is made, sometimes before Playwright's click returns.
  await clickClosing(picker, '[data-testid=confirm]');

  const outcome = await withTimeout(
    'the login',
    60_000,
    Promise.race([
      page.locator('[data-testid=profile]:not([hidden])').waitFor({ timeout: 60_000 }).then(() => 'ok' as const),
      page.locator('[data-testid=login-error]:not([hidden])').waitFor({ timeout: 60_000 }).then(() => 'error' as const),
    ]),
  );
  await page.screenshot({ path: join(outDir, 'logged-in.png'), fullPage: true });
  say(`Снимок страницы портала: ${join(outDir, 'logged-in.png')}`);
  if (outcome === 'error') {
    const detail = await page.textContent('[data-testid=login-error-detail]');
    throw new DemoFailure(`the portal refused the login: ${detail ?? 'no detail'}`);
  }
  const verified = logins.find((e): e is Extract<LoginEvent, { ok: true }> => e.ok);
  if (!verified) throw new DemoFailure('the page shows a login the server did not verify');
  const shown = await page.getAttribute('[data-testid=profile]', 'data-name');
  if (shown !== verified.user.name) throw new DemoFailure(`the page shows "${shown ?? ''}", the server verified "${verified.user.name}"`);
  const u = verified.user;
  say(`Вход выполнен: ${u.name}, ${u.organization ?? '—'}, ИНН ${u.inn ?? u.innle ?? '—'}`);
}

/** The demo CA's OCSP responder and the portal that checks logins against it. */
async function startPortal(root: string, pki: DemoPki, logins: LoginEvent[]): Promise<{ ocsp: RunningService; portal: DemoServer }> {
  const ocsp: RunningService = await startLoopbackOcspResponder({
    index: pki.caIndex,
    caCertPem: pki.caCertPem,
    signerCertPem: pki.caCertPem,
    signerKeyPem: pki.caKeyPem,
  });
  say(`OCSP-ответчик демо-УЦ (OpenSSL): ${ocsp.url}`);
  const allowUnqualified = process.argv.includes('--allow-unqualified') || process.env.TOKENSIGN_DEMO_ALLOW_UNQUALIFIED === '1';
  const portal = await startDemoServer({
    root,
    trustedCertificates: [readFileSync(pki.caCertPem, 'utf8')],
    // The demo certificates name no responder (their port is not known when they are made): the portal names it.
    revocation: { ocspUrl: ocsp.url },
    allowUnqualifiedOrganizations: allowUnqualified,
    port: Number(process.env.TOKENSIGN_DEMO_PORT ?? 0),
    onLogin: (event) => {
      logins.push(event);
      if (event.ok) say(`Портал: подпись проверена — ${event.user.name}, ${event.user.organization ?? ''}`);
      else say(`Портал: вход отклонён — ${event.code}: ${event.detail}`);
    },
  });
  say(`Демо-портал: ${portal.url}`);
  return { ocsp, portal };
}

/** With a display: the person logs in themselves; the demo ends when Chromium closes or on Ctrl+C. */
async function interactiveLogin(chrome: ChromiumWithExtension, portal: DemoServer, pki: DemoPki): Promise<void> {
  const page = await chrome.context.newPage();
  await page.goto(`${portal.url}?lang=ru`);
  const token = FIXTURE_TOKENS.find((t) => t.label === pki.director.token);
  say('');
  say('Откройте окно Chromium и нажмите «Войти с помощью электронной подписи».');
  say(`Демо-токен «${pki.director.token}»: сертификат «Иванов Иван Иванович», PIN демо-токена ${token?.pin ?? ''}.`);
  say('Закройте Chromium (или нажмите Ctrl+C), чтобы завершить демо.');
  const ctx = chrome.context;
  await new Promise<void>((resolveClosed) => {
    ctx.once('close', () => resolveClosed());
    process.once('SIGINT', () => resolveClosed());
    process.once('SIGTERM', () => resolveClosed());
  });
}

async function main(): Promise<number> {
  const root = findRoot();
  const demoDir = resolve(process.env.TOKENSIGN_DEMO_DIR ?? join(root, '.tmp', 'demo'));
  const outDir = resolve(process.env.TOKENSIGN_DEMO_OUTPUT ?? join(root, 'demo-output'));
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const scripted = !hasDisplay || process.env.CI === 'true' || process.env.TOKENSIGN_DEMO_HEADLESS === '1';

  requireFile(join(root, 'dist', 'native-host', 'host.mjs'), 'The native host bundle', 'Run `npm run build`.');
  requireFile(join(root, 'dist', 'chrome', 'manifest.json'), 'The Chromium extension build', 'Run `npm run build`.');
  requireFile('/usr/bin/chromium', 'Chromium', 'Run `npm run setup` (Debian package chromium).');
  requireFile(SOFTHSM_MODULE, 'SoftHSM2', 'Run `npm run setup` (Debian package softhsm2).');
  mkdirSync(demoDir, { recursive: true });
  const pki = loadOrCreatePki(demoDir);

  const logins: LoginEvent[] = [];
  const { ocsp, portal } = await startPortal(root, pki, logins);

  let chrome: ChromiumWithExtension | undefined;
  try {
    chrome = await withTimeout(
      'starting Chromium with the extension',
      90_000,
      launchChromiumWithExtension({
        hostEnv: { ...pki.env, TOKENSIGN_PKCS11_MODULES: SOFTHSM_MODULE },
        headless: scripted,
        language: 'ru',
        // Extra flags, e.g. --ozone-platform=wayland; split on spaces.
        args: (process.env.TOKENSIGN_DEMO_CHROMIUM_ARGS ?? '').split(' ').filter(Boolean),
      }),
    );
    say(`Chromium с расширением Tokensign (${chrome.extensionId}), хост зарегистрирован в профиле ${chrome.userDataDir}`);
    // On Ctrl+C playwright closes the browser and exits (status 130) before our finally block runs.
    const profile = chrome.userDataDir;
    process.once('exit', () => rmSync(profile, { recursive: true, force: true }));
    if (scripted) {
      mkdirSync(outDir, { recursive: true });
      for (const f of ['picker.png', 'logged-in.png']) rmSync(join(outDir, f), { force: true });
      await withTimeout('the scripted login', 150_000, scriptedLogin(chrome, portal, pki, outDir, logins));
      return 0;
    }
    await interactiveLogin(chrome, portal, pki);
    return 0;
  } finally {
    await chrome?.close();
    await portal.close();
    await ocsp.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (e: unknown) => {
    const message = e instanceof DemoFailure ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(`Демо не удалось / demo failed: ${message}\n`);
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 3000).unref();
  },
);
