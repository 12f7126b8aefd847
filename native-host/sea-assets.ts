// Parts of the single executable that hello does not need (the command-line tool; token scanning,
// certificates, CMS and signing) are SEA assets, not part of its main script: the executable's start
// then deserializes and runs only the host's own code. scripts/packaging/sea.ts bundles each part as
// CommonJS (`<name>.js`) and writes its V8 code cache (`<name>.cache`) with the same Node; a part is
// compiled from both on its first use. The modules a part shares with the main script (errors, log,
// the loaded PKCS#11 modules...) are the main script's own instances, handed over by name, so state
// and `instanceof` stay one.
// node:sea and node:vm are taken only when a part is loaded, not at start.

/** A part as sea.ts wraps it: a CommonJS body with the main script's modules and file URL passed in. */
type PartFunction = (require: NodeJS.Require, module: { exports: unknown }, hostModules: Record<string, unknown>, url: string) => void;

let hostModules: Record<string, unknown> = {};

/** The main script's modules by source path (e.g. "native-host/log.ts"), for the parts (set by the build's registry). */
export function provideHostModules(modules: Record<string, unknown>): void {
  hostModules = modules;
}

/** Compiles and runs the part `name` once; its exports. */
export function loadPart(name: string, url: string): unknown {
  const { getAsset } = process.getBuiltinModule('node:sea');
  const { Script } = process.getBuiltinModule('node:vm');
  const source = getAsset(`${name}.js`, 'utf8');
  const cachedData = Buffer.from(getAsset(`${name}.cache`));
  const script = new Script(source, { filename: `tokensign-host:${name}.js`, cachedData });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as PartFunction)(require, module, hostModules, url);
  return module.exports;
}
