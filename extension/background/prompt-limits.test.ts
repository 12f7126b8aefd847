// Issue 14 items 3 and 4, the background's part: a tab whose windows the person keeps dismissing is
// told USER_CANCELLED at once for a while; another site's window queued behind one opens only after
// a pause. Fake timers stand in for the clock: these are rules about order, not speed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokensignError } from '../../shared/protocol';
import { UserCancelledError } from '../../shared/errors';
import { COOLDOWN_MS, DISMISSALS_BEFORE_COOLDOWN, markDismissed, PromptLimiter } from './prompt-limiter';
import { CHAIN_PAUSE_MS, RequestQueue } from './request-queue';

const codeOf = (e: unknown) => (e instanceof TokensignError ? e.code : String(e));

afterEach(() => {
  vi.useRealTimers();
});

describe('PromptLimiter', () => {
  it('after repeated dismissals the tab gets USER_CANCELLED without a window, for a while', async () => {
    let now = 1_000_000;
    const limiter = new PromptLimiter(() => now);
    let windows = 0;
    const dismissed = () => limiter.guard(7, async () => {
      windows++;
      throw markDismissed(new UserCancelledError('The user cancelled'));
    });
    for (let i = 0; i < DISMISSALS_BEFORE_COOLDOWN; i++) await expect(dismissed()).rejects.toSatisfy((e) => codeOf(e) === 'USER_CANCELLED');
    expect(windows).toBe(DISMISSALS_BEFORE_COOLDOWN);
    await expect(dismissed()).rejects.toSatisfy((e) => codeOf(e) === 'USER_CANCELLED');
    expect(windows).toBe(DISMISSALS_BEFORE_COOLDOWN);
    // Other tabs are not affected; the tab itself gets windows again after the cool-down.
    await expect(limiter.guard(8, async () => 'signed')).resolves.toBe('signed');
    now += COOLDOWN_MS;
    await expect(limiter.guard(7, async () => 'signed')).resolves.toBe('signed');
  });

  it('says when it holds a tab, so that closed tabs are listened for only then', async () => {
    const told: boolean[] = [];
    const limiter = new PromptLimiter(() => 0, (held) => told.push(held));
    await expect(limiter.guard(3, async () => 'signed')).resolves.toBe('signed');
    expect(told.at(-1)).toBe(false);
    await expect(limiter.guard(3, async () => Promise.reject(markDismissed(new UserCancelledError('The user cancelled'))))).rejects.toBeDefined();
    await expect(limiter.guard(4, async () => Promise.reject(markDismissed(new UserCancelledError('The user cancelled'))))).rejects.toBeDefined();
    expect(told.at(-1)).toBe(true);
    limiter.forget(3);
    expect(told.at(-1)).toBe(true);
    limiter.forget(4);
    expect(told.at(-1)).toBe(false);
  });

  it('a page going away or a timeout is no dismissal', async () => {
    const limiter = new PromptLimiter(() => 0);
    for (let i = 0; i < DISMISSALS_BEFORE_COOLDOWN + 2; i++) {
      await expect(limiter.guard(1, async () => Promise.reject(new UserCancelledError('The page was closed or left')))).rejects.toBeDefined();
    }
    await expect(limiter.guard(1, async () => 'ok')).resolves.toBe('ok');
  });
});

describe('RequestQueue across sites', () => {
  it("another site's window waits a pause after the one before it closes; the same site's does not", async () => {
    vi.useFakeTimers();
    const queue = new RequestQueue();
    const started: string[] = [];
    let finishFirst!: () => void;
    const first = queue.run(1, {}, () => new Promise<void>((r) => { started.push('a1'); finishFirst = r; }), 'https://a.example');
    const same = queue.run(2, {}, async () => void started.push('a2'), 'https://a.example');
    const other = queue.run(3, {}, async () => void started.push('b'), 'https://b.example');
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a1']);
    finishFirst();
    await first;
    await same;
    expect(started).toEqual(['a1', 'a2']);
    await vi.advanceTimersByTimeAsync(CHAIN_PAUSE_MS - 1);
    expect(started).toEqual(['a1', 'a2']);
    await vi.advanceTimersByTimeAsync(1);
    await other;
    expect(started).toEqual(['a1', 'a2', 'b']);
  });
});
