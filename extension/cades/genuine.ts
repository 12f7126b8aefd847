// CryptoPro's own extension, seen from the page (MAIN world). Where it is installed and the person has
// not chosen Tokensign for the site, Tokensign stands down: it loads CryptoPro's extension script the
// way the public page library `cadesplugin_api.js` does, and passes the page's calls on to it.
// Not tested against the genuine extension (it cannot be installed here); a stand-in answers in the e2e test.
import { cadesError, type CadesErrorTexts } from './errors';

/** Ids of "CryptoPro Extension for CAdES Browser Plug-in": the Chrome Web Store's MV3 and older ones, Opera add-ons. */
const CHROMIUM_EXTENSION_IDS = ['pfhgbfnnjiafkhfdkmpiflachepdcjod', 'iifchhfnnmpdbibifmljnfjhpififfog', 'epebfcehmdedogndhlcacafjaacknbcm'];
const ECHO_REQUEST = 'cadesplugin_echo_request';
const ECHO_REPLY = 'cadesplugin_loaded';
/** Firefox and Safari name their script's address in the echo reply; only such an address is loaded. */
const ECHO_URL = /^(moz|safari)-extension:\/\/[a-zA-Z0-9/_-]+\/nmcades_plugin_api\.js$/;
/** After DOMContentLoaded, how long the echo may take: the genuine content script answers at once. */
const ECHO_GRACE_MS = 300;

interface GenuineApi {
  check_chrome_plugin(resolve: () => void, reject: (reason: unknown) => void): void;
  CreateObjectAsync?(name: string): Promise<unknown>;
  ReleasePluginObjects?(): unknown;
}

function loadScript(src: string): Promise<boolean> {
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve(true);
    script.onerror = () => {
      script.remove();
      resolve(false);
    };
    (document.head ?? document.documentElement).appendChild(script);
  });
}

/** The echo reply's script address (Firefox, Safari), '' when the reply names none (Chromium), null when no reply. */
function listenForEcho(): Promise<string | null> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: string | null): void => {
      if (done) return;
      done = true;
      window.removeEventListener('message', onMessage);
      resolve(value);
    };
    const onMessage = (event: MessageEvent<unknown>): void => {
      if (event.source !== window || typeof event.data !== 'string' || !event.data.startsWith(ECHO_REPLY)) return;
      const at = event.data.indexOf('url:');
      const url = at >= 0 ? event.data.slice(at + 4) : '';
      if (url === '' || ECHO_URL.test(url)) finish(url);
    };
    window.addEventListener('message', onMessage);
    const ask = (): void => window.postMessage(ECHO_REQUEST, '*');
    ask();
    const afterLoad = (): void => {
      ask();
      setTimeout(() => finish(null), ECHO_GRACE_MS);
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', afterLoad, { once: true });
    else afterLoad();
  });
}

/** Loads CryptoPro's extension script when the extension is there; true when it is now in the page. */
export async function loadGenuine(): Promise<boolean> {
  const echo = listenForEcho();
  for (const id of CHROMIUM_EXTENSION_IDS) {
    if (navigator.userAgent.includes('Firefox')) break;
    if (await loadScript(`chrome-extension://${id}/nmcades_plugin_api.js`)) {
      // As the page library does: the extension's content script answers the echo before the check.
      await echo;
      return true;
    }
  }
  const url = await echo;
  return Boolean(url) && (await loadScript(url!));
}

/** The object CryptoPro's script left in the page, once loaded. */
function genuineApi(): GenuineApi | null {
  const api = (window as unknown as { cpcsp_chrome_nmcades?: GenuineApi }).cpcsp_chrome_nmcades;
  return api && typeof api.check_chrome_plugin === 'function' ? api : null;
}

/**
 * Turns Tokensign's `cadesplugin` into a pass-through to CryptoPro's extension: the page keeps the
 * object it already holds, and its calls reach the genuine plug-in. False when the script left nothing.
 */
export function standDown(plugin: Record<string, unknown>, resolve: () => void, reject: (reason: unknown) => void, texts: () => CadesErrorTexts): boolean {
  const api = genuineApi();
  if (!api) return false;
  let registered: GenuineApi | null = null;
  const target = (): GenuineApi => registered ?? api;
  Object.assign(plugin, {
    // CryptoPro's script registers its plug-in object through cadesplugin.set, as with the page library.
    set: (object: GenuineApi) => {
      registered = object;
    },
    // A genuine object without CreateObjectAsync (an old or broken CryptoPro script): the page gets the
    // plug-in's own "not implemented" error, with its HRESULT, as from any other missing method.
    CreateObjectAsync: (name: string) =>
      target().CreateObjectAsync?.(name) ?? Promise.reject(cadesError(texts(), 'NOT_IMPLEMENTED', `CryptoPro's extension offers no CreateObjectAsync (${name})`)),
    ReleasePluginObjects: () => target().ReleasePluginObjects?.(),
  });
  api.check_chrome_plugin(resolve, reject);
  return true;
}
