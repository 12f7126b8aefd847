// CAdES Browser Plug-in emulation, isolated world: relays the MAIN world's calls (page.ts) to the
// background over one port, one reply per call, and hands the MAIN world the error sentences in the
// browser's language. Checks every call's shape before it leaves the page.
import browser, { type Runtime } from 'webextension-polyfill';
import { CADES_CHANNEL, CADES_PORT, CadesCallError, parseCadesCall, parsePageEnvelope, type CadesBridgeCall, type CadesErrorBody, type CadesPageReply } from './bridge';
import { CADES_ERROR_NAMES, type CadesErrorTexts } from './errors';
import { GestureCarry, NO_GESTURE_MESSAGE, type SentCall } from '../common/user-gesture';

declare global {
  interface Window {
    __tokensignCadesRelay?: boolean;
  }
}

/** Calls one page may have open at once; more are refused at once (a storm never reaches the host). */
const MAX_OPEN_CALLS = 32;

function errorTexts(): CadesErrorTexts {
  const texts: CadesErrorTexts = {};
  for (const name of CADES_ERROR_NAMES) texts[name] = browser.i18n.getMessage(`cadesError_${name}`) || name;
  return texts;
}

class CadesRelay {
  private port: Runtime.Port | null = null;
  private readonly open = new Map<number, { pageId: number; op: unknown; sent: SentCall }>();
  private readonly gesture = new GestureCarry();
  private seq = 0;
  private texts: CadesErrorTexts | null = null;

  start(): void {
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (event.source !== window) return;
      const call = parsePageEnvelope(event.data);
      if (call) this.forward(call.id, call.op, call.params);
    });
  }

  private reply(pageId: number, op: unknown, body: { ok: true; result: unknown } | { ok: false; error: CadesErrorBody }): void {
    const message = { channel: CADES_CHANNEL, dir: 'reply', id: pageId, ...body } as CadesPageReply & { texts?: CadesErrorTexts };
    if (op === 'hello') message.texts = this.texts ??= errorTexts();
    window.postMessage(message, location.origin);
  }

  private forward(pageId: number, op: unknown, params: unknown): void {
    try {
      parseCadesCall(op, params);
    } catch (error) {
      this.reply(pageId, op, { ok: false, error: { code: 'INVALID_ARGUMENT', message: error instanceof CadesCallError ? error.message : 'bad call' } });
      return;
    }
    // `sign` opens Tokensign's window: only right after the person acted on the page (issue 14 item 3),
    // the click carried across Tokensign's own answers (common/user-gesture.ts).
    if (op === 'sign' && !this.gesture.allows()) {
      this.reply(pageId, op, { ok: false, error: { code: 'CANCELLED', message: NO_GESTURE_MESSAGE } });
      return;
    }
    if (this.open.size >= MAX_OPEN_CALLS) {
      this.reply(pageId, op, { ok: false, error: { code: 'BUSY', message: 'too many calls at once' } });
      return;
    }
    const seq = ++this.seq;
    this.open.set(seq, { pageId, op, sent: this.gesture.sent(op === 'sign') });
    const call: CadesBridgeCall = { kind: 'cades-call', seq, op, params };
    try {
      this.connect().postMessage(call);
    } catch {
      this.open.delete(seq);
      this.reply(pageId, op, { ok: false, error: { code: 'HOST_UNAVAILABLE', message: 'Tokensign could not be reached' } });
    }
  }

  private connect(): Runtime.Port {
    if (this.port) return this.port;
    const port = browser.runtime.connect({ name: CADES_PORT });
    port.onMessage.addListener((message: unknown) => this.onReply(message));
    port.onDisconnect.addListener(() => {
      if (this.port === port) this.port = null;
      // Every open call gets its answer: the background went away (or refused this page).
      for (const [seq, { pageId, op, sent }] of this.open) {
        this.open.delete(seq);
        this.gesture.answered(sent, false);
        this.reply(pageId, op, { ok: false, error: { code: 'HOST_UNAVAILABLE', message: 'Tokensign is not available on this page' } });
      }
    });
    this.port = port;
    return port;
  }

  private onReply(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    const m = message as Record<string, unknown>;
    const entry = m.kind === 'cades-reply' && typeof m.seq === 'number' ? this.open.get(m.seq) : undefined;
    if (!entry) return;
    this.open.delete(m.seq as number);
    this.gesture.answered(entry.sent, m.ok === true);
    if (m.ok === true) {
      this.reply(entry.pageId, entry.op, { ok: true, result: m.result });
      return;
    }
    const error = (typeof m.error === 'object' && m.error !== null ? m.error : {}) as Record<string, unknown>;
    this.reply(entry.pageId, entry.op, {
      ok: false,
      error: { code: typeof error.code === 'string' ? error.code : 'FAILED', message: typeof error.message === 'string' ? error.message : '' },
    });
  }
}

if (!window.__tokensignCadesRelay) {
  window.__tokensignCadesRelay = true;
  new CadesRelay().start();
}
