// The native messaging host manifest: which extension ids it trusts, how install fills it in, and how
// doctor reads one back. Trust follows docs/RELEASING.md: the ids of real releases always, a
// development id only when the user asked for it (install --dev or --extension-id).
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import chromiumTemplate from '../../manifests/chromium.json';
import firefoxTemplate from '../../manifests/firefox.json';
import { FIREFOX_EXTENSION_ID, HOST_NAME } from '../../shared/protocol';
import { RELEASE_CHROME_EXTENSION_IDS } from '../release-ids';
import type { Text } from './i18n';
import { pathApi, type ManifestFamily } from './locations';

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

/** The Chromium ids a manifest allows: the releases this host was built for, then those the user asked for. */
export function trustedChromeIds(developmentIds: readonly string[]): string[] {
  return [...new Set([...RELEASE_CHROME_EXTENSION_IDS, ...developmentIds])];
}

export function chromiumOrigins(extensionIds: readonly string[]): string[] {
  return extensionIds.map((id) => `chrome-extension://${id}/`);
}

export function manifestFor(family: ManifestFamily, launcher: string, developmentIds: readonly string[]): ChromiumManifest | FirefoxManifest {
  if (family === 'firefox') {
    return { ...firefoxTemplate, name: HOST_NAME, path: launcher, type: 'stdio', allowed_extensions: [FIREFOX_EXTENSION_ID] };
  }
  return { ...chromiumTemplate, name: HOST_NAME, path: launcher, type: 'stdio', allowed_origins: chromiumOrigins(trustedChromeIds(developmentIds)) };
}

export type ManifestInspection = { ok: true; launcher: string } | { ok: false; problem: Text };

function readManifest(path: string): { ok: true; value: Record<string, unknown> } | { ok: false; problem: Text } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problem: { en: `cannot read ${path}: ${(error as Error).message}`, ru: `не удаётся прочитать ${path}: ${(error as Error).message}` } };
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return { ok: true, value: value as Record<string, unknown> };
  } catch {
    return { ok: false, problem: { en: `${path} is not valid JSON`, ru: `${path} — некорректный JSON` } };
  }
}

function launcherProblem(path: string, manifest: Record<string, unknown>, platform: NodeJS.Platform): Text | null {
  if (manifest.name !== HOST_NAME) {
    return { en: `${path} names the host "${String(manifest.name)}", not ${HOST_NAME}`, ru: `в ${path} указано имя "${String(manifest.name)}", а нужно ${HOST_NAME}` };
  }
  if (manifest.type !== 'stdio') {
    return { en: `${path} has type "${String(manifest.type)}", not stdio`, ru: `в ${path} тип "${String(manifest.type)}", а нужно stdio` };
  }
  const launcher = manifest.path;
  if (typeof launcher !== 'string' || !pathApi(platform).isAbsolute(launcher)) {
    return { en: `${path}: "path" must be the absolute path of the launcher`, ru: `${path}: в "path" должен быть абсолютный путь к программе запуска` };
  }
  if (!existsSync(launcher)) {
    return { en: `${path} points at ${launcher}, which does not exist`, ru: `${path} указывает на ${launcher}, а такого файла нет` };
  }
  if (platform === 'win32') return null;
  try {
    accessSync(launcher, constants.X_OK);
    return null;
  } catch {
    return { en: `${launcher} is not executable`, ru: `${launcher} не является исполняемым файлом` };
  }
}

/** A Chromium manifest must allow every trusted id and no development id the user did not ask for. */
function originsProblem(path: string, manifest: Record<string, unknown>, developmentIds: readonly string[]): Text | null {
  const origins = Array.isArray(manifest.allowed_origins) ? manifest.allowed_origins.map(String) : [];
  const wanted = chromiumOrigins(trustedChromeIds(developmentIds));
  const missing = wanted.filter((o) => !origins.includes(o));
  if (missing.length > 0) {
    return { en: `${path} does not allow ${missing.join(', ')}`, ru: `${path} не разрешает ${missing.join(', ')}` };
  }
  const extra = origins.filter((o) => !wanted.includes(o));
  if (extra.length > 0) {
    return {
      en: `${path} also trusts ${extra.join(', ')}, an id that is not a Tokensign release and was not asked for with --dev or --extension-id (anyone can load an unpacked extension with a published id)`,
      ru: `${path} доверяет также ${extra.join(', ')} — это не id выпуска Tokensign, и его не запрашивали через --dev или --extension-id (распакованное расширение с опубликованным id может загрузить кто угодно)`,
    };
  }
  return null;
}

/** Reads a manifest and says what, if anything, is wrong with it for `family`. */
export function inspectManifest(
  path: string,
  family: ManifestFamily,
  platform: NodeJS.Platform,
  developmentIds: readonly string[] = [],
): ManifestInspection {
  const read = readManifest(path);
  if (!read.ok) return read;
  const value = read.value;
  const problem =
    launcherProblem(path, value, platform) ??
    (family === 'chromium'
      ? originsProblem(path, value, developmentIds)
      : Array.isArray(value.allowed_extensions) && value.allowed_extensions.map(String).includes(FIREFOX_EXTENSION_ID)
        ? null
        : { en: `${path} does not allow ${FIREFOX_EXTENSION_ID}`, ru: `${path} не разрешает ${FIREFOX_EXTENSION_ID}` });
  return problem === null ? { ok: true, launcher: String(value.path) } : { ok: false, problem };
}
