// What the command-line tool needs from the outside world, in one object, so tests can give it a
// temp HOME, another platform, a fake registry, and capture its output.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isSea } from 'node:sea';
import { fileURLToPath } from 'node:url';
import type { Environment } from './locations';

/** Runs `reg.exe` (Windows). Returns its exit status and output instead of throwing. */
export type RegistryRunner = (args: string[]) => { status: number; stdout: string; stderr: string };

export interface CliContext extends Environment {
  isRoot: boolean;
  /** Absolute path of the node that runs us: the launcher starts the host with it. */
  execPath: string;
  /** Folder holding host.mjs and node_modules/pkcs11js (the built bundle), or, beside the single
   * executable, pkcs11.node; null if not found. */
  bundleDir: string | null;
  /** The packaged host executable we run as (a Node single executable application), or null. */
  executable: string | null;
  registry: RegistryRunner;
  out(text: string): void;
  err(text: string): void;
}

export const realRegistry: RegistryRunner = (args) => {
  try {
    const stdout = execFileSync('reg', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status?: number | null; stdout?: string; stderr?: string; message?: string };
    return { status: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message ?? '' };
  }
};

/** A folder is a host bundle when it has host.mjs and the pkcs11js addon beside it. */
export function isBundleDir(dir: string): boolean {
  return (
    existsSync(join(dir, 'host.mjs')) &&
    existsSync(join(dir, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'))
  );
}

/**
 * The bundle we were started from (`node dist/native-host/host.mjs install`), or, when running
 * from sources (tests, tsx), the project's dist/native-host.
 */
export function findBundleDir(): string | null {
  const candidates: string[] = [];
  const script = process.argv[1];
  if (script) candidates.push(dirname(resolve(script)));
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    candidates.push(here, resolve(here, '..', '..', 'dist', 'native-host'));
  } catch {
    // import.meta.url is always a file: URL for us; nothing to add otherwise.
  }
  return candidates.find(isBundleDir) ?? null;
}

export function defaultContext(): CliContext {
  const sea = isSea();
  const beside = dirname(process.execPath);
  return {
    platform: process.platform,
    home: process.env.HOME && process.env.HOME !== '' ? process.env.HOME : homedir(),
    env: process.env,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    execPath: process.execPath,
    bundleDir: sea ? (existsSync(join(beside, 'pkcs11.node')) ? beside : null) : findBundleDir(),
    executable: sea ? process.execPath : null,
    registry: realRegistry,
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  };
}
