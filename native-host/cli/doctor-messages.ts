// Every text doctor prints, in Russian and English, in one table. Each entry takes the facts it names.
import { DOWNLOAD_URL } from '../../shared/download';
import type { Text } from './i18n';

const packageFix = (then: string, thenRu: string): Text => ({
  en: `Install the Tokensign package for your system (.deb or .rpm from ${DOWNLOAD_URL}), ${then}`,
  ru: `Установите пакет Tokensign для вашей системы (.deb или .rpm с ${DOWNLOAD_URL}), ${thenRu}`,
});

export const M = {
  fail: { en: '[FAIL]', ru: '[ОШИБКА]' },
  warn: { en: '[WARN]', ru: '[ВНИМАНИЕ]' },
  ok: { en: '[OK]', ru: '[OK]' },
  title: { en: 'Tokensign doctor', ru: 'Проверка Tokensign (doctor)' },
  fixLabel: { en: 'Fix', ru: 'Что сделать' },
  allGood: { en: 'Everything needed is in place.', ru: 'Всё необходимое на месте.' },
  problems: (n: number): Text => ({ en: `${n} problem(s) found.`, ru: `Найдено проблем: ${n}.` }),
  run: (command: string): Text => ({ en: `Run: ${command}`, ru: `Выполните: ${command}` }),

  executable: (path: string, node: string): Text => ({ en: `Tokensign host executable ${path} (Node.js ${node} built in)`, ru: `Исполняемый файл хоста Tokensign ${path} (Node.js ${node} встроен)` }),
  node: (version: string, path: string, tooOld: number | null): Text => ({
    en: `Node.js ${version} at ${path}${tooOld === null ? '' : `: too old, Tokensign needs ${tooOld} or newer`}`,
    ru: `Node.js ${version} (${path})${tooOld === null ? '' : `: слишком старый, нужен ${tooOld} или новее`}`,
  }),
  nodeFix: (min: number): Text => ({
    en: `Install Node.js ${min} LTS or newer (https://nodejs.org) and run install again, or install the Tokensign package, which needs no Node.js (${DOWNLOAD_URL}).`,
    ru: `Установите Node.js ${min} LTS или новее (https://nodejs.org) и снова выполните install или установите пакет Tokensign, которому Node.js не нужен (${DOWNLOAD_URL}).`,
  }),

  manifestMissing: (browser: string, where: string): Text => ({
    en: `${browser}: no Tokensign host manifest (looked for ${where}); the extension will say the host is not installed`,
    ru: `${browser}: нет манифеста хоста Tokensign (искали ${where}); расширение сообщит, что хост не установлен`,
  }),
  manifestMissingFix: (command: string): Text => packageFix(`or run: ${command}`, `или выполните: ${command}`),
  manifestOk: (browser: string, path: string, launcher: string, system: boolean): Text => ({
    en: `${browser}: ${path} → ${launcher}${system ? ' (all users)' : ''}`,
    ru: `${browser}: ${path} → ${launcher}${system ? ' (для всех пользователей)' : ''}`,
  }),
  userManifestFix: (command: string): Text => ({ en: `Run: ${command} (it rewrites the manifest)`, ru: `Выполните: ${command} (манифест будет перезаписан)` }),
  systemManifestFix: {
    en: 'Reinstall the Tokensign package: sudo apt install --reinstall tokensign-host (Debian, Ubuntu) or sudo dnf reinstall tokensign-host (Fedora, RED OS); or remove the file and run: tokensign-host install',
    ru: 'Переустановите пакет Tokensign: sudo apt install --reinstall tokensign-host (Debian, Ubuntu) или sudo dnf reinstall tokensign-host (Fedora, РЕД ОС); либо удалите файл и выполните: tokensign-host install',
  },
  noBrowser: {
    en: 'No supported browser found for this user or on this machine (Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Yandex Browser, Firefox).',
    ru: 'Не найден ни один поддерживаемый браузер (Chrome, Chromium, Edge, Brave, Vivaldi, Opera, Яндекс Браузер, Firefox).',
  },
  noBrowserFix: {
    en: 'Install a browser, then run: tokensign-host install (or name it: --browsers chrome)',
    ru: 'Установите браузер, затем выполните: tokensign-host install (или укажите его: --browsers chrome)',
  },

  sandboxFirefoxSnap: (browser: string): Text => ({
    en: `${browser}: reaches the host through the WebExtensions portal (xdg-desktop-portal) using the manifest in ~/.mozilla/native-messaging-hosts; Firefox asks once for permission.`,
    ru: `${browser}: связывается с хостом через портал WebExtensions (xdg-desktop-portal) по манифесту из ~/.mozilla/native-messaging-hosts; Firefox один раз спросит разрешение.`,
  }),
  sandboxFirefoxSnapFix: {
    en: 'Run: tokensign-host install --browsers firefox, and allow the request when Firefox asks.',
    ru: 'Выполните: tokensign-host install --browsers firefox и разрешите запрос, когда Firefox спросит.',
  },
  sandboxFirefoxFlatpak: (browser: string): Text => ({
    en: `${browser}: reaches the host only through xdg-native-messaging-proxy (Firefox 157 or newer), which reads ~/.mozilla/native-messaging-hosts.`,
    ru: `${browser}: связывается с хостом только через xdg-native-messaging-proxy (Firefox 157 или новее), который читает ~/.mozilla/native-messaging-hosts.`,
  }),
  sandboxFirefoxFlatpakFix: {
    en: 'Install and enable xdg-native-messaging-proxy (systemctl --user enable --now xdg-native-messaging-proxy.service), run: tokensign-host install --browsers firefox; or use the distribution package of Firefox.',
    ru: 'Установите и включите xdg-native-messaging-proxy (systemctl --user enable --now xdg-native-messaging-proxy.service), выполните: tokensign-host install --browsers firefox; или используйте Firefox из пакетов дистрибутива.',
  },
  sandboxChromium: (browser: string): Text => ({
    en: `${browser}: sandboxed Chromium-family builds cannot start a native messaging host outside their sandbox, so Tokensign cannot work in this build.`,
    ru: `${browser}: браузеры семейства Chromium в песочнице не могут запускать внешние программы для обмена сообщениями, поэтому Tokensign в этой сборке работать не будет.`,
  }),
  sandboxChromiumFix: {
    en: 'Use the .deb/.rpm package of the browser (or Firefox), then run: tokensign-host install',
    ru: 'Установите браузер из пакета .deb/.rpm (или используйте Firefox), затем выполните: tokensign-host install',
  },

  launcherMissing: (launcher: string): Text => ({
    en: `The Tokensign host is not installed for this user: ${launcher} does not exist.`,
    ru: `Хост Tokensign не установлен для этого пользователя: нет файла ${launcher}.`,
  }),
  launcherMissingFix: packageFix('or run: tokensign-host install', 'или выполните: tokensign-host install'),
  noHello: (launcher: string, why: string, stderr: string): Text => ({
    en: `${launcher} did not answer hello: ${why}${stderr ? ` (stderr: ${stderr})` : ''}`,
    ru: `${launcher} не ответил на hello: ${why}${stderr ? ` (stderr: ${stderr})` : ''}`,
  }),
  noHelloFix: {
    en: 'Run: tokensign-host install (it rewrites the launcher), or reinstall the Tokensign package. If it still fails, run the launcher by hand to see the error.',
    ru: 'Выполните: tokensign-host install (программа запуска будет записана заново) или переустановите пакет Tokensign. Если не поможет, запустите её вручную и посмотрите ошибку.',
  },
  hello: (launcher: string, version: string, protocol: number, ms: number): Text => ({
    en: `${launcher} answers hello: host ${version}, protocol ${protocol} (${ms} ms, PATH=/usr/bin:/bin)`,
    ru: `${launcher} отвечает на hello: хост ${version}, протокол ${protocol} (${ms} мс, PATH=/usr/bin:/bin)`,
  }),

  configBroken: (error: string): Text => ({ en: `The Tokensign config file is not usable: ${error}`, ru: `Файл настроек Tokensign не читается: ${error}` }),
  configBrokenFix: (config: string): Text => ({
    en: `Fix or delete ${config}; it should look like {"modules": ["/path/to/module.so"]}.`,
    ru: `Исправьте или удалите ${config}; пример: {"modules": ["/путь/к/модулю.so"]}.`,
  }),
  noModules: (vendors: string): Text => ({
    en: `No PKCS#11 module (token driver) was found, so no token can be seen. Looked for: ${vendors}.`,
    ru: `Не найден ни один модуль PKCS#11 (драйвер токена), поэтому токены не видны. Искали: ${vendors}.`,
  }),
  noModulesFix: (config: string): Text => ({
    en: `Install your token's driver (Rutoken, JaCarta, ESMART, SafeNet, or OpenSC for other cards), or name the module in ${config} as {"modules": ["/path/to/module.so"]} or in TOKENSIGN_PKCS11_MODULES.`,
    ru: `Установите драйвер токена (Рутокен, JaCarta, ESMART, SafeNet или OpenSC для прочих карт) или укажите модуль в ${config} как {"modules": ["/путь/к/модулю.so"]} или в TOKENSIGN_PKCS11_MODULES.`,
  }),
  modulesFrom: {
    env: { en: 'named by TOKENSIGN_PKCS11_MODULES', ru: 'заданы в TOKENSIGN_PKCS11_MODULES' },
    config: (config: string): Text => ({ en: `named in ${config}`, ru: `заданы в ${config}` }),
    probe: { en: 'found at known vendor paths', ru: 'найдены по известным путям производителей' },
  },
  modules: (n: number, how: Text): Text => ({ en: `${n} PKCS#11 module(s), ${how.en}`, ru: `Модулей PKCS#11: ${n}, ${how.ru}` }),
  moduleLoaded: (path: string): Text => ({ en: `PKCS#11 module loaded: ${path}`, ru: `Модуль PKCS#11 загружен: ${path}` }),
  moduleFailed: (path: string, error: string | undefined): Text => ({
    en: `PKCS#11 module ${path} did not load: ${error ?? 'unknown error'}`,
    ru: `Модуль PKCS#11 ${path} не загрузился: ${error ?? 'неизвестная ошибка'}`,
  }),
  moduleFailedFix: {
    en: 'Reinstall the token driver (a 64-bit one for a 64-bit system), or remove this path from the Tokensign config.',
    ru: 'Переустановите драйвер токена (64-битный для 64-битной системы) или уберите этот путь из настроек Tokensign.',
  },

  tokensNotLooked: { en: 'Tokens were not looked for: no PKCS#11 module is loaded (see above).', ru: 'Токены не проверялись: не загружен ни один модуль PKCS#11 (см. выше).' },
  tokensFailed: (why: string): Text => ({ en: `Listing tokens failed: ${why}`, ru: `Не удалось получить список токенов: ${why}` }),
  noTokens: { en: 'No token is plugged in (or its driver does not see it).', ru: 'Токен не подключён (или драйвер его не видит).' },
  noTokensFix: {
    en: 'Plug the token in (try another USB port), check that its light is on, then run doctor again.',
    ru: 'Вставьте токен (попробуйте другой порт USB), проверьте, что горит индикатор, и снова запустите doctor.',
  },
  tokens: (labels: string): Text => ({ en: `Tokens: ${labels}`, ru: `Токены: ${labels}` }),
  pinLocked: (label: string): Text => ({ en: `${label}: the PIN is locked`, ru: `${label}: PIN-код заблокирован` }),
  pinLockedFix: {
    en: "Unlock it with the administrator PIN (PUK) in the vendor's tool, or ask whoever issued the token.",
    ru: 'Разблокируйте его PIN-кодом администратора (PUK) в утилите производителя или обратитесь к тому, кто выдал токен.',
  },
  pinFinalTry: (label: string): Text => ({ en: `${label}: one PIN try left`, ru: `${label}: осталась одна попытка ввода PIN-кода` }),
  pinCountLow: (label: string): Text => ({ en: `${label}: a wrong PIN was entered recently`, ru: `${label}: недавно был введён неверный PIN-код` }),

  certificatesFailed: (why: string): Text => ({ en: `Listing certificates failed: ${why}`, ru: `Не удалось получить список сертификатов: ${why}` }),
  certificates: (all: number, usable: number): Text => ({ en: `${all} certificate(s), ${usable} usable for signing`, ru: `Сертификатов: ${all}, пригодных для подписи: ${usable}` }),
  noUsable: (all: number): Text => ({
    en: `${all} certificate(s) on the token(s), none valid with a private key: signing is not possible`,
    ru: `Сертификатов на токенах: ${all}, ни одного действующего с закрытым ключом: подписать нечем`,
  }),
  noUsableFix: { en: 'Get a new certificate from your certification authority and write it to the token.', ru: 'Получите новый сертификат в удостоверяющем центре и запишите его на токен.' },
  renew: { en: 'Get a new certificate from your certification authority.', ru: 'Получите новый сертификат в удостоверяющем центре.' },
  certExpired: (who: string, day: string): Text => ({ en: `${who}: EXPIRED on ${day}`, ru: `${who}: СРОК ИСТЁК ${day}` }),
  certNotYet: (who: string, day: string): Text => ({ en: `${who}: not valid until ${day}`, ru: `${who}: действует только с ${day}` }),
  certNoKey: (who: string, day: string): Text => ({
    en: `${who}: valid until ${day}, but the token holds no private key for it`,
    ru: `${who}: действует до ${day}, но закрытого ключа к нему на токене нет`,
  }),
  certExpiring: (who: string, days: number, day: string): Text => ({ en: `${who}: expires in ${days} day(s), on ${day}`, ru: `${who}: истекает через ${days} дн., ${day}` }),
  certValid: (who: string, day: string): Text => ({ en: `${who}: valid until ${day}`, ru: `${who}: действует до ${day}` }),
} as const;
