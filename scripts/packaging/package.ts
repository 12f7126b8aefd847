// npm run package: everything a person or an organization installs, in dist/packages/ (docs/PACKAGING.md).
// Needs `npm run build` first (dist/chrome, dist/firefox); builds the executable, the .deb, the .rpm and
// the extension packages, and prints one JSON line naming each file with its size.
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import published from '../../manifests/release-ids.json';
import { buildExtensionPackages } from './extension-packages';
import { buildDeb, buildRpm } from './linux-packages';
import { buildExecutable } from './sea';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGES_DIR = join(root, 'dist', 'packages');

export async function buildPackages(): Promise<Record<string, number>> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  rmSync(PACKAGES_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGES_DIR, { recursive: true });
  const updateBase = process.env.TOKENSIGN_UPDATE_BASE ?? 'https://tokensign.org/download';
  const extension = await buildExtensionPackages(root, PACKAGES_DIR, version, updateBase);
  if (extension.throwawayKey) {
    console.error(
      `package: TOKENSIGN_CRX_KEY is not set, so the .crx was signed with a throwaway key made for this build (id ${extension.crxId}). ` +
        'Its id changes with every build: fine for tests, not for a release (docs/RELEASING.md).',
    );
  }
  const releaseIds = [...new Set([...published.chrome, extension.crxId, ...(process.env.TOKENSIGN_STORE_IDS ?? '').split(',').filter((id) => id !== '')])];
  const executable = await buildExecutable(root, PACKAGES_DIR, releaseIds);
  const addon = join(PACKAGES_DIR, 'pkcs11.node');
  const files = [executable, addon, buildDeb(PACKAGES_DIR, version, executable, addon, releaseIds), buildRpm(PACKAGES_DIR, version, executable, addon, releaseIds), ...extension.files];
  return Object.fromEntries(files.map((f) => [f.slice(PACKAGES_DIR.length + 1), statSync(f).size]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const sizes = await buildPackages();
  console.log(JSON.stringify({ packages: sizes }));
}
