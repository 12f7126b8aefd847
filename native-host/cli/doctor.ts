// doctor (docs/PROTOCOL.md §5): checks everything between the browser and the token, each failure explained
// in plain words with its fix. The PKCS#11 checks go through the installed launcher with a browser-like
// minimal PATH, so doctor sees what the browser will see.
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import {
  EXPIRY_WARNING_DAYS,
  FIREFOX_EXTENSION_ID,
  HOST_NAME,
  type CertificateInfo,
  type HelloResult,
  type HostReply,
  type HostRequest,
  type TokenInfo,
} from '../../shared/protocol';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { KNOWN_MODULES, resolveModulePaths, type ResolvedModules } from '../pkcs11/modules';
import type { DoctorOptions } from './args';
import type { CliContext } from './context';
import { exchangeWithHost, type HostExchange } from './host-client';
import { detectLanguage, tr, type Language, type Text } from './i18n';
import { readRecord, recordPathFor, parseRegQueryDefault, type InstallRecord } from './install';
import {
  browserLocations,
  installDirectory,
  launcherFileName,
  manifestPaths,
  pathApi,
  registryPath,
  sandboxedBrowsers,
  type BrowserLocation,
  type InstallScope,
} from './locations';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure (or a warning). */
  fix?: string;
  /** Passed, but the user should know (a certificate expiring soon, a sandboxed browser). */
  warning?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

const HOST_TIMEOUT_MS = 20_000;
const MIN_NODE_MAJOR = 20;

function installHint(browser?: string, scope: InstallScope = 'user'): string {
  const parts = ['tokensign-host install'];
  if (browser) parts.push(`--browsers ${browser}`);
  if (scope === 'system') parts.push('--system');
  return parts.join(' ');
}

function checkNode(lang: Language, ctx: CliContext): DoctorCheck {
  const version = process.versions.node;
  const major = Number(version.split('.')[0]);
  const ok = major >= MIN_NODE_MAJOR;
  return {
    name: 'node',
    ok,
    detail: tr(lang, {
      en: `Node.js ${version} at ${ctx.execPath}${ok ? '' : `: too old, Tokensign needs ${MIN_NODE_MAJOR} or newer`}`,
      ru: `Node.js ${version} (${ctx.execPath})${ok ? '' : `: слишком старый, нужен ${MIN_NODE_MAJOR} или новее`}`,
    }),
    ...(ok
      ? {}
      : {
          fix: tr(lang, {
            en: `Install Node.js ${MIN_NODE_MAJOR} LTS or newer (https://nodejs.org), then run install again.`,
            ru: `Установите Node.js ${MIN_NODE_MAJOR} LTS или новее (https://nodejs.org) и снова выполните install.`,
          }),
        }),
  };
}

