// Command-line tool: install, uninstall, doctor, version, --help (docs/PROTOCOL.md §5).
// native-host/main.ts sends these words here; everything else is host mode.
import { parseDoctorArgs, parseInstallArgs, parseUninstallArgs, UsageError } from './args';
import { defaultContext, type CliContext } from './context';
import { runDoctor } from './doctor';
import { detectLanguage, tr } from './i18n';
import { runInstall, runUninstall } from './install';
import { HOST_VERSION } from '../version';

export const CLI_COMMANDS = ['install', 'uninstall', 'doctor', 'version', '--help', '-h'] as const;

export const USAGE = `Tokensign host ${HOST_VERSION}: native messaging host for the Tokensign extension, and its installer.

Usage:
  tokensign-host install [--browsers all|chrome,chromium,edge,brave,vivaldi,opera,yandex,firefox]
                         [--system] [--extension-id ID]...
      Copy the host to a stable folder, write a launcher that uses this node, and register the
      host with each browser (by default every browser whose profile folder exists).
      --system installs for all users (needs root / an elevated prompt).
      --extension-id also allows a Chromium extension with another id (repeatable).
  tokensign-host uninstall [--system]
      Remove exactly what install wrote.
  tokensign-host doctor [--json]
      Check node, the launcher, each browser's manifest, PKCS#11 modules, tokens and
      certificates; explain each problem and how to fix it. Exit status 0 only if all is well.
  tokensign-host version
      Print the host version.
  tokensign-host --help
      This text.
Any other invocation (as browsers do) runs the host itself.

Использование:
  tokensign-host install [--browsers all|chrome,chromium,edge,brave,vivaldi,opera,yandex,firefox]
                         [--system] [--extension-id ID]...
      Скопировать хост в постоянную папку, записать программу запуска с этим node и
      зарегистрировать хост в каждом браузере (по умолчанию — во всех, чья папка профиля есть).
      --system — установка для всех пользователей (нужны права root / администратора).
      --extension-id — разрешить также расширение Chromium с другим id (можно несколько раз).
  tokensign-host uninstall [--system]
      Удалить ровно то, что записал install.
  tokensign-host doctor [--json]
      Проверить node, программу запуска, манифест каждого браузера, модули PKCS#11, токены
      и сертификаты; объяснить каждую проблему и как её исправить. Код выхода 0 — всё в порядке.
  tokensign-host version
      Показать версию хоста.
  tokensign-host --help
      Эта справка.
Любой другой запуск (так делают браузеры) запускает сам хост.
`;

export async function runCli(args: string[], overrides: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = { ...defaultContext(), ...overrides };
  const [command, ...rest] = args;
  try {
    switch (command) {
      case 'install':
        return runInstall(ctx, parseInstallArgs(rest));
      case 'uninstall':
        return runUninstall(ctx, parseUninstallArgs(rest));
      case 'doctor':
        return await runDoctor(ctx, parseDoctorArgs(rest));
      case 'version':
        if (rest.length > 0) throw new UsageError(`version takes no options`);
        ctx.out(HOST_VERSION);
        return 0;
      case '--help':
      case '-h':
      case 'help':
        ctx.out(USAGE);
        return 0;
      default:
        ctx.err(`tokensign-host: unknown command '${command ?? ''}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const lang = detectLanguage(ctx.env);
      ctx.err(
        `tokensign-host ${command ?? ''}: ${error.message}\n${tr(lang, { en: 'See: tokensign-host --help', ru: 'Справка: tokensign-host --help' })}`,
      );
      return 2;
    }
    ctx.err(`tokensign-host ${command ?? ''}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
