// The install record: what install wrote, kept in the install folder. uninstall reads it and removes
// exactly this; doctor reads it to know the browsers and the development ids the user asked for.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HOST_VERSION } from '../version';
import { installDirectory, INSTALL_RECORD_FILE, pathApi, type Environment, type InstallScope } from './locations';
import type { RegistryValue } from './windows-registry';

export interface InstalledBrowser {
  variant: string;
  displayName: string;
  manifests: string[];
  registryKey?: string;
}

export interface InstallRecord {
  tokensign: 1;
  scope: InstallScope;
  version: string;
  installDir: string;
  launcher: string;
  node: string;
  /** Development ids the user asked for (--dev, --extension-id), besides the release ids; kept across installs. */
  extensionIds: string[];
  browsers: InstalledBrowser[];
  /** Every file written, the record itself excepted. */
  files: string[];
  /** Folders install created, parents first. */
  dirs: string[];
  registry: RegistryValue[];
}

export function recordPathFor(e: Environment, scope: InstallScope): string {
  return pathApi(e.platform).join(installDirectory(e, scope), INSTALL_RECORD_FILE);
}

export function readRecord(recordPath: string): InstallRecord | null {
  let value: Partial<InstallRecord>;
  try {
    value = JSON.parse(readFileSync(recordPath, 'utf8')) as Partial<InstallRecord>;
  } catch {
    return null;
  }
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
}

/** Writes files only when their content differs; remembers every folder it had to create. */
export class DiskWriter {
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

/** What saveRecord needs of an install plan. */
export interface RecordedInstall {
  scope: InstallScope;
  installDir: string;
  launcher: string;
  recordPath: string;
  files: Array<{ path: string }>;
  browsers: InstalledBrowser[];
  registry: RegistryValue[];
  extensionIds: string[];
}

/** Merges this install into the previous record, so uninstall also removes what an earlier run wrote. */
export function saveRecord(plan: RecordedInstall, previous: InstallRecord | null, writer: DiskWriter, node: string): void {
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
  writer.write(plan.recordPath, Buffer.from(`${JSON.stringify(record, null, 2)}\n`), 0o644);
}
