// The installer as a user runs it: `node dist/native-host/host.mjs install|doctor|uninstall` in a temp
// HOME that has a Chromium and a Firefox profile (and no Chrome). Real SoftHSM tokens stand behind the
// installed launcher, which is started with the minimal PATH browsers give their hosts.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { encodeFrame, FrameReader, readMessages } from '../../native-host/framing';
import { HOST_BUNDLE, PROJECT_ROOT } from '../helpers/host-process';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';

interface FileState {
  size: number;
  mtimeMs: number;
  mode: number;
  content: string;
}

/** Every file and folder under `root`, with content and times, to compare before and after. */
function snapshot(root: string): Map<string, FileState | 'dir'> {
  const out = new Map<string, FileState | 'dir'>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = lstatSync(full);
      if (st.isDirectory()) {
        out.set(full, 'dir');
        walk(full);
      } else {
        out.set(full, { size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, content: readFileSync(full).toString('base64') });
      }
    }
  };
  walk(root);
  return out;
}

let pki: TestPki;
let home: string;
let env: Record<string, string>;
/** A private copy of dist/native-host (like an unpacked release), safe from rebuilds while tests run. */
let work: string;
let hostScript: string;

function cli(args: string[], extraEnv: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [hostScript, ...args], {
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const launcherPath = (): string => join(home, '.local', 'share', 'tokensign', 'tokensign-host');
const chromiumManifest = (): string => join(home, '.config', 'chromium', 'NativeMessagingHosts', 'org.tokensign.host.json');
const firefoxManifest = (): string => join(home, '.mozilla', 'native-messaging-hosts', 'org.tokensign.host.json');

/** Starts `command` as a browser would, sends hello, and returns the parsed reply. */
function helloThrough(command: string, childEnv: Record<string, string>): Promise<{ reply: Record<string, unknown>; exitCode: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [`chrome-extension://${CHROME_EXTENSION_ID}/`], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    const reader = new FrameReader();
    let stderr = '';
    let reply: Record<string, unknown> | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no hello reply within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      const [first] = readMessages(reader, c);
      if (reply === null && first !== undefined) {
        reply = first as Record<string, unknown>;
        child.stdin.end();
      }
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (reply === null) reject(new Error(`host exited (${code}) without a reply; stderr: ${stderr}`));
      else resolve({ reply, exitCode: code });
    });
    child.stdin.write(encodeFrame({ id: 'h1', command: 'hello' }));
  });
}

interface DoctorJson {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string; fix?: string; warning?: boolean }>;
}

/** Runs `doctor --json` and parses it; a failure shows what doctor printed. */
function doctorJson(extraEnv: Record<string, string> = {}): { status: number | null; report: DoctorJson; stderr: string } {
  const r = cli(['doctor', '--json'], extraEnv);
  try {
    return { status: r.status, report: JSON.parse(r.stdout) as DoctorJson, stderr: r.stderr };
  } catch {
    throw new Error(`doctor --json printed no JSON (status ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

beforeAll(() => {
  if (!existsSync(HOST_BUNDLE)) throw new Error(`${HOST_BUNDLE} is missing: run \`npm run build\` first`);
  work = mkdtempSync(join(tmpdir(), 'tokensign-installer-bundle-'));
  cpSync(dirname(HOST_BUNDLE), join(work, 'tokensign'), { recursive: true });
  hostScript = join(work, 'tokensign', 'host.mjs');
  pki = createTestPki();
  home = mkdtempSync(join(tmpdir(), 'tokensign-installer-home-'));
  // A Chromium and a Firefox profile exist; Chrome, Edge and the others do not.
  mkdirSync(join(home, '.config', 'chromium', 'Default'), { recursive: true });
  mkdirSync(join(home, '.mozilla', 'firefox', 'abcd.default-release'), { recursive: true });
  // Sandboxed builds doctor must explain: a Snap Chromium and a Flatpak Firefox.
  mkdirSync(join(home, 'snap', 'chromium', 'common'), { recursive: true });
  mkdirSync(join(home, '.var', 'app', 'org.mozilla.firefox'), { recursive: true });
  env = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    ...pki.env,
  };
});

afterAll(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
  pki?.cleanup();
});

