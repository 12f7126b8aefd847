// install and uninstall (docs/PROTOCOL.md §5): copy the host to a stable folder, write a launcher that names
// node by its absolute path, register a manifest per browser, and record every path written so that
// uninstall removes exactly that. Planning is pure (unit-tested for every platform); applying touches disk.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, chmodSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import chromiumTemplate from '../../manifests/chromium.json';
import firefoxTemplate from '../../manifests/firefox.json';
import { FIREFOX_EXTENSION_ID, HOST_NAME } from '../../shared/protocol';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { UsageError, type InstallOptions, type UninstallOptions } from './args';
import type { CliContext } from './context';
import { detectLanguage, tr, type Language } from './i18n';
import {
  browserLocations,
  installDirectory,
  INSTALL_RECORD_FILE,
  launcherFileName,
  manifestPaths,
  pathApi,
  registryPath,
  type BrowserLocation,
  type Environment,
  type InstallScope,
} from './locations';
import { HOST_VERSION } from '../version';

export interface RegistryValue {
  /** Full key, e.g. HKCU\Software\Google\Chrome\NativeMessagingHosts\org.tokensign.host. */
  key: string;
  /** The key's default value: the manifest path. */
  value: string;
}

export interface InstalledBrowser {
  variant: string;
  displayName: string;
  manifests: string[];
  registryKey?: string;
}

/** What install wrote, kept in the install folder; uninstall reads it and removes exactly this. */
export interface InstallRecord {
  tokensign: 1;
  scope: InstallScope;
  version: string;
  installDir: string;
  launcher: string;
  node: string;
  /** Extension ids given with --extension-id, besides the pinned one; kept across installs. */
  extensionIds: string[];
  browsers: InstalledBrowser[];
  /** Every file written, the record itself excepted. */
  files: string[];
  /** Folders install created, parents first. */
  dirs: string[];
  registry: RegistryValue[];
}

export interface PlannedFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface InstallPlan {
  scope: InstallScope;
  installDir: string;
  launcher: string;
  recordPath: string;
  files: PlannedFile[];
  registry: RegistryValue[];
  browsers: InstalledBrowser[];
  extensionIds: string[];
}

export class InstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstallError';
  }
}

export interface ChromiumManifest {
  name: string;
  description: string;
  path: string;
  type: 'stdio';
  allowed_origins: string[];
}
export interface FirefoxManifest {
  name: string;
  description: string;
  path: string;
  type: 'stdio';
  allowed_extensions: string[];
}

export function chromiumOrigins(extensionIds: string[]): string[] {
  return [...new Set([CHROME_EXTENSION_ID, ...extensionIds])].map((id) => `chrome-extension://${id}/`);
}

export function manifestFor(family: 'chromium' | 'firefox', launcher: string, extensionIds: string[]): ChromiumManifest | FirefoxManifest {
  if (family === 'firefox') {
    return { ...firefoxTemplate, name: HOST_NAME, path: launcher, type: 'stdio', allowed_extensions: [FIREFOX_EXTENSION_ID] };
  }
  return { ...chromiumTemplate, name: HOST_NAME, path: launcher, type: 'stdio', allowed_origins: chromiumOrigins(extensionIds) };
}

/** POSIX shell single-quoting: 'a'\''b'. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function launcherScript(platform: NodeJS.Platform, node: string, hostScript: string): string {
  if (platform === 'win32') {
    // cmd expands %VAR% even inside quotes: double the percent signs. Paths cannot contain quotes on Windows.
    const q = (p: string): string => `"${p.replace(/%/g, '%%')}"`;
    return [
      '@echo off',
      'rem Tokensign native messaging host launcher, written by "tokensign-host install".',
      `${q(node)} ${q(hostScript)} %*`,
      '',
    ].join('\r\n');
  }
  return [
    '#!/bin/sh',
    '# Tokensign native messaging host launcher, written by `tokensign-host install`.',
    '# Browsers start hosts with a minimal PATH, so node is named by its absolute path.',
    `exec ${shellQuote(node)} ${shellQuote(hostScript)} "$@"`,
    '',
  ].join('\n');
}

/** Every file of the host bundle, relative to it: host.mjs, package.json, node_modules/pkcs11js/... */
export function bundleFiles(bundleDir: string): string[] {
  const skip = new Set([INSTALL_RECORD_FILE, 'tokensign-host', 'tokensign-host.bat', 'manifests']);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (dir === bundleDir && skip.has(entry.name)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(bundleDir, full));
    }
  };
  walk(bundleDir);
  return out.sort();
}

