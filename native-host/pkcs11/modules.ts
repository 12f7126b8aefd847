// Which PKCS#11 modules to load (docs/PROTOCOL.md §2.3). Pure: the installer's
// doctor reuses the table and the resolver.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export type Platform = 'linux' | 'darwin' | 'win32';

export interface KnownModule {
  /** Vendor / product, for people. */
  vendor: string;
  /** Candidate paths per platform, most likely first. */
  paths: Partial<Record<Platform, string[]>>;
}

function linuxPaths(file: string, extraDirs: string[] = []): string[] {
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'arm' ? 'arm-linux-gnueabihf' : 'x86_64-linux-gnu';
  return [
    ...extraDirs.map((d) => join(d, file)),
    `/usr/lib/${multiarch}/${file}`,
    `/usr/lib/${file}`,
    `/usr/lib64/${file}`,
    `/usr/local/lib/${file}`,
  ];
}

const WIN_SYSTEM = 'C:\\Windows\\System32';

/** Known vendor modules, in probe order. */
export const KNOWN_MODULES: KnownModule[] = [
  {
    vendor: 'Rutoken (Aktiv)',
    paths: {
      linux: linuxPaths('librtpkcs11ecp.so', ['/opt/aktivco/rutokenecp/x86_64', '/opt/aktivco/rutokenecp/amd64']),
      darwin: ['/Library/Frameworks/rtpkcs11ecp.framework/rtpkcs11ecp', '/usr/local/lib/librtpkcs11ecp.dylib'],
      win32: [`${WIN_SYSTEM}\\rtPKCS11ECP.dll`],
    },
  },
  {
    vendor: 'JaCarta (Aladdin R.D.)',
    paths: {
      linux: linuxPaths('libjcPKCS11-2.so'),
      darwin: ['/usr/local/lib/libjcPKCS11-2.dylib', '/Library/aladdin/lib/libjcPKCS11-2.dylib'],
      win32: [`${WIN_SYSTEM}\\jcPKCS11-2.dll`],
    },
  },
  {
    vendor: 'ESMART (ISBC)',
    paths: {
      linux: linuxPaths('libisbc_pkcs11_main.so', ['/opt/esmart/lib', '/usr/lib/esmart']),
      darwin: ['/usr/local/lib/libisbc_pkcs11_main.dylib', '/Library/ISBC/libisbc_pkcs11_main.dylib'],
      win32: [`${WIN_SYSTEM}\\isbc_pkcs11_main.dll`],
    },
  },
  {
    vendor: 'SafeNet Authentication Client',
    paths: {
      linux: linuxPaths('libeTPkcs11.so'),
      darwin: ['/usr/local/lib/libeTPkcs11.dylib'],
      win32: [`${WIN_SYSTEM}\\eTPKCS11.dll`],
    },
  },
  {
    vendor: 'OpenSC',
    paths: {
      linux: [...linuxPaths('opensc-pkcs11.so'), ...linuxPaths('pkcs11/opensc-pkcs11.so')],
      darwin: ['/Library/OpenSC/lib/opensc-pkcs11.so', '/opt/homebrew/lib/opensc-pkcs11.so', '/usr/local/lib/opensc-pkcs11.so'],
      win32: ['C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll', `${WIN_SYSTEM}\\opensc-pkcs11.dll`],
    },
  },
  {
    vendor: 'YubiKey (Yubico PIV)',
    paths: {
      linux: linuxPaths('libykcs11.so'),
      darwin: ['/usr/local/lib/libykcs11.dylib', '/opt/homebrew/lib/libykcs11.dylib'],
      win32: ['C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll'],
    },
  },
  {
    vendor: 'SoftHSM 2',
    paths: {
      linux: ['/usr/lib/softhsm/libsofthsm2.so', ...linuxPaths('softhsm/libsofthsm2.so'), ...linuxPaths('libsofthsm2.so')],
      darwin: ['/usr/local/lib/softhsm/libsofthsm2.so', '/opt/homebrew/lib/softhsm/libsofthsm2.so'],
      win32: ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll'],
    },
  },
  {
    vendor: 'CryptoPro CSP',
    paths: {
      linux: ['/opt/cprocsp/lib/amd64/libcppkcs11.so', '/opt/cprocsp/lib/arm64/libcppkcs11.so', '/opt/cprocsp/lib/ia32/libcppkcs11.so'],
      darwin: ['/opt/cprocsp/lib/libcppkcs11.dylib'],
      win32: ['C:\\Program Files\\Crypto Pro\\CSP\\cppkcs11.dll'],
    },
  },
];

