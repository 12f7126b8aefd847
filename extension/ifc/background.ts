// IFCPlugin emulation, background side: one adapter per portal page, the host behind it, and the
// picker window for every signature (it names the origin, the certificate and what is signed).
import browser, { type Runtime } from 'webextension-polyfill';
import { streebog256, streebog512 } from '../../shared/gost/streebog';
import { fromBase64, toBase64 } from '../../shared/encoding';
import { isRecord } from '../common/messages';
import { browserReportedOrigin } from '../common/sender-origin';
import { summarizeContent, summarizeHash } from '../common/signed-summary';
import type { NativeHost } from '../background/native-host';
import { runPicker } from '../background/picker-session';
import { keepPortalScriptsRegistered, type AdapterDeps, type LegacyAdapter } from '../background/legacy-adapter';
import { IfcAdapter, type DigestName, type IfcBackend, type IfcSignOrder } from './adapter';
import { IFC_CONTENT_FILE, IFC_DYNAMIC_SCRIPT_ID, IFC_ORIGINS_KEY, IFC_PORT, type IfcBridgeMessage } from './bridge';
import type { IfcRequest } from './envelope';
import { isIfcOrigin, parseUserPortal, userPortalPattern } from './origins';

/** How often open portal pages learn whether the host still answers. */
export const IFC_HOST_CHECK_MS = 3_000;
/** The picker waits this long for the person before the page gets "cancelled". */
export const IFC_CONFIRM_TIMEOUT_MS = 180_000;


export async function userPortals(): Promise<string[]> {
  const stored = await browser.storage.local.get(IFC_ORIGINS_KEY);
  const list = stored[IFC_ORIGINS_KEY];
  // Entries saved before the options took only specific hosts (e.g. "*.com") are ignored.
  return Array.isArray(list) ? list.filter((h): h is string => typeof h === 'string' && parseUserPortal(h) === h) : [];
}

/**
 * Registers the adapter's content script for the portals the user added (the manifest covers Gosuslugi).
 * Only host names whose permission the browser actually holds are registered.
 */
export async function syncUserPortalScripts(): Promise<void> {
  const hosts = await userPortals();
  const granted: string[] = [];
  for (const host of hosts) {
    if (await browser.permissions.contains({ origins: [userPortalPattern(host)] })) granted.push(userPortalPattern(host));
  }
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [IFC_DYNAMIC_SCRIPT_ID] }).catch(() => []);
  if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: [IFC_DYNAMIC_SCRIPT_ID] });
  if (granted.length === 0) return;
  await browser.scripting.registerContentScripts([
    { id: IFC_DYNAMIC_SCRIPT_ID, matches: granted, js: [IFC_CONTENT_FILE], runAt: 'document_start', allFrames: false, persistAcrossSessions: true },
  ]);
}

async function digest(name: DigestName, data: Uint8Array): Promise<Uint8Array> {
  if (name === 'STREEBOG-256') return streebog256(data);
  if (name === 'STREEBOG-512') return streebog512(data);
  return new Uint8Array(await crypto.subtle.digest(name, new Uint8Array(data)));
}

function backendFor(deps: AdapterDeps, origin: string, tabId: number, owner: object): IfcBackend {
  const { host } = deps;
  return {
    hello: () => host.connect(),
    listTokens: () => host.listTokens(),
    listCertificates: () => host.listCertificates(),
    digest,
    sign: (order: IfcSignOrder) =>
      deps.limiter.guard(tabId, () => deps.queue.run(tabId, owner, async (signal) =>
        runPicker(host, {
          origin,
          action: 'sign',
          preselect: order.certificate.thumbprint,
          timeoutMs: IFC_CONFIRM_TIMEOUT_MS,
          signal,
          fixed: { adapter: 'ifc', certificateId: order.certificate.id, pinFromPage: true },
          signed: order.hashed ? summarizeHash(order.data, order.format === 'raw') : await summarizeContent(order.data),
          // The PIN is the one the page collected; the window only asks the person to confirm.
          operation: async (certificate) => {
            const key = { certificateId: certificate.id, pin: order.pin, data: toBase64(order.data), hashed: order.hashed };
            const signature =
              order.format === 'raw' ? (await host.signRaw({ ...key, reverse: order.reverse })).signature : (await host.sign({ ...key, detached: order.detached })).cms;
            // The page's PIN is not kept past its use (issue 14 item 6).
            order.pin = '';
            return fromBase64(signature);
          },
        }),
      origin)),
  };
}

