// Command-line options, parsed once into typed values; every mistake is a UsageError with a clear text.
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { BROWSER_IDS, type BrowserId } from './locations';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface InstallOptions {
  /** 'detect' = browsers installed on this machine or run by this user. */
  browsers: 'detect' | 'all' | BrowserId[];
  system: boolean;
  /** Development ids to trust besides the release ids: --extension-id, and --dev for the id of dist/chrome. */
  extensionIds: string[];
}
export interface UninstallOptions {
  system: boolean;
}
export interface DoctorOptions {
  json: boolean;
}

/** A Chromium extension id: 32 letters a-p (the hex digits of a SHA-256 prefix, shifted). */
const EXTENSION_ID_RE = /^[a-p]{32}$/;

interface RawOption {
  name: string;
  value: string | undefined;
}

/** Splits `--name value` / `--name=value`; `valued` names take the next word as their value. */
function splitOptions(args: string[], valued: ReadonlySet<string>, flags: ReadonlySet<string>): RawOption[] {
  const out: RawOption[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    const eq = word.indexOf('=');
    const name = word.startsWith('--') && eq > 0 ? word.slice(0, eq) : word;
    if (valued.has(name)) {
      let value: string | undefined;
      if (eq > 0 && word.startsWith('--')) value = word.slice(eq + 1);
      else {
        value = args[i + 1];
        i++;
      }
      if (value === undefined || value === '' || value.startsWith('--')) {
        throw new UsageError(`${name} needs a value`);
      }
      out.push({ name, value });
    } else if (flags.has(word)) {
      out.push({ name: word, value: undefined });
    } else {
      throw new UsageError(`unknown option '${word}'`);
    }
  }
  return out;
}

export function parseBrowserList(value: string): 'all' | BrowserId[] {
  const words = value
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  if (words.length === 0) throw new UsageError('--browsers needs a value');
  if (words.length === 1 && words[0] === 'all') return 'all';
  const known: readonly string[] = BROWSER_IDS;
  const unknown = words.filter((w) => !known.includes(w));
  if (unknown.length > 0) {
    throw new UsageError(`unknown browser '${unknown.join(', ')}'; use all or a list of: ${BROWSER_IDS.join(', ')}`);
  }
  return [...new Set(words)] as BrowserId[];
}

export function parseInstallArgs(args: string[]): InstallOptions {
  const options: InstallOptions = { browsers: 'detect', system: false, extensionIds: [] };
  for (const { name, value } of splitOptions(args, new Set(['--browsers', '--extension-id']), new Set(['--system', '--dev']))) {
    if (name === '--system') options.system = true;
    else if (name === '--dev') {
      if (!options.extensionIds.includes(CHROME_EXTENSION_ID)) options.extensionIds.push(CHROME_EXTENSION_ID);
    }
    else if (name === '--browsers') {
      if (options.browsers !== 'detect') throw new UsageError('--browsers given twice');
      options.browsers = parseBrowserList(value ?? '');
    } else if (name === '--extension-id') {
      const id = (value ?? '').trim();
      if (!EXTENSION_ID_RE.test(id)) {
        throw new UsageError(`'${id}' is not a Chromium extension id (32 letters a-p, as shown in chrome://extensions)`);
      }
      if (!options.extensionIds.includes(id)) options.extensionIds.push(id);
    }
  }
  return options;
}

export function parseUninstallArgs(args: string[]): UninstallOptions {
  const options: UninstallOptions = { system: false };
  for (const { name } of splitOptions(args, new Set(), new Set(['--system']))) if (name === '--system') options.system = true;
  return options;
}

export function parseDoctorArgs(args: string[]): DoctorOptions {
  const options: DoctorOptions = { json: false };
  for (const { name } of splitOptions(args, new Set(), new Set(['--json']))) if (name === '--json') options.json = true;
  return options;
}
