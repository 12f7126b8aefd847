// install (docs/PROTOCOL.md §5): copy the host to a stable folder (the single executable with its addon,
// or the script bundle with a launcher that names node by its absolute path), register a manifest per
// browser, put `tokensign-host` on PATH, and record every path written so that uninstall removes exactly
// that. Planning is pure (unit-tested for every platform); applying touches disk.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { UsageError, type InstallOptions } from './args';
import type { CliContext } from './context';
import { manifestFor, trustedChromeIds } from './host-manifest';
import { detectLanguage, tr, type Language } from './i18n';
import { DiskWriter, readRecord, saveRecord, type InstalledBrowser, type InstallRecord } from './install-record';
import {
  browserLocations,
  installDirectory,
  INSTALL_RECORD_FILE,
  launcherFileName,
  manifestPaths,
  pathApi,
  pathShimPath,
  registryPath,
  type BrowserLocation,
  type Environment,
  type InstallScope,
} from './locations';
import { applyRegistry, type RegistryValue } from './windows-registry';
import { HOST_VERSION } from '../version';

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
  /** The `tokensign-host` command written on PATH, or null where there is none (Windows). */
  pathShim: string | null;
}

export class InstallError extends Error {
  constructor(readonly reason: 'no-browser' | 'no-chrome-id') {
    super(reason);
    this.name = 'InstallError';
  }
}

/** What planning needs to know about where it runs. */
export type PlanContext = Pick<CliContext, 'platform' | 'home' | 'env' | 'execPath'> & Partial<Pick<CliContext, 'executable'>>;

