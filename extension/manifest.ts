// The extension manifest for each browser. Paths are relative to the vite root (extension/).
import { CHROME_EXTENSION_KEY } from '../shared/extension-id';
import { FIREFOX_EXTENSION_ID } from '../shared/protocol';
import { IFC_BUILTIN_MATCHES } from './ifc/origins';
import { CADES_BUILTIN_MATCHES } from './cades/origins';

export type BrowserTarget = 'chrome' | 'firefox';

/** Pages where the content script runs: every https page and the loopback hosts over http. */
export const CONTENT_MATCHES = ['https://*/*', 'http://localhost/*', 'http://127.0.0.1/*', 'http://[::1]/*'];

// Extension pages may run only their own scripts; nothing inline, no plugins, no framing.
const EXTENSION_PAGES_CSP = "script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

export function buildManifest(target: BrowserTarget, version: string): Record<string, unknown> {
  const common = {
    manifest_version: 3,
    name: '__MSG_extensionName__',
    short_name: 'Tokensign',
    description: '__MSG_extensionDescription__',
    version,
    default_locale: 'en',
    // storage + scripting + optional hosts: the portals the user adds for the IFCPlugin adapter (extension/ifc).
    permissions: ['nativeMessaging', 'storage', 'scripting'],
    optional_host_permissions: ['https://*/*'],
    options_ui: { page: 'ifc/options/index.html', open_in_tab: true },
    icons: { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png', 48: 'icons/icon-48.png', 128: 'icons/icon-128.png' },
    action: {
      default_popup: 'popup/index.html',
      default_title: '__MSG_actionTitle__',
      default_icon: { 16: 'icons/icon-16.png', 32: 'icons/icon-32.png' },
    },
    content_scripts: [
      {
        matches: CONTENT_MATCHES,
        js: ['content/index.ts'],
        run_at: 'document_start',
        all_frames: false,
      },
      {
        // IFCPlugin emulation for Gosuslugi: starts asking the host at once, adds its DOM markers with the body.
        matches: IFC_BUILTIN_MATCHES,
        js: ['ifc/content.ts'],
        run_at: 'document_start',
        all_frames: false,
      },
      // CryptoPro CAdES plug-in emulation (extension/cades): the relay, then window.cadesplugin in the page's world.
      { matches: CADES_BUILTIN_MATCHES, js: ['cades/content.ts'], run_at: 'document_start', all_frames: false },
      { matches: CADES_BUILTIN_MATCHES, js: ['cades/page.ts'], run_at: 'document_start', all_frames: false, world: 'MAIN' },
    ],
    content_security_policy: { extension_pages: EXTENSION_PAGES_CSP },
  };
  if (target === 'chrome') {
    return {
      ...common,
      key: CHROME_EXTENSION_KEY,
      minimum_chrome_version: '116',
      background: { service_worker: 'background/index.ts', type: 'module' },
    };
  }
  return {
    ...common,
    background: { scripts: ['background/index.ts'], type: 'module' },
    browser_specific_settings: {
      gecko: {
        id: FIREFOX_EXTENSION_ID,
        strict_min_version: '128.0',
        // Tokensign collects nothing: certificates and signatures go only to the page that asked.
        data_collection_permissions: { required: ['none'] },
      },
    },
  };
}
