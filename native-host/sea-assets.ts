// The single executable's scripts are SEA assets, each compiled with its own V8 code cache
// (scripts/packaging/sea.ts; docs/PACKAGING.md): `host` (the hello path: what a browser's first
// message needs), and the parts hello does not need, `cli` (install, doctor...) and `token-parts`
// (token scanning, certificates, CMS, signing), compiled on their first use. Each is a CommonJS
// bundle (`<name>.js`) wrapped as a function, with its cache (`<name>.cache`) made by the same Node
// at build time: the host's and the token parts' after a training run that answered a browser's first
// requests (hello, then the listing of a throwaway token), so the functions of that path come
// compiled. The modules a part shares with the host (error classes, protocol, the PKCS#11 module
// loader and its state...) are the host's own instances, handed over by source path, so state and
// `instanceof` stay one.

/** An asset script as sea.ts wraps it: a CommonJS body given require, its module, the host's modules and the executable's file URL. */
export type AssetScript = (require: NodeJS.Require, module: { exports: unknown }, hostModules: Record<string, unknown>, url: string) => void;

let hostModules: Record<string, unknown> = {};

/** The host's modules by source path (e.g. "native-host/log.ts"), for the parts (called by the build's registry). */
export function provideHostModules(modules: Record<string, unknown>): void {
  hostModules = modules;
}

/** Compiles the asset script `name` with its code cache (node:sea and node:vm are taken only then). */
export function compileAsset(name: string): AssetScript {
  const { getRawAsset } = process.getBuiltinModule('node:sea');
  const { Script } = process.getBuiltinModule('node:vm');
  // The bundles are ASCII (esbuild escapes the rest), so latin1 is a plain copy, cheaper than UTF-8 decoding.
  const source = Buffer.from(getRawAsset(`${name}.js`) as ArrayBuffer).toString('latin1');
  const cachedData = Buffer.from(getRawAsset(`${name}.cache`) as ArrayBuffer);
  return new Script(source, { filename: `tokensign-host:${name}.js`, cachedData }).runInThisContext() as AssetScript;
}

/** Runs the part `name` (once: the build's import of it is a module of the host's bundle); its exports. */
export function loadPart(name: string, url: string): unknown {
  const module = { exports: {} as unknown };
  compileAsset(name)(require, module, hostModules, url);
  return module.exports;
}
