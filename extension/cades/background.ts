// CAdES plug-in emulation, background side: one port per page; lists certificates for the page's
// Store objects and signs after the person confirms in Tokensign's window, which names the site,
// the certificate and what is signed, and takes the PIN. Every call is checked again here.
import browser, { type Runtime } from 'webextension-polyfill';
import type { CertificateInfo } from '../../shared/protocol';
import { fromBase64, fromHex, toBase64, utf16leEncode } from '../../shared/encoding';
import { toErrorBody } from '../../shared/errors';
import { isRecord } from '../common/messages';
import { browserReportedOrigin } from '../common/sender-origin';
import { runPicker } from '../background/picker-session';
import { keepPortalScriptsRegistered, type AdapterDeps, type LegacyAdapter } from '../background/legacy-adapter';
import { summarizeContent, summarizeHash, type SignedSummary } from '../common/signed-summary';
import { CADES_DYNAMIC_SCRIPT_IDS, CADES_FILES, CADES_ORIGINS_KEY, CADES_PORT, CadesCallError, parseCadesCall, type CadesBridgeReply, type CadesCertificate, type CadesErrorBody, type CadesHello, type CadesSignParams } from './bridge';
import { cadesCertificate } from './certificate-view';
import { embedContent, HOST_ATTACHED_LIMIT } from './cms-embed';
import type { HashAlgorithmName } from './constants';
import { isBuiltinHost, isCadesOrigin } from './origins';

/** The window waits this long for the person before the page gets "cancelled". */
export const CADES_CONFIRM_TIMEOUT_MS = 180_000;


class CadesFault extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The digest the host uses for each key (docs/PROTOCOL.md §2.5): a page's hash must match it. */
const KEY_DIGEST: Record<string, HashAlgorithmName> = {
  'GOST-2012-256': 'STREEBOG-256',
  'GOST-2012-512': 'STREEBOG-512',
  'RSA-2048': 'SHA-256',
  'RSA-3072': 'SHA-256',
  'RSA-4096': 'SHA-256',
  'ECDSA-P256': 'SHA-256',
};

export async function cadesUserPortals(): Promise<string[]> {
  const stored = await browser.storage.local.get(CADES_ORIGINS_KEY);
  const list = stored[CADES_ORIGINS_KEY];
  return Array.isArray(list) ? list.filter((h): h is string => typeof h === 'string') : [];
}

/** The bytes the host signs (or the hash) and what the window shows for them (extension/common/signed-summary.ts). */
async function signedBytes(params: CadesSignParams): Promise<{ data: Uint8Array; shown: SignedSummary; hashed: boolean }> {
  const c = params.content;
  if (c.kind === 'text') {
    const data = utf16leEncode(c.text);
    return { data, shown: await summarizeContent(data, null, c.text), hashed: false };
  }
  if (c.kind === 'bytes') {
    const data = fromBase64(c.base64);
    return { data, shown: await summarizeContent(data), hashed: false };
  }
  const hash = fromHex(c.hex);
  return { data: hash, shown: summarizeHash(hash, false), hashed: true };
}

class CadesPage {
  private listing: Promise<{ info: CertificateInfo; view: CadesCertificate }[]> | null = null;

  constructor(
    private readonly deps: AdapterDeps,
    private readonly origin: string,
    private readonly tabId: number,
    private readonly owner: object,
  ) {}

  /** One host listing at a time per page: a storm of Store.Open calls shares it. */
  private certificates(): Promise<{ info: CertificateInfo; view: CadesCertificate }[]> {
    this.listing ??= (async () => {
      const certificates = await this.deps.host.listCertificates();
      return Promise.all(certificates.map(async (info) => ({ info, view: await cadesCertificate(info) })));
    })().finally(() => {
      this.listing = null;
    });
    return this.listing;
  }

  async handle(op: unknown, rawParams: unknown): Promise<unknown> {
    const call = parseCadesCall(op, rawParams);
    if (call.op === 'hello') return this.hello();
    if (call.op === 'certificates') return (await this.certificates()).map((c) => c.view);
    return this.sign(call.params);
  }

  private async hello(): Promise<CadesHello> {
    const preferTokensign = (await cadesUserPortals()).includes(new URL(this.origin).hostname);
    try {
      const hello = await this.deps.host.connect();
      return { extension: __TOKENSIGN_VERSION__, host: hello.version, preferTokensign };
    } catch (error) {
      return { extension: __TOKENSIGN_VERSION__, host: null, hostError: errorBody(error).message, preferTokensign };
    }
  }

