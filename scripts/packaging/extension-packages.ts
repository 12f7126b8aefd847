// The extension as people and organizations install it: tokensign-<v>-chrome.zip (Chrome Web Store, Edge
// Add-ons), tokensign-<v>.xpi (addons.mozilla.org) and tokensign-<v>.crx with updates.xml (force-installed
// by policy). The .crx is signed with TOKENSIGN_CRX_KEY, or a throwaway key made for this build.
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Crx3 = (files: string[], options: { keyPath: string; crxPath: string }) => Promise<unknown>;

/** A Chromium extension id: the first 128 bits of SHA-256(public key DER), hex digits written a-p. */
export function extensionIdOf(privateKeyPem: string): string {
  const der = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  return [...createHash('sha256').update(der).digest('hex').slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

export interface CrxKey {
  path: string;
  id: string;
  throwaway: boolean;
}

/** TOKENSIGN_CRX_KEY (a PEM path), or a throwaway RSA key in `workDir`; never kept in the repository. */
export function crxKey(workDir: string, env: NodeJS.ProcessEnv = process.env): CrxKey {
  const given = env.TOKENSIGN_CRX_KEY;
  if (given !== undefined && given !== '') {
    if (!existsSync(given)) throw new Error(`TOKENSIGN_CRX_KEY names ${given}, which does not exist`);
    return { path: given, id: extensionIdOf(readFileSync(given, 'utf8')), throwaway: false };
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const path = join(workDir, 'throwaway-crx-key.pem');
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { path, id: extensionIdOf(readFileSync(path, 'utf8')), throwaway: true };
}

/** The update manifest Chromium fetches for a force-installed extension (ExtensionInstallForcelist). */
export function updatesXml(id: string, version: string, codebase: string): string {
  return [
    "<?xml version='1.0' encoding='UTF-8'?>",
    "<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>",
    `  <app appid='${id}'>`,
    `    <updatecheck codebase='${codebase}' version='${version}' />`,
    '  </app>',
    '</gupdate>',
    '',
  ].join('\n');
}

/** A zip with the folder's files at its root, without extra attributes. */
function zipFolder(folder: string, out: string): void {
  rmSync(out, { force: true });
  execFileSync('zip', ['-q', '-X', '-r', '-9', out, '.'], { cwd: folder });
}

/** dist/chrome without the development `key`: a store or the signing key gives the id (docs/RELEASING.md). */
function releaseCopy(distChrome: string, work: string): string {
  const dir = join(work, 'chrome');
  cpSync(distChrome, dir, { recursive: true });
  const manifestPath = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  delete manifest.key;
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return dir;
}

export interface ExtensionPackages {
  crxId: string;
  throwawayKey: boolean;
  files: string[];
}

/** `updateBase`: the address the .crx will be served from (TOKENSIGN_UPDATE_BASE), named in updates.xml. */
export async function buildExtensionPackages(root: string, outDir: string, version: string, updateBase: string): Promise<ExtensionPackages> {
  const work = mkdtempSync(join(tmpdir(), 'tokensign-extension-packages-'));
  try {
    const key = crxKey(work);
    const chrome = releaseCopy(join(root, 'dist', 'chrome'), work);
    const zip = join(outDir, `tokensign-${version}-chrome.zip`);
    zipFolder(chrome, zip);
    const xpi = join(outDir, `tokensign-${version}.xpi`);
    zipFolder(join(root, 'dist', 'firefox'), xpi);
    const crx = join(outDir, `tokensign-${version}.crx`);
    const crx3 = createRequire(import.meta.url)('crx3') as Crx3;
    await crx3([chrome], { keyPath: key.path, crxPath: crx });
    const updates = join(outDir, 'updates.xml');
    writeFileSync(updates, updatesXml(key.id, version, `${updateBase}/tokensign-${version}.crx`));
    return { crxId: key.id, throwawayKey: key.throwaway, files: [zip, xpi, crx, updates] };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
