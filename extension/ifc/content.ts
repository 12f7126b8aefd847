// IFCPlugin emulation, page side: the DOM markers the portal looks for, the string envelope,
// one answer per request in arrival order. Runs only on the Gosuslugi origins and the portals
// the user added; the work itself happens in the background (extension/ifc/background.ts).
import browser, { type Runtime } from 'webextension-polyfill';
import { GestureCarry, NO_GESTURE_MESSAGE, type SentCall } from '../common/user-gesture';
import { IfcError, MARKER_EXTENSION, MARKER_OWNER, MARKER_PLUGIN } from './constants';
import { DISCONNECT_MESSAGE, parsePageMessage, replyMessage, type IfcReply, type IfcRequest } from './envelope';
import { IFC_PORT, type IfcBridgeCall } from './bridge';

declare global {
  interface Window {
    __tokensignIfc?: boolean;
  }
}

/** True when the genuine IFC extension's marker (one not tagged as ours) is in the page. */
function genuinePluginPresent(): boolean {
  return [...document.querySelectorAll(`[id="${MARKER_EXTENSION}"]`)].some((el) => el.getAttribute('data-owner') !== MARKER_OWNER);
}

function addMarker(id: string): void {
  if ([...document.querySelectorAll(`[id="${id}"]`)].some((el) => el.getAttribute('data-owner') === MARKER_OWNER)) return;
  const div = document.createElement('div');
  div.id = id;
  div.setAttribute('data-owner', MARKER_OWNER);
  div.hidden = true;
  (document.body ?? document.documentElement).appendChild(div);
}

function removeMarker(id: string): void {
  for (const el of document.querySelectorAll(`[id="${id}"][data-owner="${MARKER_OWNER}"]`)) el.remove();
}

/** Reconnections after the background goes away while idle, before the bridge gives up (issue 14 item 9). */
const MAX_RECONNECTS = 4;
const RECONNECT_BASE_MS = 500;

class IfcPageBridge {
  private port: Runtime.Port | null = null;
  private standingDown = false;
  /** Set once the page has a body and no genuine plugin: only then do markers go in, extension first. */
  private markersPlaced = false;
  /** The plugin marker is in the page: it goes in at connect, out when the port or the host is gone. */
  private pluginShown = false;
  /** The background's last word on the host: null until it has said. */
  private hostUp: boolean | null = null;
  private readonly queue: { request: IfcRequest; refusal: IfcReply | null; sent: SentCall }[] = [];
  private inFlight: { seq: number; sent: SentCall } | null = null;
  private readonly gesture = new GestureCarry();
  private seq = 0;
  private reconnects = 0;

