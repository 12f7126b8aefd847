// Log lines: every line reaches stderr, in order; info lines are grouped into fewer writes.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { flushLog, holdLinesFor, log, LOG_FLUSH_MS } from './log';

let write: MockInstance<typeof process.stderr.write>;
const written = (): string[] => write.mock.calls.map((c) => String(c[0]));
const events = (): string[] =>
  written()
    .join('')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { event: string }).event);

beforeEach(() => {
  vi.useFakeTimers();
  flushLog();
  write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  holdLinesFor(0);
  flushLog();
  write.mockRestore();
  vi.useRealTimers();
});

describe('log', () => {
  it('writes info lines together once the flush delay has passed', () => {
    log('info', 'host', 'one', { id: 1 });
    log('info', 'host', 'two', { id: 2 });
    expect(write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(write).toHaveBeenCalledTimes(1);
    expect(events()).toEqual(['one', 'two']);
    const first = JSON.parse(written()[0]!.split('\n')[0]!) as Record<string, unknown>;
    expect(first).toMatchObject({ level: 'info', source: 'host', event: 'one', id: 1 });
    expect(typeof first.time).toBe('string');
  });

  it('holds the lines of a start-up until its time has passed, but not a warning', () => {
    holdLinesFor(1000);
    log('info', 'host', 'start');
    vi.advanceTimersByTime(LOG_FLUSH_MS * 5);
    expect(write).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000 - LOG_FLUSH_MS * 5);
    expect(events()).toEqual(['start']);
    holdLinesFor(1000);
    log('info', 'host', 'request');
    log('warn', 'host', 'stdin-error');
    expect(events()).toEqual(['start', 'request', 'stdin-error']);
    // Past the hold, the usual delay.
    vi.advanceTimersByTime(1000);
    log('info', 'host', 'later');
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(events()).toEqual(['start', 'request', 'stdin-error', 'later']);
  });

  it('writes a warning at once, after the lines logged before it', () => {
    log('info', 'host', 'request');
    log('warn', 'pkcs11', 'scan-error', { error: 'x' });
    expect(write).toHaveBeenCalledTimes(1);
    expect(events()).toEqual(['request', 'scan-error']);
    log('error', 'host', 'internal-error');
    expect(events()).toEqual(['request', 'scan-error', 'internal-error']);
    vi.advanceTimersByTime(LOG_FLUSH_MS * 2);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it('flushLog writes what waits, and runs at process exit', () => {
    log('info', 'host', 'exit');
    flushLog();
    expect(events()).toEqual(['exit']);
    flushLog();
    expect(write).toHaveBeenCalledTimes(1);
    expect(process.listeners('exit')).toContain(flushLog);
  });

  it('does not hold a burst: at 256 waiting lines they are written at once', () => {
    for (let i = 0; i < 300; i++) log('info', 'host', 'burst', { i });
    // No timer ran: the write came from the count limit, holding the lines logged up to it.
    expect(write).toHaveBeenCalledTimes(1);
    expect(events()).toHaveLength(256);
    vi.advanceTimersByTime(LOG_FLUSH_MS);
    expect(events()).toHaveLength(300);
  });

  it('stamps a line with the time it was logged, not the time it was written', () => {
    vi.setSystemTime(new Date('2026-11-22T10:00:00.000Z'));
    log('info', 'host', 'request');
    vi.setSystemTime(new Date('2026-11-22T10:00:05.000Z'));
    flushLog();
    expect((JSON.parse(written()[0]!) as { time: string }).time).toBe('2026-11-22T10:00:00.000Z');
  });

  it('keeps going when stderr throws', () => {
    write.mockImplementation(() => {
      throw new Error('EPIPE');
    });
    log('info', 'host', 'x');
    expect(() => flushLog()).not.toThrow();
    expect(() => log('error', 'host', 'y')).not.toThrow();
  });
});
