// Background: routes page requests (over one port per page) to the actions, owns the native host
// connection and the per-tab queue, serves the popup's overview and the picker windows.
import browser, { type Runtime, type Storage } from 'webextension-polyfill';
import { isValidOrigin } from '../../shared/protocol';
import { BadRequestError, InsecureContextError, toErrorBody } from '../../shared/errors';
import { browserReportedOrigin } from '../common/sender-origin';
import { PAGE_PORT, PICKER_PORT, isRecord, type BridgeResponse, type Overview } from '../common/messages';
import { authenticate, parseAuthenticate, type ActionContext } from './actions/authenticate';
import { parseSign, sign } from './actions/sign';
import { status } from './actions/status';
import { EXTENSION_VERSION, host, limiter, queue } from './context';
import { disclosesVersions, rememberSite } from './site-disclosure';
import { attachPickerPort } from './picker-session';
import { READINGS_STORAGE_KEY, keepLastReadingsIn } from './token-lists';
import { LEGACY_ADAPTERS } from '../adapters/background';

/** The origin to sign: only ever the one the browser reports for the sender, never the page's word. */
function senderOrigin(sender: Runtime.MessageSender | undefined): string {
  const origin = browserReportedOrigin(sender);
  if (origin && isValidOrigin(origin)) return origin;
  if (origin?.startsWith('http:')) throw new InsecureContextError();
  throw new BadRequestError('The page origin is not one Tokensign serves');
}

function onPagePort(port: Runtime.Port): void {
  const tabId = port.sender?.tab?.id;
  if (port.sender?.id !== browser.runtime.id || tabId === undefined || port.sender?.frameId !== 0) {
    port.disconnect();
    return;
  }
  let alive = true;
  const answer = (response: BridgeResponse): void => {
    if (!alive) return;
    try {
      port.postMessage(response);
    } catch {
      // the page went away meanwhile
    }
  };
  port.onDisconnect.addListener(() => {
    alive = false;
    // The tab closed or navigated: close its picker; nobody is left to answer.
    queue.cancelOwner(port);
  });
  port.onMessage.addListener((message: unknown) => {
    if (!isRecord(message) || message.kind !== 'request' || typeof message.id !== 'string') return;
    const id = message.id;
    const params = isRecord(message.params) ? message.params : {};
    handle(port, tabId, message.action, params).then(
      (result) => answer({ kind: 'response', id, ok: true, result }),
      (error: unknown) => answer({ kind: 'response', id, ok: false, error: toErrorBody(error) }),
    );
  });
}

async function handle(port: Runtime.Port, tabId: number, action: unknown, params: Record<string, unknown>): Promise<unknown> {
  const origin = senderOrigin(port.sender);
  switch (action) {
    case 'status':
      return status(host, EXTENSION_VERSION, await disclosesVersions(origin));
    case 'authenticate':
    case 'sign': {
      // Parsed before queuing: a malformed probe is answered at once, whether or not another tab's
      // window is open, and learns nothing of it (issue 14 item 4).
      const run =
        action === 'authenticate'
          ? ((parsed) => (ctx: ActionContext) => authenticate(ctx, parsed))(parseAuthenticate(params))
          : ((parsed) => (ctx: ActionContext) => sign(ctx, parsed))(parseSign(params));
      const result = await limiter.guard(tabId, () => queue.run(tabId, port, (signal) => run({ host, origin, signal }), origin));
      void rememberSite(origin).catch(() => undefined);
      return result;
    }
    default:
      throw new BadRequestError(`Unknown action ${JSON.stringify(action)}`);
  }
}

async function overview(): Promise<Overview> {
  const result: Overview = { extension: EXTENSION_VERSION, host: null, hostError: null, tokens: [], certificates: [] };
  try {
    const hello = await host.connect();
    result.host = { version: hello.version, modules: hello.modules };
    result.tokens = await host.listTokens();
    result.certificates = await host.listCertificates();
  } catch (error) {
    result.hostError = toErrorBody(error);
  }
  return result;
}

browser.runtime.onConnect.addListener((port) => {
  if (port.name === PAGE_PORT) onPagePort(port);
  else if (port.name === PICKER_PORT) attachPickerPort(port);
  else {
    const adapter = LEGACY_ADAPTERS.find((a) => a.portName === port.name);
    if (adapter) adapter.attach(port, { host, queue, limiter });
    else port.disconnect();
  }
});

browser.runtime.onMessage.addListener((message: unknown, sender: Runtime.MessageSender) => {
  // Only the extension's own pages (the popup) ask for the overview; pages talk over PAGE_PORT.
  if (!isRecord(message) || message.kind !== 'overview') return undefined;
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(browser.runtime.getURL(''))) return undefined;
  return overview();
});

// The tokens' last readings (token-lists.ts) in session storage: memory only, closed to content
// scripts, kept while the browser runs, so they outlive this worker when the browser stops it.
const session = browser.storage.session as Storage.StorageArea | undefined;
if (session) {
  keepLastReadingsIn({
    load: async () => (await session.get(READINGS_STORAGE_KEY))[READINGS_STORAGE_KEY],
    save: (readings) => session.set({ [READINGS_STORAGE_KEY]: readings }),
  });
}

// Legacy page-plugin adapters (e.g. their content scripts for portals the person added).
for (const adapter of LEGACY_ADAPTERS) adapter.start?.();

// The extension's messages, read once as the worker starts: the browser hands them to this process
// (Chromium: shared by the worker and the extension's pages), so the picker window's style sheet,
// whose loading asks for them, does not wait on a synchronous request to the browser process just
// when it is busiest (opening that window).
browser.i18n.getMessage('dateLocale');
