// One pending request per tab (a second one is BUSY); requests of different tabs wait their turn
// in arrival order, because only one picker window is shown at a time.
import { BusyError, UserCancelledError } from '../../shared/errors';

/**
 * After a window closes, a window of another site waiting behind it opens only after this pause: a
 * site must not slip its window under the person's next click (issue 14 item 4).
 */
export const CHAIN_PAUSE_MS = 1_500;

export type Job<T> = (signal: AbortSignal) => Promise<T>;

interface Entry {
  tabId: number;
  /** The page connection the request came from. */
  owner: object;
  /** The site that asked (its window names it); undefined for callers that do not say. */
  origin: string | undefined;
  controller: AbortController;
  start(): void;
}

export class RequestQueue {
  private readonly waiting: Entry[] = [];
  private active: Entry | null = null;
  private readonly tabs = new Set<number>();
  /** The pause before another site's window, while it runs. */
  private pausing: ReturnType<typeof setTimeout> | null = null;

  /** True when the tab has a request waiting or running. */
  has(tabId: number): boolean {
    return this.tabs.has(tabId);
  }

  get length(): number {
    return this.waiting.length + (this.active ? 1 : 0);
  }

  run<T>(tabId: number, owner: object, job: Job<T>, origin?: string): Promise<T> {
    if (this.tabs.has(tabId)) return Promise.reject(new BusyError());
    this.tabs.add(tabId);
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        tabId,
        owner,
        origin,
        controller,
        start: () => {
          if (controller.signal.aborted) {
            this.finish(entry);
            reject(controller.signal.reason);
            return;
          }
          job(controller.signal).then(resolve, reject).finally(() => this.finish(entry));
        },
      };
      controller.signal.addEventListener('abort', () => {
        const index = this.waiting.indexOf(entry);
        if (index >= 0) {
          this.waiting.splice(index, 1);
          this.tabs.delete(tabId);
          reject(controller.signal.reason);
        }
      });
      this.waiting.push(entry);
      this.pump();
    });
  }

  /** Cancels every request of one page connection, waiting or running (the tab closed or navigated away). */
  cancelOwner(owner: object, reason: Error = new UserCancelledError('The page was closed or left')): void {
    const entries = [...this.waiting, ...(this.active ? [this.active] : [])].filter((e) => e.owner === owner);
    for (const entry of entries) entry.controller.abort(reason);
  }

  private finish(entry: Entry): void {
    this.tabs.delete(entry.tabId);
    if (this.active !== entry) return;
    this.active = null;
    const next = this.waiting[0];
    if (next && next.origin !== entry.origin && !this.pausing) {
      this.pausing = setTimeout(() => {
        this.pausing = null;
        this.pump();
      }, CHAIN_PAUSE_MS);
      return;
    }
    this.pump();
  }

  private pump(): void {
    if (this.active || this.pausing) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.active = next;
    next.start();
  }
}
