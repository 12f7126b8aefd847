// npm run package: everything a person or an organization installs, in dist/packages/ (docs/PACKAGING.md;
// `--out DIR` for another folder). Needs `npm run build` first (dist/chrome, dist/firefox); builds the
// executable, the .deb, the .rpm and the extension packages, and prints one JSON line: each file's size.
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import published from '../../manifests/release-ids.json';
import { buildExtensionPackages } from './extension-packages';
import { buildDeb, buildRpm } from './linux-packages';
import { buildExecutable } from './sea';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGES_DIR = join(root, 'dist', 'packages');

export async function buildPackages(outDir = PACKAGES_DIR): Promise<Record<string, number>> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const updateBase = process.env.TOKENSIGN_UPDATE_BASE ?? 'https://tokensign.org/download';
  const extension = await buildExtensionPackages(root, outDir, version, updateBase);
  if (extension.throwawayKey) {
    console.error(
      `package: TOKENSIGN_CRX_KEY is not set, so the .crx was signed with a throwaway key made for this build (id ${extension.crxId}). ` +
        'Its id changes with every build: fine for tests, not for a release (docs/RELEASING.md).',
    );
  }
  const releaseIds = [...new Set([...published.chrome, extension.crxId, ...(process.env.TOKENSIGN_STORE_IDS ?? '').split(',').filter((id) => id !== '')])];
  const executable = await buildExecutable(root, outDir, releaseIds);
  const addon = join(outDir, 'pkcs11.node');
  const files = [executable, addon, buildDeb(outDir, version, executable, addon, releaseIds), buildRpm(outDir, version, executable, addon, releaseIds), ...extension.files];
  return Object.fromEntries(files.map((f) => [basename(f), statSync(f).size]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv.indexOf('--out');
  const sizes = await buildPackages(out > 0 && process.argv[out + 1] ? resolve(process.argv[out + 1] ?? '') : PACKAGES_DIR);
  console.log(JSON.stringify({ packages: sizes }));
}