/** Reads a manifest and says what, if anything, is wrong with it for `family`. */
export function inspectManifest(
  path: string,
  family: 'chromium' | 'firefox',
  platform: NodeJS.Platform,
  extraExtensionIds: string[] = [],
): { ok: true; launcher: string } | { ok: false; problem: Text } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problem: { en: `cannot read ${path}: ${(error as Error).message}`, ru: `не удаётся прочитать ${path}: ${(error as Error).message}` } };
  }
  let manifest: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    manifest = value as Record<string, unknown>;
  } catch {
    return { ok: false, problem: { en: `${path} is not valid JSON`, ru: `${path} — некорректный JSON` } };
  }
  if (manifest.name !== HOST_NAME) {
    return { ok: false, problem: { en: `${path} names the host "${String(manifest.name)}", not ${HOST_NAME}`, ru: `в ${path} указано имя "${String(manifest.name)}", а нужно ${HOST_NAME}` } };
  }
  if (manifest.type !== 'stdio') {
    return { ok: false, problem: { en: `${path} has type "${String(manifest.type)}", not stdio`, ru: `в ${path} тип "${String(manifest.type)}", а нужно stdio` } };
  }
  const launcher = manifest.path;
  if (typeof launcher !== 'string' || !pathApi(platform).isAbsolute(launcher)) {
    return { ok: false, problem: { en: `${path}: "path" must be the absolute path of the launcher`, ru: `${path}: в "path" должен быть абсолютный путь к программе запуска` } };
  }
  if (!existsSync(launcher)) {
    return { ok: false, problem: { en: `${path} points at ${launcher}, which does not exist`, ru: `${path} указывает на ${launcher}, а такого файла нет` } };
  }
  if (platform !== 'win32') {
    try {
      accessSync(launcher, constants.X_OK);
    } catch {
      return { ok: false, problem: { en: `${launcher} is not executable`, ru: `${launcher} не является исполняемым файлом` } };
    }
  }
  if (family === 'chromium') {
    const origins = Array.isArray(manifest.allowed_origins) ? manifest.allowed_origins.map(String) : [];
    const missing = [CHROME_EXTENSION_ID, ...extraExtensionIds].map((id) => `chrome-extension://${id}/`).filter((o) => !origins.includes(o));
    if (missing.length > 0) {
      return { ok: false, problem: { en: `${path} does not allow ${missing.join(', ')}`, ru: `${path} не разрешает ${missing.join(', ')}` } };
    }
  } else {
    const ids = Array.isArray(manifest.allowed_extensions) ? manifest.allowed_extensions.map(String) : [];
    if (!ids.includes(FIREFOX_EXTENSION_ID)) {
      return { ok: false, problem: { en: `${path} does not allow ${FIREFOX_EXTENSION_ID}`, ru: `${path} не разрешает ${FIREFOX_EXTENSION_ID}` } };
    }
  }
  return { ok: true, launcher };
}

/** The manifest files a browser would read, most specific first (user, then all users). */
function manifestCandidates(ctx: CliContext, loc: BrowserLocation): string[] {
  if (ctx.platform === 'win32') {
    const out: string[] = [];
    for (const scope of ['user', 'system'] as const) {
      const key = registryPath(loc, scope);
      if (key === null) continue;
      const q = ctx.registry(['query', key, '/ve']);
      const value = q.status === 0 ? parseRegQueryDefault(q.stdout) : null;
      if (value) out.push(value);
    }
    return out;
  }
  return [...manifestPaths(ctx, loc, 'user'), ...manifestPaths(ctx, loc, 'system')];
}

function checkManifests(lang: Language, ctx: CliContext, records: InstallRecord[]): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const recorded = new Set(records.flatMap((r) => r.browsers.map((b) => b.variant)));
  const extraIds = [...new Set(records.flatMap((r) => r.extensionIds))];
  for (const loc of browserLocations(ctx)) {
    const candidates = manifestCandidates(ctx, loc);
    const present = candidates.filter((p) => existsSync(p));
    const hasProfile = loc.profileDirs.some((d) => existsSync(d));
    if (!hasProfile && !recorded.has(loc.variant) && present.length === 0) continue;
    const name = `manifest:${loc.variant}`;
    if (present.length === 0) {
      const where = ctx.platform === 'win32' ? (registryPath(loc, 'user') ?? '') : (manifestPaths(ctx, loc, 'user')[0] ?? '');
      checks.push({
        name,
        ok: false,
        detail: tr(lang, {
          en: `${loc.displayName}: no Tokensign host manifest (looked for ${where}); the extension will say the host is not installed`,
          ru: `${loc.displayName}: нет манифеста хоста Tokensign (искали ${where}); расширение сообщит, что хост не установлен`,
        }),
        fix: tr(lang, { en: `Run: ${installHint(loc.browser)}`, ru: `Выполните: ${installHint(loc.browser)}` }),
      });
      continue;
    }
    for (const path of present) {
      const result = inspectManifest(path, loc.family, ctx.platform, loc.family === 'chromium' ? extraIds : []);
      checks.push(
        result.ok
          ? {
              name,
              ok: true,
              detail: tr(lang, { en: `${loc.displayName}: ${path} → ${result.launcher}`, ru: `${loc.displayName}: ${path} → ${result.launcher}` }),
            }
          : {
              name,
              ok: false,
              detail: `${loc.displayName}: ${tr(lang, result.problem)}`,
              fix: tr(lang, {
                en: `Run: ${installHint(loc.browser)} (it rewrites the manifest)`,
                ru: `Выполните: ${installHint(loc.browser)} (манифест будет перезаписан)`,
              }),
            },
      );
    }
  }
  if (checks.length === 0) {
    checks.push({
      name: 'browsers',
      ok: false,
      detail: tr(lang, {
        en: 'No supported browser profile found for this user (Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Yandex Browser, Firefox).',
        ru: 'Не найден профиль ни одного поддерживаемого браузера (Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Яндекс Браузер, Firefox).',
      }),
      fix: tr(lang, {
        en: 'Start your browser once, then run: tokensign-host install (or name it: --browsers chrome)',
        ru: 'Запустите браузер хотя бы раз, затем выполните: tokensign-host install (или укажите его: --browsers chrome)',
      }),
    });
  }
  return checks;
}

