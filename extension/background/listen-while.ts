// A browser event listened to only while the background holds something it concerns. A listener
// added as the service worker's script starts is one the browser starts a stopped worker for, on
// every such event: for tabs and windows, every one a person closes anywhere in the browser.
import type { Events } from 'webextension-polyfill';

export class ListenWhile<A extends unknown[]> {
  private listening = false;

  constructor(
    /** The event, looked up when first listened to (importing the module touches no browser API). */
    private readonly event: () => Events.Event<(...args: A) => void>,
    private readonly listener: (...args: A) => void,
  ) {}

  /** Listens while `needed`, and not otherwise. */
  update(needed: boolean): void {
    if (needed === this.listening) return;
    this.listening = needed;
    if (needed) this.event().addListener(this.listener);
    else this.event().removeListener(this.listener);
  }
}
