// Log lines: every line reaches stderr, in order; info lines are grouped into fewer writes.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { flushLog, log, LOG_FLUSH_MS } from './log';

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

  it('does not hold a burst: past 64 KiB of waiting lines they are written at once', () => {
    const filler = 'f'.repeat(1000);
    for (let i = 0; i < 70; i++) log('info', 'host', 'burst', { filler });
    // No timer ran: the write came from the size limit, holding the lines logged up to it.
    expect(write).toHaveBeenCalledTimes(1);
    expect(events().length).toBeGreaterThan(50);
    expect(events().length).toBeLessThan(70);
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