  private async sign(params: CadesSignParams): Promise<{ cms: string }> {
    const found = (await this.certificates()).find((c) => c.view.thumbprint === params.thumbprint);
    if (!found) throw new CadesFault('NOT_FOUND', 'no token holds this certificate');
    const { info } = found;
    // The window could only show these greyed out: say why at once, as the plug-in would.
    if (info.status !== 'valid') throw new CadesFault('EXPIRED', `the certificate is ${info.status}`);
    if (!info.hasPrivateKey) throw new CadesFault('NO_KEY', 'no private key belongs to this certificate');
    if (params.content.kind === 'hash' && KEY_DIGEST[info.keyAlgorithm] !== params.content.algorithm) {
      throw new CadesFault('BAD_HASH', `${params.content.algorithm} does not match the ${info.keyAlgorithm} key`);
    }
    const { data, shown, hashed } = await signedBytes(params);
    // The host's reply holds at most 1 MiB: large attached content is signed detached and put in here.
    const embed = !params.detached && data.length > HOST_ATTACHED_LIMIT;
    // The same window rules as every signature (issue 14 items 3, 4): a tab that keeps dismissing its
    // windows gets none for a while; another site's window waits a pause after one closes.
    const cms = await this.deps.limiter.guard(this.tabId, () => this.deps.queue.run(this.tabId, this.owner, (signal) =>
      runPicker(this.deps.host, {
        origin: this.origin,
        action: 'sign',
        preselect: info.thumbprint,
        timeoutMs: CADES_CONFIRM_TIMEOUT_MS,
        signal,
        fixed: { adapter: 'cades', certificateId: info.id, pinFromPage: false },
        signed: shown,
        operation: async (certificate, pin) => {
          const key = pin === undefined ? { certificateId: certificate.id } : { certificateId: certificate.id, pin };
          return fromBase64((await this.deps.host.sign({ ...key, data: toBase64(data), detached: params.detached || embed, hashed })).cms);
        },
      }),
    this.origin));
    return { cms: toBase64(embed ? withContent(cms, data) : cms) };
  }
}

/** The host's detached CMS with the content put in; one of another shape is the plug-in's E_FAIL, with the reason. */
export function withContent(cms: Uint8Array, content: Uint8Array): Uint8Array {
  try {
    return embedContent(cms, content);
  } catch (error) {
    throw new CadesFault('FAILED', `The signature could not take the content: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function errorBody(error: unknown): CadesErrorBody {
  if (error instanceof CadesFault) return { code: error.code, message: error.message };
  if (error instanceof CadesCallError) return { code: 'INVALID_ARGUMENT', message: error.message };
  const body = toErrorBody(error);
  return { code: body.code, message: body.message };
}

/** Serves a port named CADES_PORT; a page the emulation may not serve is disconnected. */
export function attachCadesPort(port: Runtime.Port, deps: AdapterDeps): void {
  const tabId = port.sender?.tab?.id;
  const origin = browserReportedOrigin(port.sender);
  if (port.sender?.id !== browser.runtime.id || tabId === undefined || port.sender?.frameId !== 0 || !origin) {
    port.disconnect();
    return;
  }
  const allowed = cadesUserPortals().then((hosts) => isCadesOrigin(origin, hosts));
  const page = new CadesPage(deps, origin, tabId, port);
  let alive = true;
  port.onDisconnect.addListener(() => {
    alive = false;
    deps.queue.cancelOwner(port);
  });
  port.onMessage.addListener((message: unknown) => {
    if (!isRecord(message) || message.kind !== 'cades-call' || typeof message.seq !== 'number') return;
    const seq = message.seq;
    void allowed.then(async (ok) => {
      if (!ok) {
        port.disconnect();
        return;
      }
      let reply: CadesBridgeReply;
      try {
        reply = { kind: 'cades-reply', seq, ok: true, result: await page.handle(message.op, message.params) };
      } catch (error) {
        reply = { kind: 'cades-reply', seq, ok: false, error: errorBody(error) };
      }
      if (!alive) return;
      try {
        port.postMessage(reply);
      } catch {
        // the page went away
      }
    });
  });
}

export function isCadesPort(port: Runtime.Port): boolean {
  return port.name === CADES_PORT;
}

/** Registers both scripts for the portals the person added (the manifest covers the built-in table). */
export async function syncCadesUserScripts(): Promise<void> {
  const granted: string[] = [];
  for (const host of await cadesUserPortals()) {
    // Built-in portals have the manifest's scripts; listing them only makes Tokensign serve them beside CryptoPro's extension.
    if (isBuiltinHost(host)) continue;
    const pattern = `https://${host}/*`;
    if (await browser.permissions.contains({ origins: [pattern] })) granted.push(pattern);
  }
  const ids = [CADES_DYNAMIC_SCRIPT_IDS.main, CADES_DYNAMIC_SCRIPT_IDS.isolated];
  const existing = await browser.scripting.getRegisteredContentScripts({ ids }).catch(() => []);
  if (existing.length > 0) await browser.scripting.unregisterContentScripts({ ids: existing.map((s) => s.id) });
  if (granted.length === 0) return;
  const common = { matches: granted, runAt: 'document_start' as const, allFrames: false, persistAcrossSessions: true };
  await browser.scripting.registerContentScripts([
    { ...common, id: CADES_DYNAMIC_SCRIPT_IDS.isolated, js: [CADES_FILES.isolated] },
    // `world` is in Chrome 111+ and Firefox 128+; the polyfill's types predate it.
    { ...common, id: CADES_DYNAMIC_SCRIPT_IDS.main, js: [CADES_FILES.main], world: 'MAIN' } as Parameters<typeof browser.scripting.registerContentScripts>[0][number],
  ]);
}

/** Re-registers the person's portals on start-up and whenever permissions or the list change. */
export function startCadesRegistration(): void {
  keepPortalScriptsRegistered(syncCadesUserScripts, CADES_ORIGINS_KEY);
}

/** The CAdES plug-in adapter as the background sees it (listed in extension/adapters/background.ts). */
export const cadesAdapter: LegacyAdapter = { portName: CADES_PORT, attach: attachCadesPort, start: startCadesRegistration };