  /** Runs at document_start: the connection starts at once, the markers wait for the body. */
  start(): void {
    this.connect();
    const whenBody = (): void => {
      if (genuinePluginPresent()) {
        this.standDown();
        return;
      }
      this.markersPlaced = true;
      addMarker(MARKER_EXTENSION);
      if (!this.port) return;
      this.showPlugin(true);
      // The host was found missing before the body existed: as with the genuine extension, the
      // marker still goes in at connect and then out with IFC_EXT_DISCONNECT.
      if (this.hostUp === false) setTimeout(() => this.hostGone(), 0);
    };
    if (document.body) whenBody();
    else document.addEventListener('DOMContentLoaded', whenBody, { once: true });
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (event.source !== window || this.standingDown) return;
      const request = parsePageMessage(event.data);
      if (!request) return;
      if (genuinePluginPresent()) {
        // The genuine plugin answers too; a second answer would be taken by the page's next call.
        this.standDown();
        return;
      }
      // Judged when the page asks: a window only follows a recent click or key press on the page
      // (carried across Tokensign's own answers, common/user-gesture.ts).
      const sent = this.gesture.sent(request.func_name === 'sign');
      const refusal = sent.opensWindow && !sent.underGesture ? GESTURE_REFUSAL : null;
      this.queue.push({ request, refusal, sent });
      this.pump();
    });
  }

  private standDown(): void {
    this.standingDown = true;
    removeMarker(MARKER_PLUGIN);
    removeMarker(MARKER_EXTENSION);
    this.queue.length = 0;
    try {
      this.port?.disconnect();
    } catch {
      // already gone
    }
    this.port = null;
  }

  private connect(): Runtime.Port {
    if (this.port) return this.port;
    const port = browser.runtime.connect({ name: IFC_PORT });
    port.onMessage.addListener((message: unknown) => this.onMessage(message));
    port.onDisconnect.addListener(() => this.onDisconnect(port));
    this.port = port;
    // As the genuine extension does: the plugin marker goes in as soon as the port exists.
    if (this.markersPlaced) this.showPlugin(true);
    return port;
  }

  private onDisconnect(port: Runtime.Port): void {
    if (this.port !== port) return;
    this.port = null;
    if (this.standingDown) return;
    const pending = this.inFlight !== null;
    if (this.inFlight) this.gesture.answered(this.inFlight.sent, false);
    this.inFlight = null;
    // The page treats IFC_EXT_DISCONNECT as the answer to a pending call, and as "plugin gone".
    if (this.showPlugin(false) || pending) window.postMessage(DISCONNECT_MESSAGE, '*');
    if (pending) this.pump();
    // An idle background may simply have been stopped by the browser: ask again, a few times.
    if (this.reconnects >= MAX_RECONNECTS) return;
    const delay = RECONNECT_BASE_MS * 2 ** this.reconnects++;
    setTimeout(() => {
      if (!this.port && !this.standingDown) this.connect();
    }, delay);
  }

  /** The host is missing or exited: the plugin marker goes, and the page hears IFC_EXT_DISCONNECT. */
  private hostGone(): void {
    if (this.hostUp !== false) return;
    // With a call open, its own answer (an error) follows; the page takes a disconnect as that answer.
    if (this.showPlugin(false) && !this.inFlight) window.postMessage(DISCONNECT_MESSAGE, '*');
  }

  /** Puts the plugin marker in or takes it out; true when that changed anything. */
  private showPlugin(up: boolean): boolean {
    if (this.standingDown || up === this.pluginShown || (up && !this.markersPlaced)) return false;
    this.pluginShown = up;
    if (up) addMarker(MARKER_PLUGIN);
    else removeMarker(MARKER_PLUGIN);
    return true;
  }

  private onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null || this.standingDown) return;
    const m = message as Record<string, unknown>;
    this.reconnects = 0;
    if (m.kind === 'ifc-refused') {
      // This page may not use the adapter (e.g. a host name with a trailing dot): go quiet for good.
      this.standDown();
      return;
    }
    if (m.kind === 'ifc-host' && typeof m.up === 'boolean') {
      this.hostUp = m.up;
      if (m.up) this.showPlugin(true);
      else this.hostGone();
      return;
    }
    if (m.kind === 'ifc-reply' && typeof m.seq === 'number' && this.inFlight?.seq === m.seq) {
      const reply = m.reply as IfcReply;
      this.gesture.answered(this.inFlight.sent, reply.error_code === IfcError.OK);
      this.inFlight = null;
      window.postMessage(replyMessage(reply), '*');
      this.pump();
    }
  }

  private pump(): void {
    if (this.inFlight || this.standingDown) return;
    const next = this.queue.shift();
    if (!next) return;
    if (next.refusal) {
      window.postMessage(replyMessage(next.refusal), '*');
      this.pump();
      return;
    }
    const seq = ++this.seq;
    this.inFlight = { seq, sent: next.sent };
    const call: IfcBridgeCall = { kind: 'ifc-call', seq, request: next.request };
    try {
      this.connect().postMessage(call);
    } catch {
      this.inFlight = null;
      window.postMessage(replyMessage({ error_code: 256, error_message: 'Tokensign could not be reached' }), '*');
      this.pump();
    }
  }
}

/** The answer to a `sign` (it opens Tokensign's window) without a recent user gesture on the page. */
const GESTURE_REFUSAL: IfcReply = { error_code: IfcError.UNKNOWN, error_message: NO_GESTURE_MESSAGE };

// A dynamically registered copy and the manifest's copy must not both run in one page.
if (!window.__tokensignIfc) {
  window.__tokensignIfc = true;
  new IfcPageBridge().start();
}
