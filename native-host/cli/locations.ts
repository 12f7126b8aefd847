// Where each browser looks for native messaging host manifests, and how we tell it is installed.
// The one table of locations for install, uninstall and doctor. Pure functions of (platform, home, env):
// no file system access here, so unit tests cover Windows and macOS on any machine.
//
// Sources:
// [chrome]  https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging#native-messaging-host-location
//           and chromium src chrome/common/chrome_paths.cc (DIR_NATIVE_MESSAGING, DIR_USER_NATIVE_MESSAGING =
//           <user data dir>/NativeMessagingHosts), chrome/common/chrome_paths_linux.cc (user data dir honours
//           XDG_CONFIG_HOME; channel suffixes -beta, -unstable), docs/user_data_dir.md (per-OS user data dirs).
// [edge]    https://learn.microsoft.com/microsoft-edge/extensions/developer-guide/native-messaging
//           (Linux /etc/opt/edge/native-messaging-hosts, macOS /Library/Microsoft/Edge/NativeMessagingHosts,
//           Windows HKCU|HKLM\Software\Microsoft\Edge\NativeMessagingHosts).
// [mdn]     https://developer.mozilla.org/docs/Mozilla/Add-ons/WebExtensions/Native_manifests
//           (Linux ~/.mozilla/native-messaging-hosts, /usr/lib/mozilla/..., /usr/lib64/mozilla/...;
//           macOS ~/Library/Application Support/Mozilla/NativeMessagingHosts and /Library/...;
//           Windows HKCU|HKLM\SOFTWARE\Mozilla\NativeMessagingHosts\<name>).
// [forks]   Brave, Vivaldi, Opera and Yandex keep Chromium's layout under their own user data dir
//           (<user data dir>/NativeMessagingHosts); on Windows Brave, Vivaldi and Opera read the
//           Google\Chrome registry key, Yandex reads Yandex\YandexBrowser (vendor help pages; the
//           Windows keys of Brave, Vivaldi and Opera are [unverified] here).
// [browserpass] browserpass-native Makefile (hosts-brave, hosts-vivaldi targets): all-users folders
//           /etc/opt/brave|vivaldi/native-messaging-hosts and their macOS counterparts.
// Rows marked [unverified] follow the vendor's pattern but no primary source was at hand.
// [sandbox] Flatpak apps keep data in ~/.var/app/<app-id>, Snap apps in ~/snap/<name>; Firefox reaches
//           hosts outside the sandbox through the WebExtensions portal (Snap) or xdg-native-messaging-proxy
//           (Flatpak, Firefox 157+), which read the host-side manifest folders above
//           (flatpak/xdg-desktop-portal#655, bugzilla 1661935, 1955255). Chromium-family Flatpak/Snap
//           builds have no such bridge.
import { posix, win32 } from 'node:path';

export const BROWSER_IDS = ['chrome', 'chromium', 'edge', 'brave', 'vivaldi', 'opera', 'yandex', 'firefox'] as const;
export type BrowserId = (typeof BROWSER_IDS)[number];
export type ManifestFamily = 'chromium' | 'firefox';
export type InstallScope = 'user' | 'system';

export interface Environment {
  platform: NodeJS.Platform;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** One browser build (a channel counts as its own build: it has its own profile folder). */
export interface BrowserLocation {
  /** The name used with `--browsers`. Channels of one browser share it. */
  browser: BrowserId;
  /** Unique key of this build, e.g. `chrome-beta`. */
  variant: string;
  displayName: string;
  family: ManifestFamily;
  /** Any of these existing means this user has run the browser. */
  profileDirs: string[];
  /** Any of these existing means the browser is installed for all users. */
  programPaths: string[];
  /** Folder for a per-user manifest (Linux, macOS); null on Windows. */
  userManifestDir: string | null;
  /** Folders for an all-users manifest (Linux, macOS); empty on Windows. */
  systemManifestDirs: string[];
  /** Windows: the key under HKCU (user) or HKLM (system) whose default value is the manifest path. */
  registryKey: string | null;
}

export interface SandboxedBrowser {
  variant: string;
  displayName: string;
  kind: 'flatpak' | 'snap';
  family: ManifestFamily;
  /** Exists when this sandboxed build has been run by the user. */
  dataDir: string;
}

export const HOST_MANIFEST_FILE = 'org.tokensign.host.json';
const NMH = 'NativeMessagingHosts';

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== '' ? value : undefined;
}

