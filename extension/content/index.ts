// Page bridge: takes only this window's own, same-origin `tokensign:request` messages, acks at once,
// relays them to the background over a port and answers only to location.origin.
import browser, { type Runtime } from 'webextension-polyfill';
import { PAGE_ACK, PAGE_REQUEST, PAGE_RESPONSE, type ErrorBody, type PageAction, type PageResponse } from '../../shared/protocol';
import { PAGE_PORT, isRecord, type BridgeRequest } from '../common/messages';
import { GestureCarry, NO_GESTURE_MESSAGE, type SentCall } from '../common/user-gesture';

const ACTIONS: ReadonlySet<string> = new Set<PageAction>(['status', 'authenticate', 'sign']);
const MAX_ID_LENGTH = 256;

let port: Runtime.Port | null = null;
/** Requests sent to the background and not yet answered, with how each went (common/user-gesture.ts). */
const pending = new Map<string, SentCall>();
const gesture = new GestureCarry();

function post(message: unknown): void {
  window.postMessage(message, location.origin);
}

/** The request `id` is answered (ok or not); false when it was not waiting for the background. */
function settle(id: string, ok: boolean): boolean {
  const sent = pending.get(id);
  if (!sent) return false;
  pending.delete(id);
  gesture.answered(sent, ok);
  return true;
}

function fail(id: string, error: ErrorBody): void {
  settle(id, false);
  const reply: PageResponse = { type: PAGE_RESPONSE, id, ok: false, error: { code: error.code, message: error.message } };
  post(reply);
}

function connect(): Runtime.Port {
  if (port) return port;
  const p = browser.runtime.connect({ name: PAGE_PORT });
  p.onMessage.addListener((message: unknown) => {
    if (!isRecord(message) || message.kind !== 'response' || typeof message.id !== 'string') return;
    const id = message.id;
    if (!settle(id, message.ok === true)) return;
    if (message.ok === true) {
      post({ type: PAGE_RESPONSE, id, ok: true, result: message.result } satisfies PageResponse);
    } else {
      const error = isRecord(message.error) ? message.error : {};
      const code = typeof error.code === 'string' ? error.code : 'INTERNAL';
      const text = typeof error.message === 'string' ? error.message : 'Internal error';
      post({ type: PAGE_RESPONSE, id, ok: false, error: { code, message: text } } satisfies PageResponse);
    }
  });
  p.onDisconnect.addListener(() => {
    port = null;
    // The background went away (extension reloaded or updated): nothing more will come for these.
    for (const id of [...pending.keys()]) fail(id, { code: 'EXTENSION_UNAVAILABLE', message: 'The Tokensign extension restarted; try again' });
  });
  port = p;
  return p;
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== window || event.origin !== location.origin) return;
  const data = event.data;
  if (!isRecord(data) || data.type !== PAGE_REQUEST) return;
  const id = data.id;
  // Without a usable id there is nobody to answer.
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return;
  post({ type: PAGE_ACK, id });
  if (pending.has(id)) {
    post({ type: PAGE_RESPONSE, id, ok: false, error: { code: 'BAD_REQUEST', message: 'A request with this id is already pending' } });
    return;
  }
  if (!window.isSecureContext) {
    fail(id, { code: 'INSECURE_CONTEXT', message: 'Tokensign works only in secure contexts (https or localhost)' });
    return;
  }
  if (typeof data.action !== 'string' || !ACTIONS.has(data.action)) {
    fail(id, { code: 'BAD_REQUEST', message: 'action must be one of status, authenticate, sign' });
    return;
  }
  if (data.params !== undefined && !isRecord(data.params)) {
    fail(id, { code: 'BAD_REQUEST', message: 'params must be an object' });
    return;
  }
  // A window only right after the person acted on the page (issue 14 item 3): no prompt storms. The
  // click is carried across Tokensign's own answers (common/user-gesture.ts).
  if (data.action !== 'status' && !gesture.allows()) {
    fail(id, { code: 'USER_CANCELLED', message: NO_GESTURE_MESSAGE });
    return;
  }
  const request: BridgeRequest = { kind: 'request', id, action: data.action as PageAction, params: data.params ?? {} };
  pending.set(id, gesture.sent(request.action !== 'status'));
  try {
    connect().postMessage(request);
  } catch {
    fail(id, { code: 'EXTENSION_UNAVAILABLE', message: 'The Tokensign extension could not be reached' });
  }
});
