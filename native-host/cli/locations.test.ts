// The location table for every platform, checked against the paths the browsers' documentation gives.
import { describe, expect, it } from 'vitest';
import {
  browserLocations,
  installDirectory,
  launcherFileName,
  manifestPaths,
  registryPath,
  sandboxedBrowsers,
  type BrowserLocation,
  type Environment,
} from './locations';

const linux: Environment = { platform: 'linux', home: '/home/anna', env: {} };
const mac: Environment = { platform: 'darwin', home: '/Users/anna', env: {} };
const win: Environment = {
  platform: 'win32',
  home: 'C:\\Users\\anna',
  env: { LOCALAPPDATA: 'C:\\Users\\anna\\AppData\\Local', APPDATA: 'C:\\Users\\anna\\AppData\\Roaming', ProgramFiles: 'C:\\Program Files' },
};

function byVariant(e: Environment, variant: string): BrowserLocation {
  const found = browserLocations(e).find((b) => b.variant === variant);
  if (!found) throw new Error(`no ${variant} for ${e.platform}`);
  return found;
}

describe('Linux locations', () => {
  it('covers every browser and Chrome channel', () => {
    const variants = browserLocations(linux).map((b) => b.variant);
    expect(variants).toEqual(['chrome', 'chrome-beta', 'chrome-dev', 'chromium', 'edge', 'brave', 'vivaldi', 'opera', 'yandex', 'firefox']);
  });

  it('puts Chromium-family user manifests in <user data dir>/NativeMessagingHosts under ~/.config', () => {
    expect(byVariant(linux, 'chrome').userManifestDir).toBe('/home/anna/.config/google-chrome/NativeMessagingHosts');
    expect(byVariant(linux, 'chrome-beta').userManifestDir).toBe('/home/anna/.config/google-chrome-beta/NativeMessagingHosts');
    expect(byVariant(linux, 'chrome-dev').userManifestDir).toBe('/home/anna/.config/google-chrome-unstable/NativeMessagingHosts');
    expect(byVariant(linux, 'chromium').userManifestDir).toBe('/home/anna/.config/chromium/NativeMessagingHosts');
    expect(byVariant(linux, 'edge').userManifestDir).toBe('/home/anna/.config/microsoft-edge/NativeMessagingHosts');
    expect(byVariant(linux, 'brave').userManifestDir).toBe('/home/anna/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts');
    expect(byVariant(linux, 'vivaldi').userManifestDir).toBe('/home/anna/.config/vivaldi/NativeMessagingHosts');
    expect(byVariant(linux, 'opera').userManifestDir).toBe('/home/anna/.config/opera/NativeMessagingHosts');
    expect(byVariant(linux, 'yandex').userManifestDir).toBe('/home/anna/.config/yandex-browser/NativeMessagingHosts');
    expect(byVariant(linux, 'chromium').profileDirs).toEqual(['/home/anna/.config/chromium']);
  });

  it('follows XDG_CONFIG_HOME for Chromium-family browsers, not for Firefox', () => {
    const e: Environment = { ...linux, env: { XDG_CONFIG_HOME: '/data/cfg' } };
    expect(byVariant(e, 'chromium').userManifestDir).toBe('/data/cfg/chromium/NativeMessagingHosts');
    expect(byVariant(e, 'firefox').userManifestDir).toBe('/home/anna/.mozilla/native-messaging-hosts');
    // A relative XDG value is invalid per the spec and ignored.
    expect(byVariant({ ...linux, env: { XDG_CONFIG_HOME: 'rel' } }, 'chromium').userManifestDir).toBe(
      '/home/anna/.config/chromium/NativeMessagingHosts',
    );
  });

  it('has the documented all-users folders', () => {
    expect(byVariant(linux, 'chrome').systemManifestDirs).toEqual(['/etc/opt/chrome/native-messaging-hosts']);
    expect(byVariant(linux, 'chrome-beta').systemManifestDirs).toEqual(['/etc/opt/chrome/native-messaging-hosts']);
    expect(byVariant(linux, 'chromium').systemManifestDirs).toEqual(['/etc/chromium/native-messaging-hosts']);
    expect(byVariant(linux, 'edge').systemManifestDirs).toEqual(['/etc/opt/edge/native-messaging-hosts']);
    expect(byVariant(linux, 'firefox').systemManifestDirs).toEqual([
      '/usr/lib/mozilla/native-messaging-hosts',
      '/usr/lib64/mozilla/native-messaging-hosts',
    ]);
  });

  it('finds Firefox by its profile folder, including Snap and Flatpak ones', () => {
    const ff = byVariant(linux, 'firefox');
    expect(ff.family).toBe('firefox');
    expect(ff.profileDirs).toContain('/home/anna/.mozilla/firefox');
    expect(ff.profileDirs).toContain('/home/anna/snap/firefox/common/.mozilla/firefox');
    expect(ff.profileDirs).toContain('/home/anna/.var/app/org.mozilla.firefox/.mozilla/firefox');
    expect(manifestPaths(linux, ff, 'user')).toEqual(['/home/anna/.mozilla/native-messaging-hosts/org.tokensign.host.json']);
  });

  it('installs under XDG_DATA_HOME or ~/.local/share, system under /opt', () => {
    expect(installDirectory(linux, 'user')).toBe('/home/anna/.local/share/tokensign');
    expect(installDirectory({ ...linux, env: { XDG_DATA_HOME: '/data/share' } }, 'user')).toBe('/data/share/tokensign');
    expect(installDirectory(linux, 'system')).toBe('/opt/tokensign');
    expect(launcherFileName('linux')).toBe('tokensign-host');
    expect(registryPath(byVariant(linux, 'chrome'), 'user')).toBeNull();
  });

  it('lists Flatpak and Snap builds to explain', () => {
    const s = sandboxedBrowsers(linux);
    expect(s.find((x) => x.variant === 'org.mozilla.firefox')?.dataDir).toBe('/home/anna/.var/app/org.mozilla.firefox');
    expect(s.find((x) => x.variant === 'snap:chromium')?.dataDir).toBe('/home/anna/snap/chromium');
    expect(s.filter((x) => x.family === 'firefox').map((x) => x.kind).sort()).toEqual(['flatpak', 'snap']);
    expect(sandboxedBrowsers(mac)).toEqual([]);
  });
});