/** $XDG_CONFIG_HOME, or ~/.config (XDG base directory spec; Chromium honours it). */
export function xdgConfigHome(e: Environment): string {
  const v = nonEmpty(e.env.XDG_CONFIG_HOME);
  return v !== undefined && posix.isAbsolute(v) ? v : posix.join(e.home, '.config');
}

/** $XDG_DATA_HOME, or ~/.local/share. */
export function xdgDataHome(e: Environment): string {
  const v = nonEmpty(e.env.XDG_DATA_HOME);
  return v !== undefined && posix.isAbsolute(v) ? v : posix.join(e.home, '.local', 'share');
}

function windowsLocalAppData(e: Environment): string {
  return nonEmpty(e.env.LOCALAPPDATA) ?? win32.join(e.home, 'AppData', 'Local');
}
function windowsRoamingAppData(e: Environment): string {
  return nonEmpty(e.env.APPDATA) ?? win32.join(e.home, 'AppData', 'Roaming');
}

interface ChromiumRow {
  browser: BrowserId;
  variant: string;
  displayName: string;
  /** Linux user data dir under $XDG_CONFIG_HOME. [chrome] [forks] */
  linuxConfigDir: string;
  /** Linux all-users manifest folder. [chrome] [edge] */
  linuxSystemDir: string;
  /** Linux program locations (package installs). */
  linuxPrograms: string[];
  /** macOS user data dir under ~/Library/Application Support. [chrome] */
  macDataDir: string;
  /** macOS all-users manifest folder. [chrome] [edge] */
  macSystemDir: string;
  macApp: string;
  /** Windows profile folder: [root, ...path]; root L = %LOCALAPPDATA%, R = %APPDATA%. */
  winProfile: ['L' | 'R', ...string[]];
  /** Windows registry key (without HKCU/HKLM), `<name>` appended. [chrome] [edge] [forks] */
  winKey: string;
}

const CHROME_KEY = 'Software\\Google\\Chrome\\NativeMessagingHosts';

