// Prompt storms (issue 14 item 3): a page can ask for Tokensign's window only right after the person
// acted on it (checked in the content scripts, extension/common/user-gesture.ts), and a tab whose
// windows the person keeps dismissing is told USER_CANCELLED at once for a while, as browsers
// quiet a site's permission prompts after repeated dismissals.
import { UserCancelledError } from '../../shared/errors';

/** Dismissals (Cancel, Esc, closing the window) within DISMISSAL_SPAN_MS that start a cool-down. */
export const DISMISSALS_BEFORE_COOLDOWN = 3;
export const DISMISSAL_SPAN_MS = 2 * 60_000;
/** How long the tab then gets no window. */
export const COOLDOWN_MS = 2 * 60_000;
/** Tabs remembered at most (a closed tab's entry is dropped; this bounds the rest). */
const MAX_TABS = 512;

const dismissals = new WeakSet<object>();

/** Tags an error as "the person dismissed the window" (not a timeout, not the page going away). */
export function markDismissed<E extends object>(error: E): E {
  dismissals.add(error);
  return error;
}

export function isDismissal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && dismissals.has(error);
}

export class PromptLimiter {
  private readonly tabs = new Map<number, { dismissedAt: number[]; until: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    /** Told after every change whether it holds any tab: closed tabs matter only then. */
    private readonly holdsTabs: (held: boolean) => void = () => undefined,
  ) {}

  /** Throws USER_CANCELLED while the tab cools down. */
  check(tabId: number): void {
    const state = this.tabs.get(tabId);
    if (state && this.now() < state.until) {
      throw new UserCancelledError('You dismissed this site’s Tokensign windows several times; it gets none for a while');
    }
  }

  /** Records how a window of the tab ended. */
  note(tabId: number, outcome: unknown): void {
    if (!isDismissal(outcome)) {
      // Anything but a dismissal (a signature, an error) breaks the run of dismissals.
      this.forget(tabId);
      return;
    }
    const now = this.now();
    const state = this.tabs.get(tabId) ?? { dismissedAt: [], until: 0 };
    state.dismissedAt = [...state.dismissedAt.filter((t) => now - t < DISMISSAL_SPAN_MS), now];
    if (state.dismissedAt.length >= DISMISSALS_BEFORE_COOLDOWN) {
      state.until = now + COOLDOWN_MS;
      state.dismissedAt = [];
    }
    if (!this.tabs.has(tabId) && this.tabs.size >= MAX_TABS) this.tabs.delete(this.tabs.keys().next().value!);
    this.tabs.set(tabId, state);
    this.holdsTabs(true);
  }

  forget(tabId: number): void {
    this.tabs.delete(tabId);
    this.holdsTabs(this.tabs.size > 0);
  }

  /** Runs `job` for the tab unless it cools down, and records how its window ended. */
  async guard<T>(tabId: number, job: () => Promise<T>): Promise<T> {
    this.check(tabId);
    try {
      const result = await job();
      this.note(tabId, result);
      return result;
    } catch (error) {
      this.note(tabId, error);
      throw error;
    }
  }
}