describe('macOS locations', () => {
  it('puts user manifests under ~/Library/Application Support', () => {
    expect(byVariant(mac, 'chrome').userManifestDir).toBe('/Users/anna/Library/Application Support/Google/Chrome/NativeMessagingHosts');
    expect(byVariant(mac, 'chrome-beta').userManifestDir).toBe('/Users/anna/Library/Application Support/Google/Chrome Beta/NativeMessagingHosts');
    expect(byVariant(mac, 'chromium').userManifestDir).toBe('/Users/anna/Library/Application Support/Chromium/NativeMessagingHosts');
    expect(byVariant(mac, 'edge').userManifestDir).toBe('/Users/anna/Library/Application Support/Microsoft Edge/NativeMessagingHosts');
    expect(byVariant(mac, 'brave').userManifestDir).toBe(
      '/Users/anna/Library/Application Support/BraveSoftware/Brave-Browser/NativeMessagingHosts',
    );
    expect(byVariant(mac, 'yandex').userManifestDir).toBe('/Users/anna/Library/Application Support/Yandex/YandexBrowser/NativeMessagingHosts');
    expect(byVariant(mac, 'firefox').userManifestDir).toBe('/Users/anna/Library/Application Support/Mozilla/NativeMessagingHosts');
    expect(byVariant(mac, 'firefox').profileDirs).toEqual(['/Users/anna/Library/Application Support/Firefox']);
  });

  it('has the documented all-users folders', () => {
    expect(byVariant(mac, 'chrome').systemManifestDirs).toEqual(['/Library/Google/Chrome/NativeMessagingHosts']);
    expect(byVariant(mac, 'chromium').systemManifestDirs).toEqual(['/Library/Application Support/Chromium/NativeMessagingHosts']);
    expect(byVariant(mac, 'edge').systemManifestDirs).toEqual(['/Library/Microsoft/Edge/NativeMessagingHosts']);
    expect(byVariant(mac, 'firefox').systemManifestDirs).toEqual(['/Library/Application Support/Mozilla/NativeMessagingHosts']);
  });

  it('installs in Application Support', () => {
    expect(installDirectory(mac, 'user')).toBe('/Users/anna/Library/Application Support/Tokensign');
    expect(manifestPaths(mac, byVariant(mac, 'edge'), 'system')).toEqual(['/Library/Microsoft/Edge/NativeMessagingHosts/org.tokensign.host.json']);
  });
});

