// Structured log lines on stderr (stdout carries frames only). Never pass a PIN or request params here.
// Fields of debug and info lines are formatted when written (within LOG_FLUSH_MS): pass fresh values.
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const threshold = LEVELS[(process.env.TOKENSIGN_LOG_LEVEL as LogLevel | undefined) ?? 'info'] ?? LEVELS.info;

/**
 * Debug and info lines wait this long and leave in one write: a write per request woke the reader
 * of stderr on every reply and cost about as much as the request's own work besides the token.
 */
export const LOG_FLUSH_MS = 100;
/** Waiting lines are written at once past this count, so a burst never holds much in memory. */
const MAX_PENDING_LINES = 256;

/** A debug or info line not yet written: formatted when written, so a request's reply never waits on it. */
interface PendingLine {
  time: number;
  level: LogLevel;
  source: string;
  event: string;
  fields: Record<string, unknown>;
}

let pending: PendingLine[] = [];
let flushTimer: NodeJS.Timeout | undefined;
/** Debug and info lines are not written before this time (epoch ms; see holdLinesUntilLater). */
let heldUntil = 0;

/**
 * Debug and info lines logged in the next `ms` are written when it has passed (warnings and errors
 * still go at once, with the lines before them). A host a browser has just started calls it: its
 * first write to stderr creates process.stderr, on a pipe or socket a net.Socket whose creation loads
 * Node's stream stack (6-8 ms of a fresh Node 24), and the browser is waiting on the host's first
 * replies then, with its own window opening on the same cores.
 */
export function holdLinesFor(ms: number): void {
  heldUntil = Date.now() + ms;
}
let exitHookInstalled = false;

function format(time: number, level: LogLevel, source: string, event: string, fields: Record<string, unknown>): string {
  return `${JSON.stringify({ time: new Date(time).toISOString(), level, source, event, ...fields })}\n`;
}

function takePending(): string {
  let text = '';
  for (const line of pending) text += format(line.time, line.level, line.source, line.event, line.fields);
  pending = [];
  return text;
}

/** False once stderr failed (nobody reads it any more): later lines are dropped. */
let stderrOpen = true;
let stderrWatched = false;

function writeStderr(text: string): void {
  if (!stderrOpen) return;
  const stderr = process.stderr;
  if (!stderrWatched) {
    stderrWatched = true;
    // A write into a stderr nobody reads fails later, as an 'error' event. Unheard, it would be an
    // uncaught exception, whose log line fails again: the host spun on that and never saw stdin end.
    stderr.on('error', () => {
      stderrOpen = false;
    });
  }
  try {
    stderr.write(text);
  } catch {
    // A closed stderr must not take the host down.
    stderrOpen = false;
  }
}

/** Writes the lines still waiting (also run at exit, and before any warning or error). */
export function flushLog(): void {
  if (flushTimer) clearTimeout(flushTimer);
  flushTimer = undefined;
  if (pending.length === 0) return;
  writeStderr(takePending());
}

export function log(level: LogLevel, source: string, event: string, fields: Record<string, unknown> = {}): void {
  if (LEVELS[level] < threshold) return;
  const time = Date.now();
  if (LEVELS[level] >= LEVELS.warn) {
    // Warnings and errors go out at once, after the lines logged before them.
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    writeStderr(takePending() + format(time, level, source, event, fields));
    return;
  }
  pending.push({ time, level, source, event, fields });
  if (pending.length >= MAX_PENDING_LINES) {
    flushLog();
    return;
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // stderr on a pipe or file is written synchronously, so lines still waiting at exit are not lost.
    process.on('exit', flushLog);
  }
  if (!flushTimer) {
    flushTimer = setTimeout(flushLog, Math.max(LOG_FLUSH_MS, heldUntil - time));
    flushTimer.unref();
  }
}