export function readRecord(recordPath: string): InstallRecord | null {
  let text: string;
  try {
    text = readFileSync(recordPath, 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as Partial<InstallRecord>;
    if (value.tokensign !== 1 || !Array.isArray(value.files) || !Array.isArray(value.dirs)) return null;
    return {
      tokensign: 1,
      scope: value.scope === 'system' ? 'system' : 'user',
      version: String(value.version ?? ''),
      installDir: String(value.installDir ?? ''),
      launcher: String(value.launcher ?? ''),
      node: String(value.node ?? ''),
      extensionIds: Array.isArray(value.extensionIds) ? value.extensionIds.map(String) : [],
      browsers: Array.isArray(value.browsers) ? value.browsers : [],
      files: value.files.map(String),
      dirs: value.dirs.map(String),
      registry: Array.isArray(value.registry) ? value.registry : [],
    };
  } catch {
    return null;
  }
}

export function recordPathFor(e: Environment, scope: InstallScope): string {
  return pathApi(e.platform).join(installDirectory(e, scope), INSTALL_RECORD_FILE);
}

/** The browsers to register: the list asked for, or those this user (or, with --system, this machine) has. */
export function selectBrowsers(
  e: Environment,
  options: InstallOptions,
  exists: (path: string) => boolean,
  previous: InstallRecord | null,
): BrowserLocation[] {
  const all = browserLocations(e);
  if (options.browsers === 'all') return all;
  if (Array.isArray(options.browsers)) {
    const wanted = options.browsers;
    return all.filter((b) => wanted.includes(b.browser));
  }
  const before = new Set((previous?.browsers ?? []).map((b) => b.variant));
  return all.filter((b) => {
    if (before.has(b.variant)) return true;
    const marks = options.system ? [...b.programPaths, ...b.profileDirs] : b.profileDirs;
    return marks.some(exists);
  });
}

/** Everything install will write, computed without writing anything. */
export function planInstall(
  ctx: Pick<CliContext, 'platform' | 'home' | 'env' | 'execPath'>,
  options: InstallOptions,
  bundleDir: string,
  exists: (path: string) => boolean = existsSync,
): InstallPlan {
  const scope: InstallScope = options.system ? 'system' : 'user';
  const p = pathApi(ctx.platform);
  const installDir = installDirectory(ctx, scope);
  const recordPath = p.join(installDir, INSTALL_RECORD_FILE);
  const previous = readRecord(recordPath);
  const browsers = selectBrowsers(ctx, options, exists, previous);
  if (browsers.length === 0) {
    throw new InstallError('no-browser');
  }
  const extensionIds = [...new Set([...(previous?.extensionIds ?? []), ...options.extensionIds])];
  const launcher = p.join(installDir, launcherFileName(ctx.platform));
  const hostScript = p.join(installDir, 'host.mjs');

  const files: PlannedFile[] = [];
  for (const rel of bundleFiles(bundleDir)) {
    const source = join(bundleDir, rel);
    files.push({ path: p.join(installDir, ...rel.split(sep)), content: readFileSync(source), mode: statSync(source).mode & 0o777 });
  }
  files.push({ path: launcher, content: Buffer.from(launcherScript(ctx.platform, ctx.execPath, hostScript)), mode: 0o755 });

  const registry: RegistryValue[] = [];
  const installed: InstalledBrowser[] = [];
  const planned = new Set<string>();
  for (const b of browsers) {
    const content = Buffer.from(`${JSON.stringify(manifestFor(b.family, launcher, extensionIds), null, 2)}\n`);
    let paths = manifestPaths(ctx, b, scope);
    // Extra all-users folders (e.g. /usr/lib64/mozilla/...) only where that browser family's folder exists.
    paths = paths.filter((path, i) => i === 0 || exists(p.dirname(p.dirname(path))));
    for (const path of paths) {
      if (planned.has(path)) continue;
      planned.add(path);
      files.push({ path, content, mode: 0o644 });
    }
    const entry: InstalledBrowser = { variant: b.variant, displayName: b.displayName, manifests: paths };
    const key = registryPath(b, scope);
    if (key !== null && paths[0] !== undefined) {
      entry.registryKey = key;
      if (!registry.some((r) => r.key.toLowerCase() === key.toLowerCase())) registry.push({ key, value: paths[0] });
    }
    installed.push(entry);
  }
  // Merge with what an earlier install registered, so a narrower second run keeps (and records) it.
  for (const old of previous?.browsers ?? []) {
    if (!installed.some((b) => b.variant === old.variant)) installed.push(old);
  }
  for (const old of previous?.registry ?? []) {
    if (!registry.some((r) => r.key.toLowerCase() === old.key.toLowerCase())) registry.push(old);
  }
  return { scope, installDir, launcher, recordPath, files, registry, browsers: installed, extensionIds };
}

/** reg.exe arguments that set each key's default value to the manifest path. */
export function registryAddCommands(values: RegistryValue[]): string[][] {
  return values.map((v) => ['add', v.key, '/ve', '/t', 'REG_SZ', '/d', v.value, '/f']);
}
export function registryDeleteCommands(values: RegistryValue[]): string[][] {
  return values.map((v) => ['delete', v.key, '/f']);
}

/** The current default value of a key, parsed from `reg query KEY /ve`, or null. */
export function parseRegQueryDefault(stdout: string): string | null {
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^\s+\(.+?\)\s+REG_(?:EXPAND_)?SZ\s+(.*)$/.exec(line);
    if (m?.[1] !== undefined) return m[1].trim();
  }
  return null;
}

