// The rule the security model rests on: the origin to sign comes from the browser's description of
// the sender (its `origin`, else the origin of its `url`), never from anything the page says.
import type { Runtime } from 'webextension-polyfill';

/** The origin the browser reports for `sender`, or null when it reports none (or an opaque one). */
export function browserReportedOrigin(sender: Runtime.MessageSender | undefined): string | null {
  // `origin` is Chromium's (and Firefox 126+'s); the polyfill's types predate it.
  const reported = (sender as { origin?: unknown } | undefined)?.origin;
  if (typeof reported === 'string' && reported !== 'null') return reported;
  if (!sender?.url) return null;
  try {
    const origin = new URL(sender.url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}