/** Pages that speak IFC right now, told when the host comes or goes. */
const ports = new Map<Runtime.Port, { up: boolean | null }>();
let monitor: ReturnType<typeof setInterval> | null = null;

async function hostAnswers(host: NativeHost): Promise<boolean> {
  try {
    await host.connect();
    return true;
  } catch {
    return false;
  }
}

function tell(port: Runtime.Port, message: IfcBridgeMessage): void {
  try {
    port.postMessage(message);
  } catch {
    // the page went away; its disconnect handler cleans up
  }
}

async function checkHost(host: NativeHost): Promise<void> {
  if (ports.size === 0) return;
  const up = await hostAnswers(host);
  for (const [port, state] of ports) {
    if (state.up === up) continue;
    state.up = up;
    tell(port, { kind: 'ifc-host', up });
  }
}

/** Handles a port named IFC_PORT; returns false (and disconnects it) when the page may not use IFC. */
function attachIfcPort(port: Runtime.Port, deps: AdapterDeps): void {
  const tabId = port.sender?.tab?.id;
  const origin = browserReportedOrigin(port.sender);
  if (port.sender?.id !== browser.runtime.id || tabId === undefined || !origin) {
    port.disconnect();
    return;
  }
  const ready = userPortals().then((hosts) => isIfcOrigin(origin, hosts));
  const adapter = new IfcAdapter(backendFor(deps, origin, tabId, port));
  let alive = true;
  let chain: Promise<void> = Promise.resolve();

  port.onDisconnect.addListener(() => {
    alive = false;
    ports.delete(port);
    adapter.reset();
    deps.queue.cancelOwner(port);
    if (ports.size === 0 && monitor) {
      clearInterval(monitor);
      monitor = null;
    }
  });

  void ready.then((allowed) => {
    if (!alive) return;
    if (!allowed) {
      tell(port, { kind: 'ifc-refused' });
      port.disconnect();
      return;
    }
    ports.set(port, { up: null });
    monitor ??= setInterval(() => void checkHost(deps.host), IFC_HOST_CHECK_MS);
    void checkHost(deps.host);
  });

  port.onMessage.addListener((message: unknown) => {
    if (!isRecord(message) || message.kind !== 'ifc-call' || typeof message.seq !== 'number' || !isRecord(message.request)) return;
    const seq = message.seq;
    const raw = message.request;
    const request: IfcRequest = {
      func_name: typeof raw.func_name === 'string' ? raw.func_name : '',
      params: isRecord(raw.params) ? raw.params : {},
    };
    // Strictly one at a time and in order, as the page expects.
    chain = chain.then(async () => {
      if (!(await ready)) return;
      const reply = await adapter.handle(request);
      if (!alive) return;
      tell(port, { kind: 'ifc-reply', seq, reply });
      if (reply.error_code === 256) void checkHost(deps.host);
    }).catch(() => undefined);
  });
}


/** Re-registers the user portals' content script on start-up and when permissions change. */
function startIfcRegistration(): void {
  keepPortalScriptsRegistered(syncUserPortalScripts, IFC_ORIGINS_KEY);
}

/** The IFCPlugin adapter as the background sees it (listed in extension/adapters/background.ts). */
export const ifcAdapter: LegacyAdapter = { portName: IFC_PORT, attach: attachIfcPort, start: startIfcRegistration };