function checkSandboxes(lang: Language, ctx: CliContext): DoctorCheck[] {
  return sandboxedBrowsers(ctx)
    .filter((s) => existsSync(s.dataDir))
    .map((s) =>
      s.family === 'firefox'
        ? {
            name: `sandbox:${s.variant}`,
            ok: true,
            warning: true,
            detail: tr(lang, {
              en:
                s.kind === 'snap'
                  ? `${s.displayName}: reaches the host through the WebExtensions portal (xdg-desktop-portal) using the manifest in ~/.mozilla/native-messaging-hosts; Firefox asks once for permission.`
                  : `${s.displayName}: reaches the host only through xdg-native-messaging-proxy (Firefox 157 or newer), which reads ~/.mozilla/native-messaging-hosts.`,
              ru:
                s.kind === 'snap'
                  ? `${s.displayName}: связывается с хостом через портал WebExtensions (xdg-desktop-portal) по манифесту из ~/.mozilla/native-messaging-hosts; Firefox один раз спросит разрешение.`
                  : `${s.displayName}: связывается с хостом только через xdg-native-messaging-proxy (Firefox 157 или новее), который читает ~/.mozilla/native-messaging-hosts.`,
            }),
            fix: tr(lang, {
              en:
                s.kind === 'snap'
                  ? 'Run: tokensign-host install --browsers firefox, and allow the request when Firefox asks.'
                  : 'Install and enable xdg-native-messaging-proxy (systemctl --user enable --now xdg-native-messaging-proxy.service), run: tokensign-host install --browsers firefox; or use the distribution package of Firefox.',
              ru:
                s.kind === 'snap'
                  ? 'Выполните: tokensign-host install --browsers firefox и разрешите запрос, когда Firefox спросит.'
                  : 'Установите и включите xdg-native-messaging-proxy (systemctl --user enable --now xdg-native-messaging-proxy.service), выполните: tokensign-host install --browsers firefox; или используйте Firefox из пакетов дистрибутива.',
            }),
          }
        : {
            name: `sandbox:${s.variant}`,
            ok: true,
            warning: true,
            detail: tr(lang, {
              en: `${s.displayName}: sandboxed Chromium-family builds cannot start a native messaging host outside their sandbox, so Tokensign cannot work in this build.`,
              ru: `${s.displayName}: браузеры семейства Chromium в песочнице не могут запускать внешние программы для обмена сообщениями, поэтому Tokensign в этой сборке работать не будет.`,
            }),
            fix: tr(lang, {
              en: 'Use the .deb/.rpm package of the browser (or Firefox), then run: tokensign-host install',
              ru: 'Установите браузер из пакета .deb/.rpm (или используйте Firefox), затем выполните: tokensign-host install',
            }),
          },
    );
}

