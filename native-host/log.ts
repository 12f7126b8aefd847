// Structured log lines on stderr (stdout carries frames only). Never pass a PIN or request params here.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.TOKENSIGN_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;

export function log(level: LogLevel, source: string, event: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS[level] < threshold) return;
  try {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, source, event, ...fields })}\n`);
  } catch {
    // A closed stderr must not take the host down.
  }
}
