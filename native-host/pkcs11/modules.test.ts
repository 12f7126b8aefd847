// Module selection (§2): env names exactly the modules, else config file then known vendor paths.
import { describe, expect, it } from 'vitest';
import { configFilePath, KNOWN_MODULES, parseConfig, probeKnownModules, resolveModulePaths } from './modules';

const fsWith = (files: Record<string, string>) => ({
  exists: (p: string) => p in files,
  readFile: (p: string) => {
    const text = files[p];
    if (text === undefined) throw new Error(`ENOENT ${p}`);
    return text;
  },
});

describe('resolveModulePaths', () => {
  it('uses TOKENSIGN_PKCS11_MODULES alone when set (platform delimiter), ignoring config and probes', () => {
    const fs = fsWith({ '/home/u/.config/tokensign/config.json': '{"modules":["/cfg.so"]}', '/usr/lib/softhsm/libsofthsm2.so': '' });
    const r = resolveModulePaths({ env: { TOKENSIGN_PKCS11_MODULES: '/a.so:/b.so::/a.so' }, platform: 'linux', home: '/home/u', ...fs });
    expect(r).toEqual({ source: 'env', paths: ['/a.so', '/b.so'] });
    const w = resolveModulePaths({ env: { TOKENSIGN_PKCS11_MODULES: 'C:\\x\\a.dll;C:\\y\\b.dll' }, platform: 'win32', home: 'C:\\Users\\u', ...fs });
    expect(w.paths).toEqual(['C:\\x\\a.dll', 'C:\\y\\b.dll']);
  });

  it('reads the per-user config, then adds the known vendor modules found', () => {
    const fs = fsWith({
      '/xdg/tokensign/config.json': '{"modules":["/opt/vendor/libv.so"]}',
      '/usr/lib/x86_64-linux-gnu/librtpkcs11ecp.so': '',
      '/usr/lib/softhsm/libsofthsm2.so': '',
    });
    const r = resolveModulePaths({ env: { XDG_CONFIG_HOME: '/xdg' }, platform: 'linux', home: '/home/u', ...fs });
    expect(r.source).toBe('config');
    expect(r.configFile).toBe('/xdg/tokensign/config.json');
    expect(r.paths[0]).toBe('/opt/vendor/libv.so');
    expect(r.paths).toContain('/usr/lib/softhsm/libsofthsm2.so');
    if (process.arch === 'x64') expect(r.paths).toContain('/usr/lib/x86_64-linux-gnu/librtpkcs11ecp.so');
  });

  it('can turn probing off from the config', () => {
    const fs = fsWith({ '/home/u/.config/tokensign/config.json': '{"modules":["/m.so"],"probeKnownModules":false}', '/usr/lib/softhsm/libsofthsm2.so': '' });
    expect(resolveModulePaths({ env: {}, platform: 'linux', home: '/home/u', ...fs }).paths).toEqual(['/m.so']);
  });

  it('reports a broken config and still probes', () => {
    const fs = fsWith({ '/home/u/.config/tokensign/config.json': '{"modules": "oops"}', '/usr/lib/softhsm/libsofthsm2.so': '' });
    const r = resolveModulePaths({ env: {}, platform: 'linux', home: '/home/u', ...fs });
    expect(r.configError).toMatch(/modules/);
    expect(r.paths).toEqual(['/usr/lib/softhsm/libsofthsm2.so']);
    const bad = resolveModulePaths({ env: {}, platform: 'linux', home: '/home/u', ...fsWith({ '/home/u/.config/tokensign/config.json': '{' }) });
    expect(bad.configError).toBeTruthy();
    expect(bad.paths).toEqual([]);
  });

  it('knows the config file per platform', () => {
    expect(configFilePath({ env: {}, platform: 'linux', home: '/home/u' })).toBe('/home/u/.config/tokensign/config.json');
    expect(configFilePath({ env: {}, platform: 'darwin', home: '/Users/u' })).toBe('/Users/u/Library/Application Support/Tokensign/config.json');
    expect(configFilePath({ env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, platform: 'win32', home: 'C:\\Users\\u' })).toMatch(/Roaming[\\/]Tokensign[\\/]config\.json$/);
  });
});

describe('known modules', () => {
  it('cover the vendors of §2 on every platform', () => {
    const files = KNOWN_MODULES.flatMap((m) => [...(m.paths.linux ?? []), ...(m.paths.darwin ?? []), ...(m.paths.win32 ?? [])]).join(' ');
    for (const name of ['rtpkcs11ecp', 'jcPKCS11-2', 'isbc_pkcs11_main', 'eTPkcs11', 'opensc-pkcs11', 'ykcs11', 'softhsm2', 'cppkcs11']) {
      expect(files.toLowerCase()).toContain(name.toLowerCase());
    }
    for (const m of KNOWN_MODULES) for (const p of ['linux', 'darwin', 'win32'] as const) expect(m.paths[p]?.length, `${m.vendor} ${p}`).toBeGreaterThan(0);
  });

  it('probes one path per vendor, and finds the real SoftHSM here', () => {
    const found = probeKnownModules({ platform: 'linux', exists: () => true });
    expect(found).toHaveLength(KNOWN_MODULES.length);
    expect(probeKnownModules({ platform: 'linux' })).toContain('/usr/lib/softhsm/libsofthsm2.so');
  });

  it('parses the config shape strictly', () => {
    expect(parseConfig({ modules: [' /a.so '] })).toEqual({ modules: ['/a.so'], probeKnownModules: true });
    expect(() => parseConfig([])).toThrow();
    expect(() => parseConfig({ modules: [1] })).toThrow(/modules/);
    expect(() => parseConfig({ probeKnownModules: 'no' })).toThrow(/probeKnownModules/);
  });
});