function replyResult<T>(exchange: HostExchange, id: string): { ok: true; result: T } | { ok: false; message: string } {
  const reply: HostReply | undefined = exchange.replies.get(id);
  if (!reply) return { ok: false, message: exchange.failure ?? 'no reply' };
  if (reply.ok) return { ok: true, result: reply.result as T };
  return { ok: false, message: `${reply.error.code}: ${reply.error.message}` };
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function certificateCheck(lang: Language, cert: CertificateInfo, tokenLabel: string): DoctorCheck {
  const who = cert.subject.commonName || cert.label;
  const base = `${who} (${tokenLabel}, ${cert.keyAlgorithm})`;
  const name = `certificate:${cert.thumbprint.slice(0, 16)}`;
  const renew = tr(lang, {
    en: 'Get a new certificate from your certification authority.',
    ru: 'Получите новый сертификат в удостоверяющем центре.',
  });
  if (cert.status === 'expired') {
    return { name, ok: true, warning: true, detail: tr(lang, { en: `${base}: EXPIRED on ${day(cert.notAfter)}`, ru: `${base}: СРОК ИСТЁК ${day(cert.notAfter)}` }), fix: renew };
  }
  if (cert.status === 'not-yet-valid') {
    return { name, ok: true, warning: true, detail: tr(lang, { en: `${base}: not valid until ${day(cert.notBefore)}`, ru: `${base}: действует только с ${day(cert.notBefore)}` }) };
  }
  if (!cert.hasPrivateKey) {
    return { name, ok: true, warning: true, detail: tr(lang, { en: `${base}: valid until ${day(cert.notAfter)}, but the token holds no private key for it`, ru: `${base}: действует до ${day(cert.notAfter)}, но закрытого ключа к нему на токене нет` }) };
  }
  if (cert.expiresInDays <= EXPIRY_WARNING_DAYS) {
    return {
      name,
      ok: true,
      warning: true,
      detail: tr(lang, { en: `${base}: expires in ${cert.expiresInDays} day(s), on ${day(cert.notAfter)}`, ru: `${base}: истекает через ${cert.expiresInDays} дн., ${day(cert.notAfter)}` }),
      fix: renew,
    };
  }
  return { name, ok: true, detail: tr(lang, { en: `${base}: valid until ${day(cert.notAfter)}`, ru: `${base}: действует до ${day(cert.notAfter)}` }) };
}

function hostChecks(lang: Language, exchange: HostExchange, viaLauncher: boolean, launcher: string, resolved: ResolvedModules): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const hello = replyResult<HelloResult>(exchange, '1');
  if (!hello.ok) {
    const stderr = exchange.stderr.trim().split('\n').slice(-3).join(' | ');
    checks.push({
      name: viaLauncher ? 'launcher' : 'host',
      ok: false,
      detail: tr(lang, {
        en: `${launcher} did not answer hello: ${hello.message}${stderr ? ` (stderr: ${stderr})` : ''}`,
        ru: `${launcher} не ответил на hello: ${hello.message}${stderr ? ` (stderr: ${stderr})` : ''}`,
      }),
      fix: tr(lang, {
        en: 'Run: tokensign-host install (it rewrites the launcher with the current node). If it still fails, run the launcher by hand to see the error.',
        ru: 'Выполните: tokensign-host install (программа запуска будет записана заново с текущим node). Если не поможет, запустите её вручную и посмотрите ошибку.',
      }),
    });
    return checks;
  }
  if (viaLauncher) {
    checks.push({
      name: 'launcher',
      ok: true,
      detail: tr(lang, {
        en: `${launcher} answers hello: host ${hello.result.version}, protocol ${hello.result.protocol} (${exchange.elapsedMs} ms, PATH=/usr/bin:/bin)`,
        ru: `${launcher} отвечает на hello: хост ${hello.result.version}, протокол ${hello.result.protocol} (${exchange.elapsedMs} мс, PATH=/usr/bin:/bin)`,
      }),
    });
  }
  const modules = Array.isArray(hello.result.modules) ? hello.result.modules : [];
  const vendors = KNOWN_MODULES.map((k) => k.vendor).join(', ');
  const config = resolved.configFile ?? 'config.json';
  if (resolved.configError) {
    checks.push({
      name: 'pkcs11-config',
      ok: false,
      detail: tr(lang, { en: `The Tokensign config file is not usable: ${resolved.configError}`, ru: `Файл настроек Tokensign не читается: ${resolved.configError}` }),
      fix: tr(lang, {
        en: `Fix or delete ${config}; it should look like {"modules": ["/path/to/module.so"]}.`,
        ru: `Исправьте или удалите ${config}; пример: {"modules": ["/путь/к/модулю.so"]}.`,
      }),
    });
  }
  if (modules.length === 0) {
    checks.push({
      name: 'pkcs11-modules',
      ok: false,
      detail: tr(lang, {
        en: `No PKCS#11 module (token driver) was found, so no token can be seen. Looked for: ${vendors}.`,
        ru: `Не найден ни один модуль PKCS#11 (драйвер токена), поэтому токены не видны. Искали: ${vendors}.`,
      }),
      fix: tr(lang, {
        en: `Install your token's driver (Rutoken, JaCarta, ESMART, SafeNet, or OpenSC for other cards), or name the module in ${config} as {"modules": ["/path/to/module.so"]} or in TOKENSIGN_PKCS11_MODULES.`,
        ru: `Установите драйвер токена (Рутокен, JaCarta, ESMART, SafeNet или OpenSC для прочих карт) или укажите модуль в ${config} как {"modules": ["/путь/к/модулю.so"]} или в TOKENSIGN_PKCS11_MODULES.`,
      }),
    });
  } else {
    const how: Record<ResolvedModules['source'], { en: string; ru: string }> = {
      env: { en: 'named by TOKENSIGN_PKCS11_MODULES', ru: 'заданы в TOKENSIGN_PKCS11_MODULES' },
      config: { en: `named in ${config}`, ru: `заданы в ${config}` },
      probe: { en: 'found at known vendor paths', ru: 'найдены по известным путям производителей' },
    };
    checks.push({
      name: 'pkcs11-modules',
      ok: true,
      detail: tr(lang, {
        en: `${modules.length} PKCS#11 module(s), ${how[resolved.source].en}`,
        ru: `Модулей PKCS#11: ${modules.length}, ${how[resolved.source].ru}`,
      }),
    });
    for (const m of modules) {
      checks.push(
        m.loaded
          ? { name: `module:${m.path}`, ok: true, detail: tr(lang, { en: `PKCS#11 module loaded: ${m.path}`, ru: `Модуль PKCS#11 загружен: ${m.path}` }) }
          : {
              name: `module:${m.path}`,
              ok: false,
              detail: tr(lang, { en: `PKCS#11 module ${m.path} did not load: ${m.error ?? 'unknown error'}`, ru: `Модуль PKCS#11 ${m.path} не загрузился: ${m.error ?? 'неизвестная ошибка'}` }),
              fix: tr(lang, {
                en: 'Reinstall the token driver (a 64-bit one for a 64-bit system), or remove this path from the Tokensign config.',
                ru: 'Переустановите драйвер токена (64-битный для 64-битной системы) или уберите этот путь из настроек Tokensign.',
              }),
            },
      );
    }
  }
  if (!modules.some((m) => m.loaded)) {
    // Without a loaded module no token can be listed: one plain sentence instead of two host errors.
    checks.push({
      name: 'tokens',
      ok: false,
      detail: tr(lang, {
        en: 'Tokens were not looked for: no PKCS#11 module is loaded (see above).',
        ru: 'Токены не проверялись: не загружен ни один модуль PKCS#11 (см. выше).',
      }),
    });
    return checks;
  }
  const tokens = replyResult<{ tokens: TokenInfo[] }>(exchange, '2');
  const tokenList = tokens.ok && Array.isArray(tokens.result.tokens) ? tokens.result.tokens : [];
  if (!tokens.ok) {
    checks.push({ name: 'tokens', ok: false, detail: tr(lang, { en: `Listing tokens failed: ${tokens.message}`, ru: `Не удалось получить список токенов: ${tokens.message}` }) });
  } else if (tokenList.length === 0) {
    checks.push({
      name: 'tokens',
      ok: false,
      detail: tr(lang, { en: 'No token is plugged in (or its driver does not see it).', ru: 'Токен не подключён (или драйвер его не видит).' }),
      fix: tr(lang, {
        en: 'Plug the token in (try another USB port), check that its light is on, then run doctor again.',
        ru: 'Вставьте токен (попробуйте другой порт USB), проверьте, что горит индикатор, и снова запустите doctor.',
      }),
    });
  } else {
    const labels = tokenList.map((t) => `${t.label} (${t.manufacturer} ${t.model}, №${t.serial})`);
    checks.push({ name: 'tokens', ok: true, detail: tr(lang, { en: `Tokens: ${labels.join('; ')}`, ru: `Токены: ${labels.join('; ')}` }) });
    for (const t of tokenList) {
      if (t.pin?.locked) {
        checks.push({
          name: `token:${t.id}`,
          ok: false,
          detail: tr(lang, { en: `${t.label}: the PIN is locked`, ru: `${t.label}: PIN-код заблокирован` }),
          fix: tr(lang, {
            en: "Unlock it with the administrator PIN (PUK) in the vendor's tool, or ask whoever issued the token.",
            ru: 'Разблокируйте его PIN-кодом администратора (PUK) в утилите производителя или обратитесь к тому, кто выдал токен.',
          }),
        });
      } else if (t.pin?.finalTry || t.pin?.countLow) {
        checks.push({
          name: `token:${t.id}`,
          ok: true,
          warning: true,
          detail: tr(lang, {
            en: `${t.label}: ${t.pin.finalTry ? 'one PIN try left' : 'a wrong PIN was entered recently'}`,
            ru: `${t.label}: ${t.pin.finalTry ? 'осталась одна попытка ввода PIN-кода' : 'недавно был введён неверный PIN-код'}`,
          }),
        });
      }
    }
  }
  const certs = replyResult<{ certificates: CertificateInfo[] }>(exchange, '3');
  if (!certs.ok) {
    checks.push({ name: 'certificates', ok: false, detail: tr(lang, { en: `Listing certificates failed: ${certs.message}`, ru: `Не удалось получить список сертификатов: ${certs.message}` }) });
  } else if (tokenList.length > 0) {
    const list = Array.isArray(certs.result.certificates) ? certs.result.certificates : [];
    const labelOf = new Map(tokenList.map((t) => [t.id, t.label]));
    const usable = list.filter((c) => c.status === 'valid' && c.hasPrivateKey);
    checks.push(
      usable.length > 0
        ? {
            name: 'certificates',
            ok: true,
            detail: tr(lang, { en: `${list.length} certificate(s), ${usable.length} usable for signing`, ru: `Сертификатов: ${list.length}, пригодных для подписи: ${usable.length}` }),
          }
        : {
            name: 'certificates',
            ok: false,
            detail: tr(lang, {
              en: `${list.length} certificate(s) on the token(s), none valid with a private key: signing is not possible`,
              ru: `Сертификатов на токенах: ${list.length}, ни одного действующего с закрытым ключом: подписать нечем`,
            }),
            fix: tr(lang, {
              en: 'Get a new certificate from your certification authority and write it to the token.',
              ru: 'Получите новый сертификат в удостоверяющем центре и запишите его на токен.',
            }),
          },
    );
    for (const c of list) checks.push(certificateCheck(lang, c, labelOf.get(c.tokenId) ?? c.tokenId));
  }
  return checks;
}

