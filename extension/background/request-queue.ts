// One pending request per tab (a second one is BUSY); requests of different tabs wait their turn
// in arrival order, because only one picker window is shown at a time.
import { BusyError, UserCancelledError } from '../../shared/errors';

export type Job<T> = (signal: AbortSignal) => Promise<T>;

interface Entry {
  tabId: number;
  /** The page connection the request came from. */
  owner: object;
  controller: AbortController;
  start(): void;
}

export class RequestQueue {
  private readonly waiting: Entry[] = [];
  private active: Entry | null = null;
  private readonly tabs = new Set<number>();

  /** True when the tab has a request waiting or running. */
  has(tabId: number): boolean {
    return this.tabs.has(tabId);
  }

  get length(): number {
    return this.waiting.length + (this.active ? 1 : 0);
  }

  run<T>(tabId: number, owner: object, job: Job<T>): Promise<T> {
    if (this.tabs.has(tabId)) return Promise.reject(new BusyError());
    this.tabs.add(tabId);
    const controller = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        tabId,
        owner,
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
    if (this.active === entry) this.active = null;
    this.pump();
  }

  private pump(): void {
    if (this.active) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.active = next;
    next.start();
  }
}
