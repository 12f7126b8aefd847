// The window's connection to the background, opened as the very first thing its script does: the
// script is loaded async, so it runs as soon as it has arrived, without waiting for the style sheet,
// and the background's first view travels while the page finishes loading. The window's code takes
// the messages over once the page is parsed; what came before that is kept for it, in order.
import browser from 'webextension-polyfill';
import { PICKER_PORT } from '../common/messages';

// The background finds this window's session by the window's address, which the browser reports.
export const port = browser.runtime.connect({ name: PICKER_PORT });

const early: unknown[] = [];
const keep = (message: unknown): void => void early.push(message);
port.onMessage.addListener(keep);
// The background ends the session (answered, cancelled, timed out, unknown): nothing is left to do.
port.onDisconnect.addListener(() => window.close());

/** Hands the port's messages to `listener`: first those that came before, then each as it comes. */
export function listen(listener: (message: unknown) => void): void {
  port.onMessage.removeListener(keep);
  port.onMessage.addListener(listener);
  for (const message of early.splice(0)) listener(message);
}
