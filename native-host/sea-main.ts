// The packaged host's script, a Node single executable application (docs/PACKAGING.md): the asset
// `host`, run by sea-loader.ts; a CommonJS bundle, so no top-level await. Node sets argv[1] to the
// executable, as it would the script.
import { start } from './start';

start(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`tokensign-host: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
