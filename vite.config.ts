// Builds the extension for one browser: TOKENSIGN_TARGET=chrome|firefox → dist/chrome or dist/firefox.
import { defineConfig } from 'vite';
import { crx } from '@crxjs/vite-plugin';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildManifest, type BrowserTarget } from './extension/manifest';

const root = dirname(fileURLToPath(import.meta.url));
const target: BrowserTarget = process.env.TOKENSIGN_TARGET === 'firefox' ? 'firefox' : 'chrome';
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

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
    crx({
      manifest: buildManifest(target, version) as never,
      browser: target,
      liveReload: false,
      contentScripts: { standaloneFiles: ['content/index.ts', 'ifc/content.ts', 'cades/content.ts', 'cades/page.ts'] },
    }),
  ],
});
