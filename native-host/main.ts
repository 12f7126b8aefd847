// Entry of dist/native-host/host.mjs (run by node): see start.ts.
import { start } from './start';

await start(process.argv.slice(2));
