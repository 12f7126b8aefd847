// web-ext lint (addons-linter) on an unpacked Firefox extension, as addons.mozilla.org will run it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from './host-process';

const run = promisify(execFile);

// The only warnings accepted: data_collection_permissions is newer than the ESR 128 minimum we keep.
const ACCEPTED_WARNINGS = new Set(['KEY_FIREFOX_UNSUPPORTED_BY_MIN_VERSION', 'KEY_FIREFOX_ANDROID_UNSUPPORTED_BY_MIN_VERSION']);

export interface LintMessage {
  code: string;
  message: string;
  file?: string;
}
interface LintReport {
  summary: { errors: number; warnings: number; notices: number };
  errors: LintMessage[];
  warnings: LintMessage[];
}

/** The errors and the warnings not accepted above; both empty means clean. */
export async function webExtLint(sourceDir: string): Promise<{ errors: LintMessage[]; warnings: LintMessage[] }> {
  const { stdout } = await run(
    process.execPath,
    [join(PROJECT_ROOT, 'node_modules/web-ext/bin/web-ext.js'), 'lint', '--source-dir', sourceDir, '--output', 'json', '--no-config-discovery'],
    // NO_UPDATE_NOTIFIER: web-ext would otherwise ask the npm registry for a newer version of itself.
    { cwd: PROJECT_ROOT, timeout: 90_000, env: { ...process.env, NO_UPDATE_NOTIFIER: '1' } },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  const report = JSON.parse(stdout) as LintReport;
  return { errors: report.errors, warnings: report.warnings.filter((w) => !ACCEPTED_WARNINGS.has(w.code)) };
}
