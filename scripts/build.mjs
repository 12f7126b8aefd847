#!/usr/bin/env node
// npm run build: host bundle, relying-party library and demo, both extension builds, test token.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const only = process.argv.slice(2);
const want = (step) => only.length === 0 || only.includes(step);

// ESM bundles of CommonJS code need a require().
const requireShim = "import { createRequire as __tsCreateRequire } from 'node:module'; const require = __tsCreateRequire(import.meta.url);";

async function buildHost() {
  const out = join(dist, 'native-host');
  rmSync(out, { recursive: true, force: true });
  // Start-up compiles only what hello needs: host.mjs plus one chunk shared with the token parts
  // (native-host/token-parts.ts, loaded on first use). The command-line tool is a bundle of its
  // own (cli.mjs, imported only for its words), so it adds no shared chunks to the host's start.
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['pkcs11js'], legalComments: 'none', logLevel: 'warning' };
  const cliAsOwnBundle = {
    name: 'cli-as-own-bundle',
    setup(b) {
      b.onResolve({ filter: /^\.\/cli\/index$/ }, () => ({ path: './cli.mjs', external: true }));
    },
  };
  await build({
    ...common,
    entryPoints: { host: join(root, 'native-host/main.ts') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    splitting: true,
    plugins: [cliAsOwnBundle],
  });
  await build({ ...common, entryPoints: [join(root, 'native-host/cli/index.ts')], outfile: join(out, 'cli.mjs') });
  const entry = join(out, 'host.mjs');
  writeFileSync(entry, `#!/usr/bin/env node\n${readFileSync(entry, 'utf8')}`);
  chmodSync(entry, 0o755);
  // The native addon sits beside the bundle, so the dist folder (and an installed copy) is self-contained.
  const addon = join(out, 'node_modules', 'pkcs11js');
  mkdirSync(join(addon, 'build', 'Release'), { recursive: true });
  for (const f of ['package.json', 'index.js', 'LICENSE']) cpSync(join(root, 'node_modules/pkcs11js', f), join(addon, f));
  cpSync(join(root, 'node_modules/pkcs11js/build/Release/pkcs11.node'), join(addon, 'build/Release/pkcs11.node'));
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module', private: true }) + '\n');
}

async function buildRelyingParty() {
  const out = join(dist, 'relying-party');
  rmSync(out, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, 'relying-party/index.ts')],
    outfile: join(out, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  if (existsSync(join(root, 'relying-party/demo/main.ts'))) {
    await build({
      entryPoints: [join(root, 'relying-party/demo/main.ts')],
      outfile: join(out, 'demo.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      banner: { js: requireShim },
      logLevel: 'warning',
    });
  }
}

function buildExtension() {
  for (const target of ['chrome', 'firefox']) {
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TOKENSIGN_TARGET: target },
    });
  }
}

function buildTestToken() {
  execFileSync('make', ['-s', '-C', join(root, 'test/testtoken'), `OUT=${join(dist, 'test-token')}`], { stdio: 'inherit' });
}

const steps = [
  ['host', () => existsSync(join(root, 'native-host/main.ts')), buildHost],
  ['relying-party', () => existsSync(join(root, 'relying-party/index.ts')), buildRelyingParty],
  ['extension', () => existsSync(join(root, 'vite.config.ts')), buildExtension],
  ['test-token', () => existsSync(join(root, 'test/testtoken/Makefile')), buildTestToken],
];
for (const [name, present, run] of steps) {
  if (!want(name)) continue;
  if (!present()) {
    console.error(`build: ${name} has no sources yet, skipped`);
    continue;
  }
  await run();
}
