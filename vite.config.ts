// Builds the extension for one browser: TOKENSIGN_TARGET=chrome|firefox → dist/chrome or dist/firefox.
import { defineConfig, type Plugin } from 'vite';
import { build as esbuild } from 'esbuild';
import { crx } from '@crxjs/vite-plugin';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, type BrowserTarget } from './extension/manifest';
import { publicSuffixList } from './scripts/public-suffix-list';

const root = dirname(fileURLToPath(import.meta.url));
const target: BrowserTarget = process.env.TOKENSIGN_TARGET === 'firefox' ? 'firefox' : 'chrome';
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

/**
 * The picker window's script as one self-contained file (picker/picker.js), not a module importing
 * chunks shared with the background, and on the browser's own API object rather than
 * webextension-polyfill (extension/picker/native-api.ts): the window is on screen sooner (bench
 * "window wait": every chunk is one more fetch before the first frame, and the polyfill was 32 of 72 KB).
 */
function pickerAsOneScript(): Plugin {
  return {
    name: 'tokensign-picker-one-script',
    apply: 'build',
    async generateBundle() {
      const result = await esbuild({
        entryPoints: [resolve(root, 'extension/picker/main.ts')],
        bundle: true,
        write: false,
        format: 'iife',
        target: target === 'firefox' ? 'firefox128' : 'chrome116',
        define: { __TOKENSIGN_VERSION__: JSON.stringify(version) },
        alias: { 'webextension-polyfill': resolve(root, 'extension/picker/native-api.ts') },
        legalComments: 'none',
        logLevel: 'warning',
      });
      this.emitFile({ type: 'asset', fileName: 'picker/picker.js', source: result.outputFiles[0]!.text });
    },
  };
}

export default defineConfig({
  root: resolve(root, 'extension'),
  publicDir: false,
  define: { __TOKENSIGN_VERSION__: JSON.stringify(version) },
  build: {
    outDir: resolve(root, 'dist', target),
    emptyOutDir: true,
    target: target === 'firefox' ? 'firefox128' : 'chrome116',
    minify: false,
    sourcemap: false,
    modulePreload: false,
    rollupOptions: {
      // The picker window is opened by the background, so the manifest does not name it.
      input: { picker: resolve(root, 'extension/picker/index.html') },
    },
  },
  plugins: [
    publicSuffixList(),
    pickerAsOneScript(),
    crx({
      manifest: buildManifest(target, version) as never,
      browser: target,
      liveReload: false,
      contentScripts: { standaloneFiles: ['content/index.ts', 'ifc/content.ts', 'cades/content.ts', 'cades/page.ts'] },
    }),
  ],
});
