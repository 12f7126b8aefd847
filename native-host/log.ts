// Structured log lines on stderr (stdout carries frames only). Never pass a PIN or request params here.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.TOKENSIGN_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;

/**
 * Debug and info lines wait this long and leave in one write: a write per request woke the reader
 * of stderr on every reply and cost about as much as the request's own work besides the token.
 */
export const LOG_FLUSH_MS = 100;
/** Waiting lines are written at once past this size, so a burst never holds much in memory. */
const MAX_PENDING_CHARS = 64 * 1024;

let pending = '';
let flushTimer: NodeJS.Timeout | undefined;
let exitHookInstalled = false;

function writeStderr(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // A closed stderr must not take the host down.
  }
}

/** Writes the lines still waiting (also run at exit, and before any warning or error). */
export function flushLog(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending === '') return;
  const text = pending;
  pending = '';
  writeStderr(text);
}

export function log(level: LogLevel, source: string, event: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS[level] < threshold) return;
  const line = `${JSON.stringify({ time: new Date().toISOString(), level, source, event, ...fields })}\n`;
  if (LEVELS[level] >= LEVELS.warn) {
    // Warnings and errors go out at once, after the lines logged before them.
    const text = pending + line;
    pending = '';
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    writeStderr(text);
    return;
  }
  pending += line;
  if (pending.length > MAX_PENDING_CHARS) {
    flushLog();
    return;
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // stderr on a pipe or file is written synchronously, so lines still waiting at exit are not lost.
    process.on('exit', flushLog);
  }
  if (!flushTimer) {
    flushTimer = setTimeout(flushLog, LOG_FLUSH_MS);
    flushTimer.unref();
  }
}