describe('tokensign-host install / doctor / uninstall in a temp HOME', () => {
  let before: Map<string, FileState | 'dir'>;

  it('installs for the browsers whose profile folders exist, and only those', () => {
    before = snapshot(home);
    const r = cli(['install']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Chromium');
    expect(r.stdout).toContain('Mozilla Firefox');

    const chromium = JSON.parse(readFileSync(chromiumManifest(), 'utf8')) as Record<string, unknown>;
    expect(chromium).toMatchObject({
      name: 'org.tokensign.host',
      type: 'stdio',
      path: launcherPath(),
      allowed_origins: [`chrome-extension://${CHROME_EXTENSION_ID}/`],
    });
    const firefox = JSON.parse(readFileSync(firefoxManifest(), 'utf8')) as Record<string, unknown>;
    expect(firefox).toMatchObject({ name: 'org.tokensign.host', path: launcherPath(), allowed_extensions: ['tokensign@tokensign.org'] });

    // No folder was invented for browsers that are not there.
    expect(existsSync(join(home, '.config', 'google-chrome'))).toBe(false);
    expect(existsSync(join(home, '.config', 'microsoft-edge'))).toBe(false);

    // The host, its addon and a launcher naming this node by absolute path.
    const dir = join(home, '.local', 'share', 'tokensign');
    expect(existsSync(join(dir, 'host.mjs'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'))).toBe(true);
    const launcher = readFileSync(launcherPath(), 'utf8');
    expect(launcher).toContain(`exec '${process.execPath}' '${join(dir, 'host.mjs')}' "$@"`);
    expect(statSync(launcherPath()).mode & 0o111).not.toBe(0);
  });

  it('changes nothing when run a second time', () => {
    const first = snapshot(home);
    const r = cli(['install']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Nothing changed/);
    expect(snapshot(home)).toEqual(first);
  });

  it('gives a launcher that answers hello with PATH=/usr/bin:/bin, and with no PATH at all', async () => {
    const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const path of ['/usr/bin:/bin', undefined]) {
      const childEnv: Record<string, string> = { HOME: home, ...pki.env };
      if (path !== undefined) childEnv.PATH = path;
      const { reply, exitCode } = await helloThrough(launcherPath(), childEnv);
      expect(reply).toMatchObject({ id: 'h1', ok: true, result: { protocol: 1, version } });
      expect(exitCode).toBe(0);
    }
  });

  it('doctor --json passes with SoftHSM tokens and reports each certificate state', () => {
    const r = doctorJson();
    const report = r.report;
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed, r.stderr).toEqual([]);
    expect(report.ok).toBe(true);
    expect(r.status).toBe(0);
    for (const c of report.checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['name', 'ok', 'detail']));
      expect(typeof c.detail).toBe('string');
    }
    const names = report.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['node', 'launcher', 'manifest:chromium', 'manifest:firefox', 'pkcs11-modules', 'tokens', 'certificates']));
    expect(names).not.toContain('manifest:chrome');
    const certDetails = report.checks.filter((c) => c.name.startsWith('certificate:')).map((c) => c.detail);
    expect(certDetails.some((d) => /EXPIRED on 2025-12-31/.test(d))).toBe(true);
    expect(certDetails.some((d) => /not valid until 2040/.test(d))).toBe(true);
    expect(certDetails.some((d) => /no private key/.test(d))).toBe(true);
    const snap = report.checks.find((c) => c.name === 'sandbox:snap:chromium');
    expect(snap).toMatchObject({ ok: true, warning: true });
    expect(snap?.detail).toMatch(/Chromium \(Snap\): .*cannot start a native messaging host/);
    expect(report.checks.find((c) => c.name === 'sandbox:org.mozilla.firefox')?.detail).toMatch(/xdg-native-messaging-proxy/);
    expect(report.checks.find((c) => c.name === 'tokens')?.detail).toMatch(/Tokensign Test 1.*Tokensign Test 2|Tokensign Test 2.*Tokensign Test 1/);
  });

  it('doctor fails, naming the browser, when a manifest is removed (English and Russian)', () => {
    const saved = readFileSync(chromiumManifest());
    rmSync(chromiumManifest());
    try {
      const r = doctorJson();
      expect(r.status).toBe(1);
      const report = r.report;
      expect(report.ok).toBe(false);
      const check = report.checks.find((c) => c.name === 'manifest:chromium');
      expect(check?.ok).toBe(false);
      expect(check?.detail).toContain('Chromium');
      expect(check?.fix).toContain('tokensign-host install --browsers chromium');
      expect(report.checks.find((c) => c.name === 'manifest:firefox')?.ok).toBe(true);

      const ru = cli(['doctor'], { LANG: 'ru_RU.UTF-8' });
      expect(ru.status).toBe(1);
      expect(ru.stdout).toMatch(/\[ОШИБКА\] Chromium: нет манифеста/);
      expect(ru.stdout).toContain('Что сделать: Выполните: tokensign-host install --browsers chromium');
      const en = cli(['doctor']);
      expect(en.stdout).toMatch(/\[FAIL\] Chromium: no Tokensign host manifest/);
      expect(en.stdout).toMatch(/1 problem\(s\) found/);
    } finally {
      writeFileSync(chromiumManifest(), saved);
    }
  });

  it('doctor explains a manifest that points at a missing launcher', () => {
    const good = readFileSync(firefoxManifest(), 'utf8');
    writeFileSync(firefoxManifest(), good.replace(launcherPath(), join(home, 'nowhere', 'tokensign-host')));
    try {
      const { report } = doctorJson();
      const check = report.checks.find((c) => c.name === 'manifest:firefox');
      expect(check?.ok).toBe(false);
      expect(check?.detail).toMatch(/Mozilla Firefox: .* points at .*nowhere.* which does not exist/);
    } finally {
      writeFileSync(firefoxManifest(), good);
    }
  });

  it('doctor names a PKCS#11 module that does not load, and says tokens could not be looked for', () => {
    const { status, report } = doctorJson({ TOKENSIGN_PKCS11_MODULES: '/nonexistent/libvendor-pkcs11.so' });
    expect(status).toBe(1);
    const module = report.checks.find((c) => c.name === 'module:/nonexistent/libvendor-pkcs11.so');
    expect(module?.ok).toBe(false);
    expect(module?.detail).toMatch(/did not load/);
    expect(module?.fix).toMatch(/driver/);
    expect(report.checks.find((c) => c.name === 'tokens')).toMatchObject({ ok: false, detail: expect.stringMatching(/no PKCS#11 module is loaded/) });
    expect(report.checks.find((c) => c.name === 'launcher')?.ok).toBe(true);
  });

  it('uninstall removes exactly what install wrote', () => {
    const r = cli(['uninstall']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect([...snapshot(home).keys()].sort()).toEqual([...before.keys()].sort());
    // A second uninstall finds nothing to do.
    const again = cli(['uninstall']);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/Nothing to uninstall/);
  });

  it('doctor without an install says so and how to fix it', () => {
    const { report } = doctorJson();
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => c.name === 'launcher')).toMatchObject({ ok: false, fix: 'Run: tokensign-host install' });
    expect(report.checks.find((c) => c.name === 'manifest:chromium')?.ok).toBe(false);
    // Modules and tokens are still checked, through the bundle doctor runs from.
    expect(report.checks.find((c) => c.name === 'tokens')?.ok).toBe(true);
  });
});

describe('version and help', () => {
  it('prints the host version and a bilingual usage', () => {
    const version = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const v = cli(['version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(version);
    const h = cli(['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('tokensign-host install [--browsers all|chrome,chromium,edge,brave,vivaldi,opera,yandex,firefox]');
    expect(h.stdout).toContain('Использование:');
  });
});

describe('install refuses clearly', () => {
  it('installs nothing when no browser profile exists', () => {
    const empty = mkdtempSync(join(tmpdir(), 'tokensign-installer-empty-'));
    try {
      const r = spawnSync(process.execPath, [hostScript, 'install'], {
        env: { HOME: empty, PATH: '/usr/bin:/bin', LANG: 'C', XDG_DATA_HOME: '', XDG_CONFIG_HOME: '' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/No browser profile found/);
      expect(readdirSync(empty)).toEqual([]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