export async function collectDoctorReport(ctx: CliContext): Promise<DoctorReport> {
  const lang = detectLanguage(ctx.env);
  const checks: DoctorCheck[] = [checkNode(lang, ctx)];
  const p = pathApi(ctx.platform);
  const records = (['user', 'system'] as const).map((s) => readRecord(recordPathFor(ctx, s))).filter((r): r is InstallRecord => r !== null);
  const launcher = records[0]?.launcher ?? p.join(installDirectory(ctx, 'user'), launcherFileName(ctx.platform));

  checks.push(...checkManifests(lang, ctx, records));
  const resolved = resolveModulePaths({ env: ctx.env, platform: ctx.platform, home: ctx.home });

  const requests: HostRequest[] = [
    { id: '1', command: 'hello' },
    { id: '2', command: 'list-tokens' },
    { id: '3', command: 'list-certificates' },
  ];
  // Browsers start hosts with a minimal PATH but the session's other variables; do the same.
  const env: NodeJS.ProcessEnv = { ...ctx.env };
  if (ctx.platform !== 'win32') env.PATH = '/usr/bin:/bin';
  const origin = `chrome-extension://${CHROME_EXTENSION_ID}/`;
  if (existsSync(launcher)) {
    // A .bat needs cmd.exe (shell), and the shell needs the path quoted: it may hold spaces.
    const win = ctx.platform === 'win32';
    const exchange = await exchangeWithHost({ command: win ? `"${launcher}"` : launcher, args: [origin], env, requests, timeoutMs: HOST_TIMEOUT_MS, shell: win });
    checks.push(...hostChecks(lang, exchange, true, launcher, resolved));
  } else {
    checks.push({
      name: 'launcher',
      ok: false,
      detail: tr(lang, {
        en: `The Tokensign host is not installed for this user: ${launcher} does not exist.`,
        ru: `Хост Tokensign не установлен для этого пользователя: нет файла ${launcher}.`,
      }),
      fix: tr(lang, { en: 'Run: tokensign-host install', ru: 'Выполните: tokensign-host install' }),
    });
    // Still look at modules and tokens, with the host this tool was started from.
    const bundleHost = ctx.bundleDir ? p.join(ctx.bundleDir, 'host.mjs') : null;
    if (bundleHost !== null && existsSync(bundleHost)) {
      const exchange = await exchangeWithHost({ command: ctx.execPath, args: [bundleHost, origin], env: ctx.env, requests, timeoutMs: HOST_TIMEOUT_MS });
      checks.push(...hostChecks(lang, exchange, false, bundleHost, resolved));
    }
  }
  checks.push(...checkSandboxes(lang, ctx));
  return { ok: checks.every((c) => c.ok), checks };
}