describe('Windows locations', () => {
  it('uses registry keys, not folders', () => {
    for (const b of browserLocations(win)) {
      expect(b.userManifestDir).toBeNull();
      expect(b.systemManifestDirs).toEqual([]);
      expect(b.registryKey).toMatch(/\\NativeMessagingHosts\\org\.tokensign\.host$/);
    }
  });

  it('names the vendor keys under HKCU and HKLM', () => {
    expect(registryPath(byVariant(win, 'chrome'), 'user')).toBe('HKCU\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.tokensign.host');
    expect(registryPath(byVariant(win, 'chrome'), 'system')).toBe('HKLM\\Software\\Google\\Chrome\\NativeMessagingHosts\\org.tokensign.host');
    expect(registryPath(byVariant(win, 'chromium'), 'user')).toBe('HKCU\\Software\\Chromium\\NativeMessagingHosts\\org.tokensign.host');
    expect(registryPath(byVariant(win, 'edge'), 'user')).toBe('HKCU\\Software\\Microsoft\\Edge\\NativeMessagingHosts\\org.tokensign.host');
    expect(registryPath(byVariant(win, 'firefox'), 'system')).toBe('HKLM\\Software\\Mozilla\\NativeMessagingHosts\\org.tokensign.host');
    expect(registryPath(byVariant(win, 'yandex'), 'user')).toBe(
      'HKCU\\Software\\Yandex\\YandexBrowser\\NativeMessagingHosts\\org.tokensign.host',
    );
    // Brave, Vivaldi and Opera read Chrome's key.
    expect(registryPath(byVariant(win, 'brave'), 'user')).toBe(registryPath(byVariant(win, 'chrome'), 'user'));
  });

  it('detects browsers by their profile folders in AppData', () => {
    expect(byVariant(win, 'chrome').profileDirs).toEqual(['C:\\Users\\anna\\AppData\\Local\\Google\\Chrome\\User Data']);
    expect(byVariant(win, 'edge').profileDirs).toEqual(['C:\\Users\\anna\\AppData\\Local\\Microsoft\\Edge\\User Data']);
    expect(byVariant(win, 'opera').profileDirs).toEqual(['C:\\Users\\anna\\AppData\\Roaming\\Opera Software\\Opera Stable']);
    expect(byVariant(win, 'firefox').profileDirs).toEqual(['C:\\Users\\anna\\AppData\\Roaming\\Mozilla\\Firefox']);
    // Without LOCALAPPDATA the default under the profile is used.
    const bare: Environment = { platform: 'win32', home: 'C:\\Users\\bob', env: {} };
    expect(byVariant(bare, 'chromium').profileDirs).toEqual(['C:\\Users\\bob\\AppData\\Local\\Chromium\\User Data']);
  });

  it('keeps manifests and a .bat launcher in the install folder', () => {
    expect(installDirectory(win, 'user')).toBe('C:\\Users\\anna\\AppData\\Local\\Tokensign');
    expect(installDirectory(win, 'system')).toBe('C:\\Program Files\\Tokensign');
    expect(launcherFileName('win32')).toBe('tokensign-host.bat');
    expect(manifestPaths(win, byVariant(win, 'firefox'), 'user')).toEqual([
      'C:\\Users\\anna\\AppData\\Local\\Tokensign\\manifests\\org.tokensign.host.firefox.json',
    ]);
    expect(manifestPaths(win, byVariant(win, 'edge'), 'user')).toEqual([
      'C:\\Users\\anna\\AppData\\Local\\Tokensign\\manifests\\org.tokensign.host.chromium.json',
    ]);
  });
});