/**
 * Sets each key's default value with reg.exe, skipping keys that already hold it (so a second install
 * changes nothing). Returns the keys written; throws with reg's own message on failure.
 */
export function applyRegistry(run: CliContext['registry'], values: RegistryValue[], lang: Language, scope: InstallScope): string[] {
  const written: string[] = [];
  for (const v of values) {
    const current = run(['query', v.key, '/ve']);
    if (current.status === 0 && parseRegQueryDefault(current.stdout) === v.value) continue;
    const args = registryAddCommands([v])[0] ?? [];
    const result = run(args);
    if (result.status !== 0) {
      throw new Error(
        tr(lang, {
          en: `reg ${args.join(' ')} failed: ${result.stderr.trim()}${scope === 'system' ? ' (a system install needs an elevated prompt)' : ''}`,
          ru: `reg ${args.join(' ')} завершилась с ошибкой: ${result.stderr.trim()}${scope === 'system' ? ' (для установки для всех пользователей запустите от имени администратора)' : ''}`,
        }),
      );
    }
    written.push(v.key);
  }
  return written;
}

/** Writes files only when their content differs; remembers every folder it had to create. */
class DiskWriter {
  readonly created: string[] = [];
  readonly changed: string[] = [];

  ensureDir(dir: string): void {
    if (existsSync(dir)) return;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) {
      missing.unshift(d);
      if (dirname(d) === d) break;
    }
    mkdirSync(dir, { recursive: true });
    this.created.push(...missing);
  }

  write(path: string, content: Buffer, mode: number): void {
    this.ensureDir(dirname(path));
    let same = false;
    try {
      same = readFileSync(path).equals(content);
    } catch {
      same = false;
    }
    if (!same) {
      writeFileSync(path, content, { mode });
      this.changed.push(path);
    }
    if (process.platform !== 'win32' && (statSync(path).mode & 0o777) !== mode) {
      chmodSync(path, mode);
      if (same) this.changed.push(path);
    }
  }
}