// Chromium family. Chrome's channels share the all-users folder: it depends on branding, not channel.
const CHROMIUM_ROWS: ChromiumRow[] = [
  {
    browser: 'chrome',
    variant: 'chrome',
    displayName: 'Google Chrome',
    linuxConfigDir: 'google-chrome',
    linuxSystemDir: '/etc/opt/chrome/native-messaging-hosts',
    linuxPrograms: ['/opt/google/chrome/chrome'],
    macDataDir: 'Google/Chrome',
    macSystemDir: '/Library/Google/Chrome/NativeMessagingHosts',
    macApp: '/Applications/Google Chrome.app',
    winProfile: ['L', 'Google', 'Chrome', 'User Data'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'chrome',
    variant: 'chrome-beta',
    displayName: 'Google Chrome Beta',
    linuxConfigDir: 'google-chrome-beta',
    linuxSystemDir: '/etc/opt/chrome/native-messaging-hosts',
    linuxPrograms: ['/opt/google/chrome-beta/chrome'],
    macDataDir: 'Google/Chrome Beta',
    macSystemDir: '/Library/Google/Chrome/NativeMessagingHosts',
    macApp: '/Applications/Google Chrome Beta.app',
    winProfile: ['L', 'Google', 'Chrome Beta', 'User Data'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'chrome',
    variant: 'chrome-dev',
    displayName: 'Google Chrome Dev',
    linuxConfigDir: 'google-chrome-unstable',
    linuxSystemDir: '/etc/opt/chrome/native-messaging-hosts',
    linuxPrograms: ['/opt/google/chrome-unstable/chrome'],
    macDataDir: 'Google/Chrome Dev',
    macSystemDir: '/Library/Google/Chrome/NativeMessagingHosts',
    macApp: '/Applications/Google Chrome Dev.app',
    winProfile: ['L', 'Google', 'Chrome Dev', 'User Data'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'chromium',
    variant: 'chromium',
    displayName: 'Chromium',
    linuxConfigDir: 'chromium',
    linuxSystemDir: '/etc/chromium/native-messaging-hosts',
    linuxPrograms: ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'],
    macDataDir: 'Chromium',
    macSystemDir: '/Library/Application Support/Chromium/NativeMessagingHosts',
    macApp: '/Applications/Chromium.app',
    winProfile: ['L', 'Chromium', 'User Data'],
    winKey: 'Software\\Chromium\\NativeMessagingHosts',
  },
  {
    browser: 'edge',
    variant: 'edge',
    displayName: 'Microsoft Edge',
    linuxConfigDir: 'microsoft-edge',
    linuxSystemDir: '/etc/opt/edge/native-messaging-hosts',
    linuxPrograms: ['/opt/microsoft/msedge/msedge'],
    macDataDir: 'Microsoft Edge',
    macSystemDir: '/Library/Microsoft/Edge/NativeMessagingHosts',
    macApp: '/Applications/Microsoft Edge.app',
    winProfile: ['L', 'Microsoft', 'Edge', 'User Data'],
    winKey: 'Software\\Microsoft\\Edge\\NativeMessagingHosts',
  },
  {
    browser: 'brave',
    variant: 'brave',
    displayName: 'Brave',
    linuxConfigDir: 'BraveSoftware/Brave-Browser',
    linuxSystemDir: '/etc/opt/brave/native-messaging-hosts', // [browserpass]
    linuxPrograms: ['/opt/brave.com/brave/brave'],
    macDataDir: 'BraveSoftware/Brave-Browser',
    macSystemDir: '/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts', // [browserpass]
    macApp: '/Applications/Brave Browser.app',
    winProfile: ['L', 'BraveSoftware', 'Brave-Browser', 'User Data'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'vivaldi',
    variant: 'vivaldi',
    displayName: 'Vivaldi',
    linuxConfigDir: 'vivaldi',
    linuxSystemDir: '/etc/opt/vivaldi/native-messaging-hosts', // [browserpass]
    linuxPrograms: ['/opt/vivaldi/vivaldi'],
    macDataDir: 'Vivaldi',
    macSystemDir: '/Library/Application Support/Vivaldi/NativeMessagingHosts', // [browserpass]
    macApp: '/Applications/Vivaldi.app',
    winProfile: ['L', 'Vivaldi', 'User Data'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'opera',
    variant: 'opera',
    displayName: 'Opera',
    linuxConfigDir: 'opera',
    // Opera documents no all-users folder; it reads Chrome's. [unverified]
    linuxSystemDir: '/etc/opt/chrome/native-messaging-hosts',
    linuxPrograms: ['/usr/lib/x86_64-linux-gnu/opera/opera', '/usr/bin/opera'],
    macDataDir: 'com.operasoftware.Opera',
    macSystemDir: '/Library/Google/Chrome/NativeMessagingHosts',
    macApp: '/Applications/Opera.app',
    winProfile: ['R', 'Opera Software', 'Opera Stable'],
    winKey: CHROME_KEY,
  },
  {
    browser: 'yandex',
    variant: 'yandex',
    displayName: 'Yandex Browser',
    linuxConfigDir: 'yandex-browser',
    // Yandex follows Chrome's /etc/opt/<vendor>/ pattern under its install prefix. [unverified]
    linuxSystemDir: '/etc/opt/yandex/browser/native-messaging-hosts',
    linuxPrograms: ['/opt/yandex/browser/yandex_browser'],
    macDataDir: 'Yandex/YandexBrowser',
    macSystemDir: '/Library/Yandex/YandexBrowser/NativeMessagingHosts',
    macApp: '/Applications/Yandex.app',
    winProfile: ['L', 'Yandex', 'YandexBrowser', 'User Data'],
    winKey: 'Software\\Yandex\\YandexBrowser\\NativeMessagingHosts',
  },
];

/** Every browser build Tokensign knows for `platform`, in a fixed order. */
/** A Chromium-family browser on macOS or Linux: the user manifest folder sits in its data folder. */
function unixChromiumLocation(r: ChromiumRow, dataDir: string, programPaths: string[], systemDir: string): BrowserLocation {
  return {
    browser: r.browser,
    variant: r.variant,
    displayName: r.displayName,
    family: 'chromium',
    profileDirs: [dataDir],
    programPaths,
    userManifestDir: posix.join(dataDir, NMH),
    systemManifestDirs: [systemDir],
    registryKey: null,
  };
}

export function browserLocations(e: Environment): BrowserLocation[] {
  const { platform, home } = e;
  const hostKey = (key: string): string => `${key}\\org.tokensign.host`;
  if (platform === 'win32') {
    const local = windowsLocalAppData(e);
    const roaming = windowsRoamingAppData(e);
    const rows: BrowserLocation[] = CHROMIUM_ROWS.map((r) => {
      const [root, ...rest] = r.winProfile;
      return {
        browser: r.browser,
        variant: r.variant,
        displayName: r.displayName,
        family: 'chromium',
        profileDirs: [win32.join(root === 'L' ? local : roaming, ...rest)],
        programPaths: [],
        userManifestDir: null,
        systemManifestDirs: [],
        registryKey: hostKey(r.winKey),
      };
    });
    rows.push({
      browser: 'firefox',
      variant: 'firefox',
      displayName: 'Mozilla Firefox',
      family: 'firefox',
      profileDirs: [win32.join(roaming, 'Mozilla', 'Firefox')],
      programPaths: [],
      userManifestDir: null,
      systemManifestDirs: [],
      registryKey: hostKey('Software\\Mozilla\\NativeMessagingHosts'),
    });
    return rows;
  }
  if (platform === 'darwin') {
    const appSupport = posix.join(home, 'Library', 'Application Support');
    const rows: BrowserLocation[] = CHROMIUM_ROWS.map((r) =>
      unixChromiumLocation(r, posix.join(appSupport, ...r.macDataDir.split('/')), [r.macApp], r.macSystemDir),
    );
    rows.push({
      browser: 'firefox',
      variant: 'firefox',
      displayName: 'Mozilla Firefox',
      family: 'firefox',
      profileDirs: [posix.join(appSupport, 'Firefox')],
      programPaths: ['/Applications/Firefox.app'],
      userManifestDir: posix.join(appSupport, 'Mozilla', NMH),
      systemManifestDirs: ['/Library/Application Support/Mozilla/NativeMessagingHosts'],
      registryKey: null,
    });
    return rows;
  }
  // Linux and the other Unixes that use the XDG layout.
  const config = xdgConfigHome(e);
  const rows: BrowserLocation[] = CHROMIUM_ROWS.map((r) =>
    unixChromiumLocation(r, posix.join(config, ...r.linuxConfigDir.split('/')), r.linuxPrograms, r.linuxSystemDir),
  );
  rows.push({
    browser: 'firefox',
    variant: 'firefox',
    displayName: 'Mozilla Firefox',
    family: 'firefox',
    // Snap and Flatpak Firefox keep their profile inside the sandbox, but the portal that starts
    // hosts reads the host-side ~/.mozilla folder, so they count as Firefox here. [sandbox]
    profileDirs: [
      posix.join(home, '.mozilla', 'firefox'),
      posix.join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
      posix.join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
    ],
    programPaths: ['/usr/lib/firefox', '/usr/lib/firefox-esr', '/usr/lib64/firefox', '/opt/firefox'],
    userManifestDir: posix.join(home, '.mozilla', 'native-messaging-hosts'),
    // Firefox reads the one matching its libdir; 64-bit Fedora/openSUSE builds use lib64. [mdn]
    systemManifestDirs: ['/usr/lib/mozilla/native-messaging-hosts', '/usr/lib64/mozilla/native-messaging-hosts'],
    registryKey: null,
  });
  return rows;
}

/** Flatpak and Snap builds (Linux only), which doctor explains. [sandbox] */
export function sandboxedBrowsers(e: Environment): SandboxedBrowser[] {
  if (e.platform !== 'linux') return [];
  const flatpak = (appId: string, displayName: string, family: ManifestFamily): SandboxedBrowser => ({
    variant: `${appId}`,
    displayName: `${displayName} (Flatpak)`,
    kind: 'flatpak',
    family,
    dataDir: posix.join(e.home, '.var', 'app', appId),
  });
  const snap = (name: string, displayName: string, family: ManifestFamily): SandboxedBrowser => ({
    variant: `snap:${name}`,
    displayName: `${displayName} (Snap)`,
    kind: 'snap',
    family,
    dataDir: posix.join(e.home, 'snap', name),
  });
  return [
    flatpak('org.mozilla.firefox', 'Mozilla Firefox', 'firefox'),
    snap('firefox', 'Mozilla Firefox', 'firefox'),
    flatpak('org.chromium.Chromium', 'Chromium', 'chromium'),
    snap('chromium', 'Chromium', 'chromium'),
    flatpak('com.google.Chrome', 'Google Chrome', 'chromium'),
    flatpak('com.microsoft.Edge', 'Microsoft Edge', 'chromium'),
    flatpak('com.brave.Browser', 'Brave', 'chromium'),
    snap('brave', 'Brave', 'chromium'),
    flatpak('com.vivaldi.Vivaldi', 'Vivaldi', 'chromium'),
    flatpak('com.opera.Opera', 'Opera', 'chromium'),
    snap('opera', 'Opera', 'chromium'),
    flatpak('ru.yandex.Browser', 'Yandex Browser', 'chromium'),
  ];
}

/** The folder that holds the installed host, its addon, the launcher and the install record. */
export function installDirectory(e: Environment, scope: InstallScope): string {
  if (e.platform === 'win32') {
    if (scope === 'system') return win32.join(nonEmpty(e.env.ProgramFiles) ?? 'C:\\Program Files', 'Tokensign');
    return win32.join(windowsLocalAppData(e), 'Tokensign');
  }
  if (e.platform === 'darwin') {
    return scope === 'system'
      ? '/Library/Application Support/Tokensign'
      : posix.join(e.home, 'Library', 'Application Support', 'Tokensign');
  }
  return scope === 'system' ? '/opt/tokensign' : posix.join(xdgDataHome(e), 'tokensign');
}

/** The file the manifests name: the host executable itself, or the script that starts node with host.mjs. */
export function launcherFileName(platform: NodeJS.Platform, executable = false): string {
  if (platform !== 'win32') return 'tokensign-host';
  return executable ? 'tokensign-host.exe' : 'tokensign-host.bat';
}

/** Where install puts the `tokensign-host` command on PATH: ~/.local/bin (XDG), /usr/local/bin; none on Windows. */
export function pathShimPath(e: Environment, scope: InstallScope): string | null {
  if (e.platform === 'win32') return null;
  return scope === 'system' ? '/usr/local/bin/tokensign-host' : posix.join(e.home, '.local', 'bin', 'tokensign-host');
}

export const INSTALL_RECORD_FILE = 'install-record.json';

export function pathApi(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** Where the manifest for `loc` goes in `scope`: one file per folder, or, on Windows, one per family. */
export function manifestPaths(e: Environment, loc: BrowserLocation, scope: InstallScope): string[] {
  if (e.platform === 'win32') {
    return [win32.join(installDirectory(e, scope), 'manifests', `org.tokensign.host.${loc.family}.json`)];
  }
  const dirs = scope === 'user' ? (loc.userManifestDir ? [loc.userManifestDir] : []) : loc.systemManifestDirs;
  return dirs.map((d) => posix.join(d, HOST_MANIFEST_FILE));
}

/** `HKCU\...` or `HKLM\...` for Windows. */
export function registryPath(loc: BrowserLocation, scope: InstallScope): string | null {
  if (!loc.registryKey) return null;
  return `${scope === 'system' ? 'HKLM' : 'HKCU'}\\${loc.registryKey}`;
}
