// The built extensions: addons-linter (web-ext lint) passes on the Firefox build, and both
// manifests keep the promises others rely on (pinned key, IIFE content script, no exposed resources).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROME_EXTENSION_KEY } from '../../shared/extension-id';
import { FIREFOX_EXTENSION_ID, HOST_NAME } from '../../shared/protocol';
import { CHROME_EXTENSION_DIR, FIREFOX_EXTENSION_DIR } from '../helpers/browser';
import { webExtLint } from '../helpers/web-ext-lint';

function manifest(dir: string): Record<string, unknown> {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('built extension', () => {
  it('passes web-ext lint on dist/firefox', async () => {
    manifest(FIREFOX_EXTENSION_DIR);
    expect(await webExtLint(FIREFOX_EXTENSION_DIR)).toEqual({ errors: [], warnings: [] });
  }, 120_000);

  it('Firefox manifest: gecko id, background scripts, MV3', () => {
    const m = manifest(FIREFOX_EXTENSION_DIR);
    expect(m.manifest_version).toBe(3);
    expect((m.browser_specific_settings as { gecko: { id: string } }).gecko.id).toBe(FIREFOX_EXTENSION_ID);
    expect(m.background).toHaveProperty('scripts');
    expect(m.background).not.toHaveProperty('service_worker');
    expect(m.permissions).toContain('nativeMessaging');
  });

  it('Chromium manifest: pinned key, service worker, strict CSP, no web-accessible resources', () => {
    const m = manifest(CHROME_EXTENSION_DIR);
    expect(m.key).toBe(CHROME_EXTENSION_KEY);
    expect(m.background).toHaveProperty('service_worker');
    expect(m.web_accessible_resources ?? []).toEqual([]);
    const csp = (m.content_security_policy as { extension_pages: string }).extension_pages;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    // nativeMessaging for the host; storage and scripting for the IFCPlugin adapter's user-added portals.
    expect((m.permissions as string[]).filter((p) => !['nativeMessaging', 'storage', 'scripting'].includes(p))).toEqual([]);
    expect(m.permissions).toContain('nativeMessaging');
    expect(m.host_permissions ?? []).toEqual([]);
    expect(HOST_NAME).toBe('org.tokensign.host');
  });

  it('content scripts are standalone IIFEs; the Tokensign bridge runs on https and loopback pages only', () => {
    for (const dir of [CHROME_EXTENSION_DIR, FIREFOX_EXTENSION_DIR]) {
      const scripts = manifest(dir).content_scripts as { js: string[]; matches: string[] }[];
      const bridge = scripts.filter((s) => s.js.includes('content/index.js'));
      expect(bridge).toHaveLength(1);
      expect(bridge[0]!.matches.sort()).toEqual(['http://127.0.0.1/*', 'http://[::1]/*', 'http://localhost/*', 'https://*/*']);
      for (const entry of scripts) {
        expect(entry.js).toHaveLength(1);
        const code = readFileSync(join(dir, entry.js[0]!), 'utf8');
        expect(code.trimStart().startsWith('(function'), entry.js[0]).toBe(true);
        expect(code).not.toMatch(/^\s*import[\s{*'"]/m);
        expect(code).not.toMatch(/\bimport\(/);
      }
    }
  });

  it('ships English and Russian messages', () => {
    for (const dir of [CHROME_EXTENSION_DIR, FIREFOX_EXTENSION_DIR]) {
      expect(readdirSync(join(dir, '_locales')).sort()).toEqual(['en', 'ru']);
      expect(manifest(dir).default_locale).toBe('en');
    }
  });
});
