// Install planning for every platform (Windows registry commands are checked, not run), options,
// launcher quoting (run for real with /bin/sh), manifest inspection and language choice.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { parseBrowserList, parseDoctorArgs, parseInstallArgs, parseUninstallArgs, UsageError } from './args';
import { inspectManifest } from './doctor';
import { detectLanguage } from './i18n';
import { runCli } from './index';
import { manifestFor, type ChromiumManifest, type FirefoxManifest } from './host-manifest';
import { launcherScript, planInstall } from './install';
import { applyRegistry, parseRegQueryDefault, registryAddCommands, registryDeleteCommands } from './windows-registry';
import type { Environment } from './locations';

let tmp: string;
let bundle: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tokensign-install-unit-'));
  bundle = join(tmp, 'bundle');
  mkdirSync(join(bundle, 'node_modules', 'pkcs11js', 'build', 'Release'), { recursive: true });
  writeFileSync(join(bundle, 'host.mjs'), '// host\n');
  writeFileSync(join(bundle, 'package.json'), '{"type":"module"}\n');
  writeFileSync(join(bundle, 'node_modules', 'pkcs11js', 'index.js'), 'module.exports = {};\n');
  writeFileSync(join(bundle, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'), 'binary');
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const EXTRA_ID = 'abcdefghijklmnopabcdefghijklmnop';

describe('planInstall on Windows', () => {
  const win: Environment & { execPath: string } = {
    platform: 'win32',
    home: 'C:\\Users\\anna',
    env: { LOCALAPPDATA: 'C:\\Users\\anna\\AppData\\Local', APPDATA: 'C:\\Users\\anna\\AppData\\Roaming' },
    execPath: 'C:\\Program Files\\nodejs\\node.exe',
  };
  const exists = (p: string): boolean =>
    p === 'C:\\Users\\anna\\AppData\\Local\\Google\\Chrome\\User Data' ||
    p === 'C:\\Users\\anna\\AppData\\Local\\BraveSoftware\\Brave-Browser\\User Data' ||
    p === 'C:\\Users\\anna\\AppData\\Roaming\\Mozilla\\Firefox';

  it('registers the detected browsers in HKCU, once per key, pointing at manifests beside the host', () => {
    const plan = planInstall(win, parseInstallArgs(['--dev', '--extension-id', EXTRA_ID]), bundle, exists);
    expect(plan.installDir).toBe('C:\\Users\\anna\\AppData\\Local\\Tokensign');
    expect(plan.launcher).toBe('C:\\Users\\anna\\AppData\\Local\\Tokensign\\tokensign-host.bat');
    expect(plan.browsers.map((b) => b.variant)).toEqual(['chrome', 'brave', 'firefox']);
    expect(registryAddCommands(plan.registry)).toEqual([
      [
        'add',
        'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.tokensign.host',
        '/ve',
        '/t',
        'REG_SZ',
        '/d',
        'C:\\Users\\anna\\AppData\\Local\\Tokensign\\manifests\\org.tokensign.host.chromium.json',
        '/f',
      ],
      [
        'add',
        'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host',
        '/ve',
        '/t',
        'REG_SZ',
        '/d',
        'C:\\Users\\anna\\AppData\\Local\\Tokensign\\manifests\\org.tokensign.host.firefox.json',
        '/f',
      ],
    ]);
    expect(registryDeleteCommands(plan.registry).map((c) => c.join(' '))).toEqual([
      'delete HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.tokensign.host /f',
      'delete HKCU\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host /f',
    ]);
    const paths = plan.files.map((f) => f.path);
    expect(paths).toContain('C:\\Users\\anna\\AppData\\Local\\Tokensign\\host.mjs');
    expect(paths).toContain('C:\\Users\\anna\\AppData\\Local\\Tokensign\\node_modules\\pkcs11js\\build\\Release\\pkcs11.node');
    const chromium = plan.files.find((f) => f.path.endsWith('org.tokensign.host.chromium.json'));
    const manifest = JSON.parse(chromium?.content.toString() ?? '{}') as ChromiumManifest;
    expect(manifest.path).toBe(plan.launcher);
    expect(manifest.allowed_origins).toEqual([`chrome-extension://${CHROME_EXTENSION_ID}/`, `chrome-extension://${EXTRA_ID}/`]);
    const bat = plan.files.find((f) => f.path === plan.launcher)?.content.toString() ?? '';
    expect(bat).toContain('"C:\\Program Files\\nodejs\\node.exe" "C:\\Users\\anna\\AppData\\Local\\Tokensign\\host.mjs" %*');
    expect(bat.startsWith('@echo off\r\n')).toBe(true);
  });

  it('uses HKLM and Program Files with --system', () => {
    const plan = planInstall({ ...win, env: { ...win.env, ProgramFiles: 'D:\\Apps' } }, { browsers: ['edge', 'yandex'], system: true, extensionIds: [EXTRA_ID] }, bundle, exists);
    expect(plan.installDir).toBe('D:\\Apps\\Tokensign');
    expect(plan.registry.map((r) => r.key)).toEqual([
      'HKLM\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\org.tokensign.host',
      'HKLM\\Software\\Yandex\\YandexBrowser\\NativeMessagingHosts\\org.tokensign.host',
    ]);
  });

  it('runs reg add only for keys that do not already hold the manifest path, and reports reg failures', () => {
    // An in-memory stand-in for reg.exe (there is no registry here): it records every command.
    const store = new Map<string, string>();
    const calls: string[] = [];
    const reg = (args: string[]): { status: number; stdout: string; stderr: string } => {
      calls.push(args.join(' '));
      const [verb, key = ''] = args;
      if (verb === 'query') {
        const v = store.get(key);
        return v === undefined ? { status: 1, stdout: '', stderr: 'ERROR: not found' } : { status: 0, stdout: `\r\n${key}\r\n    (Default)    REG_SZ    ${v}\r\n`, stderr: '' };
      }
      if (verb === 'add') {
        if (key.startsWith('HKLM')) return { status: 1, stdout: '', stderr: 'ERROR: Access is denied.' };
        store.set(key, args[6] ?? '');
        return { status: 0, stdout: 'The operation completed successfully.', stderr: '' };
      }
      return { status: 1, stdout: '', stderr: 'unexpected' };
    };
    const values = [
      { key: 'HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.tokensign.host', value: 'C:\\T\\chromium.json' },
      { key: 'HKCU\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host', value: 'C:\\T\\firefox.json' },
    ];
    expect(applyRegistry(reg, values, 'en', 'user')).toEqual(values.map((v) => v.key));
    expect(calls.filter((c) => c.startsWith('add'))).toHaveLength(2);
    calls.length = 0;
    expect(applyRegistry(reg, values, 'en', 'user')).toEqual([]);
    expect(calls.every((c) => c.startsWith('query'))).toBe(true);
    const hklm = [{ key: 'HKLM\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host', value: 'C:\\T\\f.json' }];
    expect(() => applyRegistry(reg, hklm, 'en', 'system')).toThrow(/Access is denied.*elevated prompt/);
  });

  it('reads the current default value from reg query output', () => {
    const out = '\r\nHKEY_CURRENT_USER\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host\r\n    (Default)    REG_SZ    C:\\x\\m.json\r\n\r\n';
    expect(parseRegQueryDefault(out)).toBe('C:\\x\\m.json');
    expect(parseRegQueryDefault('    (По умолчанию)    REG_SZ    C:\\y.json')).toBe('C:\\y.json');
    expect(parseRegQueryDefault('ERROR: The system was unable to find the specified registry key or value.')).toBeNull();
  });
});

describe('planInstall on Linux and macOS', () => {
  it('writes one manifest per browser folder and de-duplicates shared all-users folders', () => {
    const e = { platform: 'linux' as const, home: '/home/anna', env: {}, execPath: '/usr/bin/node' };
    const plan = planInstall(e, { browsers: ['chrome', 'opera', 'firefox'], system: true, extensionIds: [EXTRA_ID] }, bundle, (p) => p === '/usr/lib64/mozilla');
    expect(plan.installDir).toBe('/opt/tokensign');
    const manifests = plan.files.filter((f) => f.path.endsWith('org.tokensign.host.json')).map((f) => f.path);
    // Chrome's channels and Opera share /etc/opt/chrome; Firefox gets lib64 only where /usr/lib64/mozilla exists.
    expect(manifests).toEqual([
      '/etc/opt/chrome/native-messaging-hosts/org.tokensign.host.json',
      '/usr/lib/mozilla/native-messaging-hosts/org.tokensign.host.json',
      '/usr/lib64/mozilla/native-messaging-hosts/org.tokensign.host.json',
    ]);
    expect(plan.registry).toEqual([]);
  });

  it('selects only browsers whose profile folder exists, and refuses when there is none', () => {
    const e = { platform: 'darwin' as const, home: '/Users/anna', env: {}, execPath: '/opt/homebrew/bin/node' };
    const plan = planInstall(e, { browsers: 'detect', system: false, extensionIds: [EXTRA_ID] }, bundle, (p) => p === '/Users/anna/Library/Application Support/Microsoft Edge');
    expect(plan.browsers.map((b) => b.variant)).toEqual(['edge']);
    expect(plan.files.find((f) => f.path.endsWith('.json') && f.path.includes('Edge'))?.path).toBe(
      '/Users/anna/Library/Application Support/Microsoft Edge/NativeMessagingHosts/org.tokensign.host.json',
    );
    expect(() => planInstall(e, { browsers: 'detect', system: false, extensionIds: [] }, bundle, () => false)).toThrow('no-browser');
  });

  it('fills the Firefox template with the Firefox extension id', () => {
    const m = manifestFor('firefox', '/x/tokensign-host', []) as FirefoxManifest;
    expect(m).toMatchObject({ name: 'org.tokensign.host', type: 'stdio', path: '/x/tokensign-host', allowed_extensions: ['tokensign@tokensign.org'] });
    expect('allowed_origins' in m).toBe(false);
  });
});

describe('launcher script', () => {
  it('runs node by absolute path with the host script and passes arguments through, whatever the path', () => {
    const dir = join(tmp, "it's a $dir");
    mkdirSync(dir, { recursive: true });
    const launcher = join(dir, 'tokensign-host');
    // /bin/echo stands in for node so the test sees exactly the argv the launcher builds.
    writeFileSync(launcher, launcherScript('linux', '/bin/echo', join(dir, 'host.mjs')));
    chmodSync(launcher, 0o755);
    const out = execFileSync(launcher, ['chrome-extension://abc/', 'two words'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    expect(out).toBe(`${join(dir, 'host.mjs')} chrome-extension://abc/ two words\n`);
  });

  it('escapes percent signs in the Windows .bat', () => {
    expect(launcherScript('win32', 'C:\\node\\node.exe', 'C:\\100%\\host.mjs')).toContain('"C:\\100%%\\host.mjs" %*');
  });
});

describe('options', () => {
  it('parses install options', () => {
    expect(parseInstallArgs([])).toEqual({ browsers: 'detect', system: false, extensionIds: [] });
    expect(parseInstallArgs(['--browsers', 'all', '--system'])).toEqual({ browsers: 'all', system: true, extensionIds: [] });
    expect(parseInstallArgs(['--browsers=Chrome,firefox', '--extension-id', EXTRA_ID, `--extension-id=${EXTRA_ID}`])).toEqual({
      browsers: ['chrome', 'firefox'],
      system: false,
      extensionIds: [EXTRA_ID],
    });
    expect(parseBrowserList('edge, yandex')).toEqual(['edge', 'yandex']);
  });

  it('rejects mistakes with a clear message', () => {
    expect(() => parseInstallArgs(['--browsers', 'safari'])).toThrow(/unknown browser 'safari'/);
    expect(() => parseInstallArgs(['--browsers'])).toThrow(/needs a value/);
    expect(() => parseInstallArgs(['--extension-id', 'xyz'])).toThrow(/not a Chromium extension id/);
    expect(() => parseInstallArgs(['--force'])).toThrow(UsageError);
    expect(() => parseUninstallArgs(['--json'])).toThrow(/unknown option/);
    expect(parseDoctorArgs(['--json'])).toEqual({ json: true });
  });

  it('answers usage errors with status 2 and a pointer to --help, and refuses --system without root', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: { LANG: 'C' } };
    expect(await runCli(['install', '--browsers', 'netscape'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/unknown browser 'netscape'[\s\S]*--help/);
    err.length = 0;
    const home = join(tmp, 'home-noroot');
    expect(await runCli(['install', '--system'], { ...io, home, isRoot: false, platform: 'linux' })).toBe(1);
    expect(err.join('\n')).toMatch(/needs root/);
    expect(await runCli(['version'], io)).toBe(0);
    expect(out.at(-1)).toMatch(/^\d+\.\d+\.\d+/);
    expect(await runCli(['--help'], io)).toBe(0);
    expect(out.at(-1)).toContain('Использование');
    expect(out.at(-1)).toContain('doctor [--json]');
  });
});

describe('manifest inspection', () => {
  it('accepts a good manifest and names what is wrong with bad ones', () => {
    const launcher = join(tmp, 'launcher');
    writeFileSync(launcher, '#!/bin/sh\n');
    chmodSync(launcher, 0o755);
    const write = (name: string, value: unknown): string => {
      const p = join(tmp, name);
      writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
      return p;
    };
    const good = manifestFor('chromium', launcher, [CHROME_EXTENSION_ID]);
    expect(inspectManifest(write('good.json', good), 'chromium', 'linux', [CHROME_EXTENSION_ID])).toEqual({ ok: true, launcher });
    const problem = (p: ReturnType<typeof inspectManifest>): string => (p.ok ? 'ok' : p.problem.en);
    expect(problem(inspectManifest(write('broken.json', '{"name":'), 'chromium', 'linux'))).toMatch(/not valid JSON/);
    expect(problem(inspectManifest(write('name.json', { ...good, name: 'x' }), 'chromium', 'linux'))).toMatch(/names the host "x"/);
    expect(problem(inspectManifest(write('gone.json', { ...good, path: '/nonexistent/launcher' }), 'chromium', 'linux'))).toMatch(/does not exist/);
    expect(problem(inspectManifest(write('ids.json', { ...good, allowed_origins: [] }), 'chromium', 'linux', [CHROME_EXTENSION_ID]))).toMatch(/does not allow chrome-extension/);
    expect(problem(inspectManifest(write('ff.json', { ...good }), 'firefox', 'linux'))).toMatch(/does not allow tokensign@tokensign.org/);
    expect(problem(inspectManifest(join(tmp, 'missing.json'), 'chromium', 'linux'))).toMatch(/cannot read/);
    chmodSync(launcher, 0o644);
    expect(problem(inspectManifest(write('noexec.json', good), 'chromium', 'linux'))).toMatch(/not executable/);
  });
});

describe('language', () => {
  it('follows LC_ALL, then LC_MESSAGES, then LANG', () => {
    expect(detectLanguage({ LANG: 'ru_RU.UTF-8' })).toBe('ru');
    expect(detectLanguage({ LC_ALL: 'en_US.UTF-8', LANG: 'ru_RU.UTF-8' })).toBe('en');
    expect(detectLanguage({ LC_MESSAGES: 'ru_RU.UTF-8', LANG: 'en_GB.UTF-8' })).toBe('ru');
    expect(detectLanguage({ LC_ALL: '', LANG: 'ru' })).toBe('ru');
    expect(detectLanguage({})).toBe('en');
  });
});

describe('which extensions a host manifest trusts (issue 14 item 5)', () => {
  const linux = { platform: 'linux' as const, home: '/home/anna', env: {}, execPath: '/usr/bin/node' };
  const chromiumOnly = (p: string): boolean => p === '/usr/bin/chromium';

  it('trusts the development id of dist/chrome only when asked with --dev', () => {
    expect(parseInstallArgs(['--dev']).extensionIds).toEqual([CHROME_EXTENSION_ID]);
    // This source tree knows no release id (manifests/release-ids.json), so without --dev there is
    // nothing a Chromium manifest may trust: install refuses instead of trusting the published key's id.
    expect(() => planInstall(linux, parseInstallArgs([]), bundle, chromiumOnly)).toThrow('no-chrome-id');
    const plan = planInstall(linux, parseInstallArgs(['--extension-id', EXTRA_ID]), bundle, chromiumOnly);
    const manifest = JSON.parse(plan.files.find((f) => f.path.endsWith('chromium/NativeMessagingHosts/org.tokensign.host.json'))?.content.toString() ?? '{}') as ChromiumManifest;
    expect(manifest.allowed_origins).toEqual([`chrome-extension://${EXTRA_ID}/`]);
    expect(manifest.allowed_origins).not.toContain(`chrome-extension://${CHROME_EXTENSION_ID}/`);
  });

  it('doctor flags a manifest that trusts the development id nobody asked for', () => {
    const launcher = join(tmp, 'launcher-dev');
    writeFileSync(launcher, '#!/bin/sh\n');
    chmodSync(launcher, 0o755);
    const path = join(tmp, 'dev-trusting.json');
    writeFileSync(path, JSON.stringify(manifestFor('chromium', launcher, [CHROME_EXTENSION_ID])));
    const result = inspectManifest(path, 'chromium', 'linux', []);
    expect(result.ok ? 'ok' : result.problem.en).toMatch(/also trusts chrome-extension:\/\/jhbijckbfghlnhjfcaekmfjpeohbkfkm\/, an id that is not a Tokensign release/);
    expect(inspectManifest(path, 'chromium', 'linux', [CHROME_EXTENSION_ID]).ok).toBe(true);
  });
});

describe('installing as a person would (issue 13)', () => {
  const linux = { platform: 'linux' as const, home: '/home/anna', env: {}, execPath: '/usr/bin/node' };

  it('registers every installed browser, also one never started, and puts tokensign-host in ~/.local/bin', () => {
    // Firefox ESR and Chromium are installed; only Chromium was ever run by this user.
    const exists = (p: string): boolean => ['/usr/lib/firefox-esr', '/usr/bin/chromium', '/home/anna/.config/chromium'].includes(p);
    const plan = planInstall(linux, parseInstallArgs(['--dev']), bundle, exists);
    expect(plan.browsers.map((b) => b.variant)).toEqual(['chromium', 'firefox']);
    expect(plan.files.map((f) => f.path)).toContain('/home/anna/.mozilla/native-messaging-hosts/org.tokensign.host.json');
    expect(plan.pathShim).toBe('/home/anna/.local/bin/tokensign-host');
    const shim = plan.files.find((f) => f.path === plan.pathShim);
    expect(shim?.mode).toBe(0o755);
    expect(shim?.content.toString()).toContain(`exec '${plan.launcher}' "$@"`);
  });

  it('installs the single executable itself, with pkcs11.node beside it, as the launcher', () => {
    const seaDir = join(tmp, 'sea');
    mkdirSync(seaDir, { recursive: true });
    writeFileSync(join(seaDir, 'tokensign-host'), 'ELF');
    writeFileSync(join(seaDir, 'pkcs11.node'), 'addon');
    const plan = planInstall({ ...linux, executable: join(seaDir, 'tokensign-host') }, parseInstallArgs(['--dev', '--browsers', 'firefox']), seaDir, () => false);
    expect(plan.launcher).toBe('/home/anna/.local/share/tokensign/tokensign-host');
    expect(plan.files.filter((f) => !f.path.endsWith('.json')).map((f) => [f.path, f.mode])).toEqual([
      ['/home/anna/.local/share/tokensign/tokensign-host', 0o755],
      ['/home/anna/.local/share/tokensign/pkcs11.node', 0o644],
      ['/home/anna/.local/bin/tokensign-host', 0o755],
    ]);
  });
});
