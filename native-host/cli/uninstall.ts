// uninstall (docs/PROTOCOL.md §5): remove exactly what the install record lists, then the folders
// install created, and only when they are empty.
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import type { UninstallOptions } from './args';
import type { CliContext } from './context';
import { detectLanguage, tr } from './i18n';
import { readRecord, recordPathFor } from './install-record';
import type { InstallScope } from './locations';
import { removeRegistry } from './windows-registry';

function removeFiles(files: string[]): { removed: number; problems: string[] } {
  let removed = 0;
  const problems: string[] = [];
  for (const file of files) {
    try {
      if (existsSync(file)) {
        rmSync(file, { force: true });
        removed++;
      }
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
    }
  }
  return { removed, problems };
}

/** Folders install created, deepest first, and only when empty: anything else in them is not ours. */
function removeEmptyFolders(dirs: string[]): void {
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    try {
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      // A folder someone else filled meanwhile stays.
    }
  }
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
    ctx.out(tr(lang, { en: `Nothing to uninstall: no install record at ${recordPath}.`, ru: `Удалять нечего: нет записи об установке ${recordPath}.` }));
    return 0;
  }
  const files = removeFiles([...record.files, recordPath]);
  const keys = removeRegistry(ctx.registry, record.registry);
  removeEmptyFolders(record.dirs);
  const problems = [...files.problems, ...keys.problems];
  if (problems.length > 0) {
    ctx.err(tr(lang, { en: 'Some items could not be removed:', ru: 'Не удалось удалить:' }) + '\n  ' + problems.join('\n  '));
    return 1;
  }
  // The record itself is not counted: the user asked about the host's files and keys.
  const removed = files.removed - 1 + keys.removed;
  ctx.out(
    tr(lang, {
      en: `Tokensign host uninstalled: ${removed} file(s) or key(s) removed.`,
      ru: `Хост Tokensign удалён: удалено файлов и ключей: ${removed}.`,
    }),
  );
  return 0;
}