function messageFor(lang: Language, error: unknown, ctx: Environment, scope: InstallScope): string {
  if (error instanceof InstallError && error.message === 'no-browser') {
    return tr(lang, {
      en: 'No browser profile found for this user, so nothing was installed. Start the browser once, or name it: tokensign-host install --browsers chrome,firefox (or --browsers all).',
      ru: 'Не найден профиль ни одного браузера этого пользователя, ничего не установлено. Запустите браузер хотя бы раз или укажите его: tokensign-host install --browsers chrome,firefox (или --browsers all).',
    });
  }
  const text = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return tr(lang, {
      en: `Permission denied while writing (${text}).${scope === 'system' ? ' A system install needs root.' : ` Check the owner of ${installDirectory(ctx, scope)}.`}`,
      ru: `Нет прав на запись (${text}).${scope === 'system' ? ' Для установки для всех пользователей нужны права root.' : ` Проверьте владельца папки ${installDirectory(ctx, scope)}.`}`,
    });
  }
  return text;
}

export function runInstall(ctx: CliContext, options: InstallOptions): number {
  const lang = detectLanguage(ctx.env);
  const scope: InstallScope = options.system ? 'system' : 'user';
  if (options.system && ctx.platform !== 'win32' && !ctx.isRoot) {
    ctx.err(
      tr(lang, {
        en: 'install --system writes to /opt and /etc (or /Library) and needs root: run it with sudo, or drop --system to install for your user only.',
        ru: 'install --system пишет в /opt и /etc (или /Library) и требует прав root: запустите через sudo или уберите --system, чтобы установить только для себя.',
      }),
    );
    return 1;
  }
  if (ctx.bundleDir === null) {
    ctx.err(
      tr(lang, {
        en: 'The host bundle (host.mjs with node_modules/pkcs11js beside it) was not found next to this tool. Run `npm run build` and then `node dist/native-host/host.mjs install`.',
        ru: 'Рядом с этой программой не найден собранный хост (host.mjs и node_modules/pkcs11js). Выполните `npm run build`, затем `node dist/native-host/host.mjs install`.',
      }),
    );
    return 1;
  }
  let plan: InstallPlan;
  try {
    plan = planInstall(ctx, options, ctx.bundleDir);
  } catch (error) {
    ctx.err(messageFor(lang, error, ctx, scope));
    return 1;
  }
  const previous = readRecord(plan.recordPath);
  const writer = new DiskWriter();
  try {
    for (const f of plan.files) writer.write(f.path, f.content, f.mode);
    writer.changed.push(...applyRegistry(ctx.registry, plan.registry, lang, scope));
  } catch (error) {
    // Record what was written so far, so uninstall can still clean up a half install.
    saveRecord(plan, previous, writer, ctx.execPath);
    ctx.err(messageFor(lang, error, ctx, scope));
    return 1;
  }
  saveRecord(plan, previous, writer, ctx.execPath);

  const lines: string[] = [];
  lines.push(
    tr(lang, { en: `Tokensign host ${HOST_VERSION} installed in ${plan.installDir}`, ru: `Хост Tokensign ${HOST_VERSION} установлен в ${plan.installDir}` }),
  );
  lines.push(tr(lang, { en: `  launcher: ${plan.launcher} (node: ${ctx.execPath})`, ru: `  запуск: ${plan.launcher} (node: ${ctx.execPath})` }));
  const changed = new Set(writer.changed);
  for (const b of plan.browsers) {
    const targets = b.registryKey ? [`${b.registryKey} → ${b.manifests[0] ?? ''}`] : b.manifests;
    const state = targets.length > 0 && [...b.manifests, b.registryKey ?? ''].some((x) => changed.has(x))
      ? tr(lang, { en: 'written', ru: 'записан' })
      : tr(lang, { en: 'unchanged', ru: 'без изменений' });
    lines.push(`  ${b.displayName}: ${targets.join(', ')} (${state})`);
  }
  lines.push(
    writer.changed.length === 0
      ? tr(lang, { en: 'Nothing changed: it was already installed.', ru: 'Ничего не изменилось: всё уже было установлено.' })
      : tr(lang, { en: `${writer.changed.length} file(s) or key(s) written.`, ru: `Записано файлов и ключей: ${writer.changed.length}.` }),
  );
  lines.push(
    tr(lang, {
      en: 'Restart the browser if it is running, then check with: tokensign-host doctor',
      ru: 'Перезапустите браузер, если он открыт, и проверьте: tokensign-host doctor',
    }),
  );
  ctx.out(lines.join('\n'));
  return 0;
}

