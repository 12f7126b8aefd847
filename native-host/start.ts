// What the host executable does with its arguments: the command-line tool for its own words, else the
// native messaging host (a browser passes an origin, a manifest path, or nothing at all). Shared by the
// script bundle (main.ts) and the single executable (sea-main.ts).
import { runHost } from './host';

const CLI_WORDS = new Set(['install', 'uninstall', 'doctor', 'version', '--help', '-h']);

export async function start(args: string[]): Promise<void> {
  const word = args[0];
  if (word !== undefined && CLI_WORDS.has(word)) {
    const { runCli } = await import('./cli/index');
    process.exitCode = await runCli(args);
    return;
  }
  await runHost();
  process.exitCode = 0;
  // A module thread or handle must not keep the host alive once stdin has ended; unref'd, so a
  // clean exit is not delayed.
  setTimeout(() => process.exit(0), 3000).unref();
}
