// IFCPlugin emulation, page side: the DOM markers the portal looks for, the string envelope,
// one answer per request in arrival order. Runs only on the Gosuslugi origins and the portals
// the user added; the work itself happens in the background (extension/ifc/background.ts).
import browser, { type Runtime } from 'webextension-polyfill';
import { MARKER_EXTENSION, MARKER_OWNER, MARKER_PLUGIN } from './constants';
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

class IfcPageBridge {
  private port: Runtime.Port | null = null;
  private hostUp = false;
  private standingDown = false;
  /** Set once the page has a body and no genuine plugin: only then do markers go in, extension first. */
  private markersPlaced = false;
  private readonly queue: IfcRequest[] = [];
  private inFlight: { seq: number } | null = null;
  private seq = 0;

  /** Runs at document_start: the host check starts at once, the markers wait for the body. */
  start(): void {
    this.connect();
    const whenBody = (): void => {
      if (genuinePluginPresent()) {
        this.standDown();
        return;
      }
      this.markersPlaced = true;
      addMarker(MARKER_EXTENSION);
      if (this.hostUp) addMarker(MARKER_PLUGIN);
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
      this.queue.push(request);
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
    port.onDisconnect.addListener(() => {
      if (this.port !== port) return;
      this.port = null;
      if (this.standingDown) return;
      if (this.inFlight) {
        // The background went away with a call open: the page treats a disconnect as its answer.
        this.inFlight = null;
        this.setHost(false);
        window.postMessage(DISCONNECT_MESSAGE, '*');
        this.pump();
        return;
      }
      // An idle background may simply have been stopped by the browser: ask again.
      setTimeout(() => {
        if (!this.port && !this.standingDown) this.connect();
      }, 500);
    });
    this.port = port;
    return port;
  }

  private setHost(up: boolean): void {
    if (up === this.hostUp || this.standingDown) return;
    this.hostUp = up;
    if (up) {
      // Before the body is parsed (the host may answer first), the plugin's marker waits for the
      // extension's: a page never sees the plugin marker alone.
      if (this.markersPlaced) addMarker(MARKER_PLUGIN);
    } else {
      removeMarker(MARKER_PLUGIN);
    }
  }

  private onMessage(message: unknown): void {
    if (typeof message !== 'object' || message === null || this.standingDown) return;
    const m = message as Record<string, unknown>;
    if (m.kind === 'ifc-host' && typeof m.up === 'boolean') {
      const wasUp = this.hostUp;
      this.setHost(m.up);
      if (wasUp && !m.up && !this.inFlight) window.postMessage(DISCONNECT_MESSAGE, '*');
      return;
    }
    if (m.kind === 'ifc-reply' && typeof m.seq === 'number' && this.inFlight?.seq === m.seq) {
      const reply = m.reply as IfcReply;
      this.inFlight = null;
      window.postMessage(replyMessage(reply), '*');
      this.pump();
    }
  }

  private pump(): void {
    if (this.inFlight || this.standingDown) return;
    const request = this.queue.shift();
    if (!request) return;
    const seq = ++this.seq;
    this.inFlight = { seq };
    const call: IfcBridgeCall = { kind: 'ifc-call', seq, request };
    try {
      this.connect().postMessage(call);
    } catch {
      this.inFlight = null;
      window.postMessage(replyMessage({ error_code: 256, error_message: 'Tokensign could not be reached' }), '*');
      this.pump();
    }
  }
}

// A dynamically registered copy and the manifest's copy must not both run in one page.
if (!window.__tokensignIfc) {
  window.__tokensignIfc = true;
  new IfcPageBridge().start();
}