function saveRecord(plan: InstallPlan, previous: InstallRecord | null, writer: DiskWriter, node: string): void {
  const files = [...new Set([...(previous?.files ?? []), ...plan.files.map((f) => f.path)])];
  const dirs = [...(previous?.dirs ?? [])];
  for (const d of writer.created) if (!dirs.includes(d) && d !== plan.installDir) dirs.push(d);
  // The install folder is listed only if install created it (then uninstall removes it when empty).
  if (writer.created.includes(plan.installDir) && !dirs.includes(plan.installDir)) dirs.push(plan.installDir);
  dirs.sort((a, b) => a.length - b.length);
  const record: InstallRecord = {
    tokensign: 1,
    scope: plan.scope,
    version: HOST_VERSION,
    installDir: plan.installDir,
    launcher: plan.launcher,
    node,
    extensionIds: plan.extensionIds,
    browsers: plan.browsers,
    files,
    dirs,
    registry: plan.registry,
  };
  const content = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
  writer.write(plan.recordPath, content, 0o644);
}

export function runUninstall(ctx: CliContext, options: UninstallOptions): number {
  const lang = detectLanguage(ctx.env);
  const scope: InstallScope = options.system ? 'system' : 'user';
  if (options.system && ctx.platform !== 'win32' && !ctx.isRoot) {
    ctx.err(
      tr(lang, {
        en: 'uninstall --system removes files from /opt and /etc (or /Library) and needs root: run it with sudo.',
        ru: 'uninstall --system удаляет файлы из /opt и /etc (или /Library) и требует прав root: запустите через sudo.',
      }),
    );
    return 1;
  }
  const recordPath = recordPathFor(ctx, scope);
  const record = readRecord(recordPath);
  if (record === null) {
    ctx.out(
      tr(lang, {
        en: `Nothing to uninstall: no install record at ${recordPath}.`,
        ru: `Удалять нечего: нет записи об установке ${recordPath}.`,
      }),
    );
    return 0;
  }
  const problems: string[] = [];
  let removed = 0;
  for (const file of record.files) {
    try {
      if (existsSync(file)) {
        rmSync(file, { force: true });
        removed++;
      }
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  for (const args of registryDeleteCommands(record.registry)) {
    const result = ctx.registry(args);
    if (result.status === 0) removed++;
    else if (ctx.registry(['query', args[1] ?? '']).status === 0) problems.push(`reg ${args.join(' ')}: ${result.stderr.trim()}`);
  }
  try {
    rmSync(recordPath, { force: true });
  } catch (error) {
    problems.push(`${recordPath}: ${(error as Error).message}`);
  }
  // Folders install created, deepest first, and only when empty: anything else in them is not ours.
  for (const dir of [...record.dirs].sort((a, b) => b.length - a.length)) {
    try {
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // A folder someone else filled meanwhile stays.
    }
  }
  if (problems.length > 0) {
    ctx.err(
      tr(lang, { en: 'Some items could not be removed:', ru: 'Не удалось удалить:' }) + '\n  ' + problems.join('\n  '),
    );
    return 1;
  }
  ctx.out(
    tr(lang, {
      en: `Tokensign host uninstalled: ${removed} file(s) or key(s) removed.`,
      ru: `Хост Tokensign удалён: удалено файлов и ключей: ${removed}.`,
    }),
  );
  return 0;
}

export { UsageError };
