// Command-line tool: install, uninstall, doctor, version, --help (PROTOCOL.md §5).
// Placeholder until the installer lands; the host entry point dispatches here.
export const CLI_COMMANDS = ['install', 'uninstall', 'doctor', 'version', '--help', '-h'] as const;

export async function runCli(args: string[]): Promise<number> {
  console.error(`tokensign-host: '${args[0] ?? ''}' is not implemented yet`);
  return 2;
}