export interface ModuleResolutionInput {
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  exists?: (path: string) => boolean;
  readFile?: (path: string) => string;
}

export type ModuleSource = 'env' | 'config' | 'probe';

export interface ResolvedModules {
  source: ModuleSource;
  /** Paths to load, in order, without duplicates. */
  paths: string[];
  /** The config file that was read, if any. */
  configFile?: string;
  /** Problems with the config file (unreadable JSON, wrong shape): reported, never fatal. */
  configError?: string;
}

/** Per-user config file location for the platform. */
export function configFilePath(input: ModuleResolutionInput = {}): string {
  const env = input.env ?? process.env;
  const platform = input.platform ?? process.platform;
  const home = input.home ?? homedir();
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tokensign', 'config.json');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Tokensign', 'config.json');
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'tokensign', 'config.json');
}

/** Existing known vendor module paths for the platform (first existing path per vendor and all others found). */
export function probeKnownModules(input: ModuleResolutionInput = {}): string[] {
  const platform = (input.platform ?? process.platform) as Platform;
  const exists = input.exists ?? existsSync;
  const found: string[] = [];
  for (const known of KNOWN_MODULES) {
    // One path per vendor: the same library is often reachable under several names.
    const hit = (known.paths[platform] ?? []).find((p) => exists(p));
    if (hit) found.push(hit);
  }
  return found;
}

/**
 * TOKENSIGN_PKCS11_MODULES (platform path delimiter) → exactly those; otherwise the config
 * file's `modules`, then the known vendor paths that exist.
 */
export function resolveModulePaths(input: ModuleResolutionInput = {}): ResolvedModules {
  const env = input.env ?? process.env;
  const platform = input.platform ?? process.platform;
  const fromEnv = env.TOKENSIGN_PKCS11_MODULES;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const sep = platform === 'win32' ? ';' : platform === process.platform ? delimiter : ':';
    return { source: 'env', paths: unique(fromEnv.split(sep).map((p) => p.trim()).filter(Boolean)) };
  }
  const configFile = configFilePath(input);
  const exists = input.exists ?? existsSync;
  const readFile = input.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let configured: string[] = [];
  let configError: string | undefined;
  let probe = true;
  if (exists(configFile)) {
    try {
      const parsed: unknown = JSON.parse(readFile(configFile));
      const config = parseConfig(parsed);
      configured = config.modules;
      probe = config.probeKnownModules;
    } catch (e) {
      configError = `${configFile}: ${(e as Error).message}`;
    }
  }
  const paths = unique([...configured, ...(probe ? probeKnownModules(input) : [])]);
  const result: ResolvedModules = { source: configured.length > 0 ? 'config' : 'probe', paths, configFile };
  if (configError) result.configError = configError;
  return result;
}

export interface TokensignConfig {
  modules: string[];
  /** Also probe the known vendor paths (default true). */
  probeKnownModules: boolean;
}

/** Parses the config file's JSON: `{"modules": ["/path/lib.so", ...], "probeKnownModules"?: bool}`. */
export function parseConfig(value: unknown): TokensignConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('expected a JSON object like {"modules": ["/path/to/module.so"]}');
  const record = value as Record<string, unknown>;
  const modules = record.modules ?? [];
  if (!Array.isArray(modules) || !modules.every((m): m is string => typeof m === 'string' && m.trim() !== '')) {
    throw new Error('"modules" must be an array of module paths (strings)');
  }
  const probe = record.probeKnownModules ?? true;
  if (typeof probe !== 'boolean') throw new Error('"probeKnownModules" must be true or false');
  return { modules: modules.map((m) => m.trim()), probeKnownModules: probe };
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}