export function formatReport(lang: Language, report: DoctorReport): string {
  const mark = (c: DoctorCheck): string =>
    !c.ok ? tr(lang, { en: '[FAIL]', ru: '[ОШИБКА]' }) : c.warning ? tr(lang, { en: '[WARN]', ru: '[ВНИМАНИЕ]' }) : tr(lang, { en: '[OK]', ru: '[OK]' });
  const lines = [tr(lang, { en: 'Tokensign doctor', ru: 'Проверка Tokensign (doctor)' })];
  for (const c of report.checks) {
    lines.push(`${mark(c)} ${c.detail}`);
    if (c.fix && (!c.ok || c.warning)) lines.push(`       ${tr(lang, { en: 'Fix', ru: 'Что сделать' })}: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(
    failed === 0
      ? tr(lang, { en: 'Everything needed is in place.', ru: 'Всё необходимое на месте.' })
      : tr(lang, { en: `${failed} problem(s) found.`, ru: `Найдено проблем: ${failed}.` }),
  );
  return lines.join('\n');
}

export async function runDoctor(ctx: CliContext, options: DoctorOptions): Promise<number> {
  const report = await collectDoctorReport(ctx);
  if (options.json) ctx.out(JSON.stringify(report, null, 2));
  else ctx.out(formatReport(detectLanguage(ctx.env), report));
  return report.ok ? 0 : 1;
}
