// Windows: each browser finds the manifest through a registry key whose default value is its path.
// Commands for reg.exe are built here and run through CliContext.registry, so tests need no registry.
import type { CliContext } from './context';
import { tr, type Language } from './i18n';
import type { InstallScope } from './locations';

export interface RegistryValue {
  /** Full key, e.g. HKCU\Software\Google\Chrome\NativeMessagingHosts\org.tokensign.host. */
  key: string;
  /** The key's default value: the manifest path. */
  value: string;
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

/** The manifest path a key names today, or null when the key is absent. */
export function readRegistryDefault(run: CliContext['registry'], key: string): string | null {
  const q = run(['query', key, '/ve']);
  return q.status === 0 ? parseRegQueryDefault(q.stdout) : null;
}

/**
 * Sets each key's default value with reg.exe, skipping keys that already hold it (so a second install
 * changes nothing). Returns the keys written; throws with reg's own message on failure.
 */
export function applyRegistry(run: CliContext['registry'], values: RegistryValue[], lang: Language, scope: InstallScope): string[] {
  const written: string[] = [];
  for (const v of values) {
    if (readRegistryDefault(run, v.key) === v.value) continue;
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

/** Deletes each key; a key already gone is not a problem. Returns the count removed and the failures. */
export function removeRegistry(run: CliContext['registry'], values: RegistryValue[]): { removed: number; problems: string[] } {
  let removed = 0;
  const problems: string[] = [];
  for (const args of registryDeleteCommands(values)) {
    const result = run(args);
    if (result.status === 0) removed++;
    else if (run(['query', args[1] ?? '']).status === 0) problems.push(`reg ${args.join(' ')}: ${result.stderr.trim()}`);
  }
  return { removed, problems };
}