/** POSIX shell single-quoting: 'a'\''b'. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function launcherScript(platform: NodeJS.Platform, node: string, hostScript: string): string {
  if (platform === 'win32') {
    // cmd expands %VAR% even inside quotes: double the percent signs. Paths cannot contain quotes on Windows.
    const q = (p: string): string => `"${p.replace(/%/g, '%%')}"`;
    return ['@echo off', 'rem Tokensign native messaging host launcher, written by "tokensign-host install".', `${q(node)} ${q(hostScript)} %*`, ''].join('\r\n');
  }
  return [
    '#!/bin/sh',
    '# Tokensign native messaging host launcher, written by `tokensign-host install`.',
    '# Browsers start hosts with a minimal PATH, so node is named by its absolute path.',
    `exec ${shellQuote(node)} ${shellQuote(hostScript)} "$@"`,
    '',
  ].join('\n');
}

/** The command on PATH: hands every argument to the installed host. */
export function pathShimScript(launcher: string): string {
  return ['#!/bin/sh', '# Tokensign: `tokensign-host install|uninstall|doctor`, written by `tokensign-host install`.', `exec ${shellQuote(launcher)} "$@"`, ''].join('\n');
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

/**
 * The browsers to register: the list asked for, or every browser this user has run or this machine has
 * installed (a Firefox never started still gets its manifest), plus those an earlier install registered.
 */
export function selectBrowsers(e: Environment, options: InstallOptions, exists: (path: string) => boolean, previous: InstallRecord | null): BrowserLocation[] {
  const all = browserLocations(e);
  if (options.browsers === 'all') return all;
  if (Array.isArray(options.browsers)) {
    const wanted = options.browsers;
    return all.filter((b) => wanted.includes(b.browser));
  }
  const before = new Set((previous?.browsers ?? []).map((b) => b.variant));
  return all.filter((b) => before.has(b.variant) || [...b.programPaths, ...b.profileDirs].some(exists));
}

function copyFile(source: string, target: string, mode?: number): PlannedFile {
  return { path: target, content: readFileSync(source), mode: mode ?? statSync(source).mode & 0o777 };
}

/** The host files and the launcher the manifests name: the executable itself, or a script that runs node. */
function hostFiles(ctx: PlanContext, bundleDir: string, installDir: string): { files: PlannedFile[]; launcher: string } {
  const p = pathApi(ctx.platform);
  const launcher = p.join(installDir, launcherFileName(ctx.platform, Boolean(ctx.executable)));
  if (ctx.executable) {
    return { launcher, files: [copyFile(ctx.executable, launcher, 0o755), copyFile(join(bundleDir, 'pkcs11.node'), p.join(installDir, 'pkcs11.node'), 0o644)] };
  }
  const files = bundleFiles(bundleDir).map((rel) => copyFile(join(bundleDir, rel), p.join(installDir, ...rel.split(sep))));
  files.push({ path: launcher, content: Buffer.from(launcherScript(ctx.platform, ctx.execPath, p.join(installDir, 'host.mjs'))), mode: 0o755 });
  return { files, launcher };
}

/** One manifest per browser folder (shared folders once), and on Windows one registry key per key path. */
function browserFiles(ctx: PlanContext, browsers: BrowserLocation[], scope: InstallScope, launcher: string, extensionIds: string[], exists: (path: string) => boolean) {
  const p = pathApi(ctx.platform);
  const files: PlannedFile[] = [];
  const registry: RegistryValue[] = [];
  const installed: InstalledBrowser[] = [];
  const planned = new Set<string>();
  for (const b of browsers) {
    const content = Buffer.from(`${JSON.stringify(manifestFor(b.family, launcher, extensionIds), null, 2)}\n`);
    // Extra all-users folders (e.g. /usr/lib64/mozilla/...) only where that browser family's folder exists.
    const paths = manifestPaths(ctx, b, scope).filter((path, i) => i === 0 || exists(p.dirname(p.dirname(path))));
    for (const path of paths.filter((x) => !planned.has(x))) {
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
  return { files, registry, installed };
}

/** Everything install will write, computed without writing anything. */
export function planInstall(ctx: PlanContext, options: InstallOptions, bundleDir: string, exists: (path: string) => boolean = existsSync): InstallPlan {
  const scope: InstallScope = options.system ? 'system' : 'user';
  const installDir = installDirectory(ctx, scope);
  const recordPath = pathApi(ctx.platform).join(installDir, INSTALL_RECORD_FILE);
  const previous = readRecord(recordPath);
  const browsers = selectBrowsers(ctx, options, exists, previous);
  if (browsers.length === 0) throw new InstallError('no-browser');
  const extensionIds = [...new Set([...(previous?.extensionIds ?? []), ...options.extensionIds])];
  if (browsers.some((b) => b.family === 'chromium') && trustedChromeIds(extensionIds).length === 0) throw new InstallError('no-chrome-id');

  const host = hostFiles(ctx, bundleDir, installDir);
  const registered = browserFiles(ctx, browsers, scope, host.launcher, extensionIds, exists);
  const pathShim = pathShimPath(ctx, scope);
  const files = [...host.files, ...registered.files];
  if (pathShim !== null) files.push({ path: pathShim, content: Buffer.from(pathShimScript(host.launcher)), mode: 0o755 });
  // Merge with what an earlier install registered, so a narrower second run keeps (and records) it.
  const installed = [...registered.installed, ...(previous?.browsers ?? []).filter((old) => !registered.installed.some((b) => b.variant === old.variant))];
  const registry = [...registered.registry, ...(previous?.registry ?? []).filter((old) => !registered.registry.some((r) => r.key.toLowerCase() === old.key.toLowerCase()))];
  return { scope, installDir, launcher: host.launcher, recordPath, files, registry, browsers: installed, extensionIds, pathShim };
}

function messageFor(lang: Language, error: unknown, ctx: Environment, scope: InstallScope): string {
  if (error instanceof InstallError && error.reason === 'no-browser') {
    return tr(lang, {
      en: 'No supported browser was found for this user or on this machine, so nothing was installed. Install Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Yandex Browser or Firefox, or name one: tokensign-host install --browsers chrome,firefox (or --browsers all).',
      ru: 'Не найден ни один поддерживаемый браузер, ничего не установлено. Установите Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Яндекс Браузер или Firefox либо укажите браузер: tokensign-host install --browsers chrome,firefox (или --browsers all).',
    });
  }
  if (error instanceof InstallError && error.reason === 'no-chrome-id') {
    return tr(lang, {
      en: 'This is a development build of the host: it knows no released Tokensign extension for Chromium browsers, so nothing was installed. To use it with the extension loaded unpacked from dist/chrome, run: tokensign-host install --dev (it trusts the development id, which anyone can give an unpacked extension), or name your own: --extension-id ID. People install the packages instead (docs/RELEASING.md).',
      ru: 'Это сборка хоста для разработки: она не знает ни одного выпуска расширения Tokensign для браузеров Chromium, ничего не установлено. Чтобы работать с распакованным расширением из dist/chrome, выполните: tokensign-host install --dev (хост будет доверять id для разработки, который может получить любое распакованное расширение) или укажите свой: --extension-id ID. Обычные пользователи устанавливают пакеты (docs/RELEASING.md).',
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

/** Says whether `tokensign-host` can now be typed as is, or exactly how to call it. */
function howToCall(lang: Language, ctx: CliContext, plan: InstallPlan): string {
  const p = pathApi(ctx.platform);
  const onPath = plan.pathShim !== null && (ctx.env.PATH ?? '').split(p.delimiter).includes(p.dirname(plan.pathShim));
  if (onPath) return tr(lang, { en: `  command: tokensign-host (${plan.pathShim ?? ''})`, ru: `  команда: tokensign-host (${plan.pathShim ?? ''})` });
  const full = plan.pathShim ?? plan.launcher;
  return tr(lang, {
    en: `  command: ${full} (its folder is not on your PATH: call it by this full path, or add ${p.dirname(full)} to PATH)`,
    ru: `  команда: ${full} (этой папки нет в PATH: вызывайте по полному пути или добавьте ${p.dirname(full)} в PATH)`,
  });
}

function installSummary(lang: Language, ctx: CliContext, plan: InstallPlan, changedPaths: string[]): string {
  const lines = [tr(lang, { en: `Tokensign host ${HOST_VERSION} installed in ${plan.installDir}`, ru: `Хост Tokensign ${HOST_VERSION} установлен в ${plan.installDir}` })];
  lines.push(tr(lang, { en: `  launcher: ${plan.launcher} (node: ${ctx.execPath})`, ru: `  запуск: ${plan.launcher} (node: ${ctx.execPath})` }));
  const changed = new Set(changedPaths);
  for (const b of plan.browsers) {
    const targets = b.registryKey ? [`${b.registryKey} → ${b.manifests[0] ?? ''}`] : b.manifests;
    const written = targets.length > 0 && [...b.manifests, b.registryKey ?? ''].some((x) => changed.has(x));
    lines.push(`  ${b.displayName}: ${targets.join(', ')} (${written ? tr(lang, { en: 'written', ru: 'записан' }) : tr(lang, { en: 'unchanged', ru: 'без изменений' })})`);
  }
  lines.push(howToCall(lang, ctx, plan));
  lines.push(
    changedPaths.length === 0
      ? tr(lang, { en: 'Nothing changed: it was already installed.', ru: 'Ничего не изменилось: всё уже было установлено.' })
      : tr(lang, { en: `${changedPaths.length} file(s) or key(s) written.`, ru: `Записано файлов и ключей: ${changedPaths.length}.` }),
  );
  lines.push(tr(lang, { en: 'Restart the browser if it is running, then check with: tokensign-host doctor', ru: 'Перезапустите браузер, если он открыт, и проверьте: tokensign-host doctor' }));
  return lines.join('\n');
}

function refusal(lang: Language, ctx: CliContext, options: InstallOptions): string | null {
  if (options.system && ctx.platform !== 'win32' && !ctx.isRoot) {
    return tr(lang, {
      en: 'install --system writes to /opt and /etc (or /Library) and needs root: run it with sudo, or drop --system to install for your user only.',
      ru: 'install --system пишет в /opt и /etc (или /Library) и требует прав root: запустите через sudo или уберите --system, чтобы установить только для себя.',
    });
  }
  if (ctx.bundleDir === null) {
    return tr(lang, {
      en: 'The host files (pkcs11.node beside the tokensign-host executable, or host.mjs with node_modules/pkcs11js) were not found next to this tool. Reinstall the package, or run `npm run build` and then `node dist/native-host/host.mjs install --dev`.',
      ru: 'Рядом с этой программой не найдены файлы хоста (pkcs11.node рядом с tokensign-host или host.mjs с node_modules/pkcs11js). Переустановите пакет или выполните `npm run build`, затем `node dist/native-host/host.mjs install --dev`.',
    });
  }
  return null;
}

export function runInstall(ctx: CliContext, options: InstallOptions): number {
  const lang = detectLanguage(ctx.env);
  const scope: InstallScope = options.system ? 'system' : 'user';
  const refused = refusal(lang, ctx, options);
  if (refused !== null || ctx.bundleDir === null) {
    ctx.err(refused ?? '');
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
  ctx.out(installSummary(lang, ctx, plan, writer.changed));
  return 0;
}

export { UsageError };
