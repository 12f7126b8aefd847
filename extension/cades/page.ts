// CAdES Browser Plug-in emulation, page side (MAIN world, document_start). Every version of the
// page library `cadesplugin_api.js` returns at once when `window.cadesplugin` exists, so defining it
// first makes the page talk to Tokensign: a real Promise carrying the library's constants and
// functions, resolved once the Tokensign host answers. Objects are proxies (runtime.ts) whose
// certificate and signing calls go through the content script (content.ts) to the background.
import { CADES_CHANNEL, type CadesCall, type CadesHello, type CadesPageCall } from './bridge';
import { storeObject } from './certificates';
import { CADES_CONSTANTS, EMULATED_CSP_NAME, EMULATED_CSP_VERSION, EMULATED_JS_MODULE_VERSION, EMULATED_PLUGIN_VERSION } from './constants';
import { cadesError, cadesErrorNameOf as codeName, type CadesErrorTexts } from './errors';
import { loadGenuine, standDown } from './genuine';
import { createRuntime, type CadesRuntime } from './runtime';
import { attributeObject, hashedDataObject, signedDataObject, signerObject } from './signing';

/** The page library gives up after 20 s; Tokensign answers (or refuses) well before. */
const HELLO_TIMEOUT_MS = 15_000;
/** PluginVersion as text. */
const VERSION_TEXT = `${EMULATED_PLUGIN_VERSION.major}.${EMULATED_PLUGIN_VERSION.minor}.${EMULATED_PLUGIN_VERSION.build}`;

declare global {
  interface Window {
    cadesplugin?: unknown;
    __tokensignCades?: boolean;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

function createBridge(getTexts: () => CadesErrorTexts): { call(c: CadesCall): Promise<unknown>; onTexts(f: (t: CadesErrorTexts) => void): void } {
  const pending = new Map<number, Pending>();
  let next = 1;
  let textsListener: ((t: CadesErrorTexts) => void) | null = null;
  window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as Record<string, unknown> | null;
    if (event.source !== window || typeof data !== 'object' || data === null || data.channel !== CADES_CHANNEL || data.dir !== 'reply') return;
    const waiting = typeof data.id === 'number' ? pending.get(data.id) : undefined;
    if (!waiting) return;
    pending.delete(data.id as number);
    if (typeof data.texts === 'object' && data.texts !== null) textsListener?.(data.texts as CadesErrorTexts);
    if (data.ok === true) waiting.resolve(data.result);
    else {
      const error = (data.error ?? {}) as { code?: unknown; message?: unknown };
      const code = typeof error.code === 'string' ? error.code : 'FAILED';
      waiting.reject(cadesError(getTexts(), codeName(code), typeof error.message === 'string' ? error.message : undefined));
    }
  });
  return {
    call(c) {
      const id = next++;
      const message: CadesPageCall = { channel: CADES_CHANNEL, dir: 'call', id, op: c.op, params: c.params };
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        window.postMessage(message, location.origin);
      });
    },
    onTexts(f) {
      textsListener = f;
    },
  };
}

function versionObject(rt: CadesRuntime, v: { major: number; minor: number; build: number }): object {
  return rt.wrap({
    kind: 'Version',
    get: { MajorVersion: () => v.major, MinorVersion: () => v.minor, BuildVersion: () => v.build },
    call: { toString: () => `${v.major}.${v.minor}.${v.build}` },
  });
}

function aboutObject(rt: CadesRuntime): object {
  const p = EMULATED_PLUGIN_VERSION;
  return rt.wrap({
    kind: 'About',
    get: {
      Version: () => VERSION_TEXT,
      MajorVersion: () => p.major,
      MinorVersion: () => p.minor,
      BuildVersion: () => p.build,
      PluginVersion: () => versionObject(rt, p),
    },
    call: {
      CSPVersion: () => versionObject(rt, EMULATED_CSP_VERSION),
      CSPName: () => EMULATED_CSP_NAME,
    },
  });
}

/** ProgIDs (case-insensitive, as COM treats them) → constructors. */
const CLASSES: Record<string, (rt: CadesRuntime) => object> = {
  'cadescom.about': aboutObject,
  'cadescom.store': storeObject,
  'capicom.store': storeObject,
  'cadescom.cpsigner': signerObject,
  'cadescom.cpattribute': attributeObject,
  'cadescom.cadessigneddata': signedDataObject,
  'cadescom.hasheddata': hashedDataObject,
};
/** Objects of the genuine plug-in that Tokensign does not offer: a clear "not supported" instead of "unknown". */
const UNSUPPORTED = /^(cadescom\.(signedxml|rawsignature|envelopeddata|symmetricalgorithm|certificate|cpcertificate|enhanceddata)|capicom\.certificate|x509enrollment\.)/;

function createObject(rt: CadesRuntime, name: unknown): Promise<object> {
  try {
    if (typeof name !== 'string') rt.fail('INVALID_ARGUMENT', 'ProgID');
    const key = name.toLowerCase();
    if (key === 'cadescom.signedxml') rt.fail('XML_SIGNATURE');
    const make = Object.prototype.hasOwnProperty.call(CLASSES, key) ? CLASSES[key] : undefined;
    if (!make) rt.fail(UNSUPPORTED.test(key) ? 'NOT_IMPLEMENTED' : 'UNKNOWN_CLASS', name.slice(0, 80));
    return Promise.resolve(make(rt));
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The generator runner of the page library: each yielded promise's value is sent back in. */
function asyncSpawn(generatorFunc: (...args: unknown[]) => Generator<unknown, unknown, unknown>, ...args: unknown[]): Promise<unknown> {
  const generator = generatorFunc(args);
  const step = (verb: 'next' | 'throw', value: unknown): Promise<unknown> => {
    let result: IteratorResult<unknown, unknown>;
    try {
      result = verb === 'next' ? generator.next(value) : generator.throw(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (result.done) return Promise.resolve(result.value);
    return Promise.resolve(result.value).then(
      (v) => step('next', v),
      (e: unknown) => step('throw', e),
    );
  };
  return step('next', undefined);
}

/** The library's functions on `cadesplugin`; `start` runs on first use. */
function pluginFunctions(plugin: Promise<void>, rt: CadesRuntime, start: () => void): Record<string, unknown> {
  return {
    JSModuleVersion: EMULATED_JS_MODULE_VERSION,
    current_log_level: CADES_CONSTANTS.LOG_LEVEL_ERROR,
    async_spawn: asyncSpawn,
    then(this: Promise<void>, ...args: Parameters<Promise<void>['then']>) {
      start();
      return Promise.prototype.then.apply(this, args);
    },
    CreateObjectAsync: (name: unknown) => {
      start();
      return createObject(rt, name);
    },
    ReleasePluginObjects: () => {
      rt.release();
      return Promise.resolve();
    },
    set: () => undefined,
    set_log_level: (level: unknown) => {
      if (typeof level === 'number') (plugin as unknown as { current_log_level: number }).current_log_level = level;
    },
    getLastError: (error: unknown) => (error instanceof Error ? error.message : String(error)),
    get_extension_version: (callback: unknown) => {
      if (typeof callback === 'function') (callback as (v: string) => void)(VERSION_TEXT);
    },
    is_capilite_enabled: () => false,
  };
}

function install(): void {
  let texts: CadesErrorTexts = {};
  const bridge = createBridge(() => texts);
  const rt = createRuntime((c) => bridge.call(c));
  bridge.onTexts((t) => {
    texts = t;
    rt.texts = t;
  });
  let resolveReady!: () => void;
  let rejectReady!: (reason: unknown) => void;
  const plugin = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // Nothing starts (no host, no look for CryptoPro's extension) until the page uses the plug-in:
  // a portal page that never signs costs nothing.
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    void decide(plugin as unknown as Record<string, unknown>, bridge.call, () => texts, resolveReady, rejectReady);
  };
  Object.assign(plugin, CADES_CONSTANTS, pluginFunctions(plugin, rt, start));
  // `await cadesplugin` and Promise.resolve(cadesplugin) read `constructor` (ECMA-262 PromiseResolve), not `then`.
  Object.defineProperty(plugin, 'constructor', {
    get: () => {
      start();
      return Promise;
    },
  });
  Object.defineProperty(window, 'cadesplugin', { value: plugin, writable: true, configurable: true, enumerable: true });
  // A page that never awaits the promise must not see an "unhandled rejection" for a missing host.
  Promise.prototype.then.call(plugin, undefined, () => undefined);
}

/**
 * Serve the page, or stand down for CryptoPro's own extension: Tokensign serves where the person
 * added the site in the options, and wherever CryptoPro's extension is not found.
 */
async function decide(
  plugin: Record<string, unknown>,
  call: (c: CadesCall) => Promise<unknown>,
  texts: () => CadesErrorTexts,
  resolve: () => void,
  reject: (reason: unknown) => void,
): Promise<void> {
  const timer = setTimeout(() => reject(cadesError(texts(), 'UNAVAILABLE').message), HELLO_TIMEOUT_MS);
  let hello: CadesHello | null = null;
  try {
    hello = (await call({ op: 'hello', params: {} })) as CadesHello;
  } catch {
    hello = null; // the relay or the background is gone: nothing of Tokensign's can serve
  }
  if (!hello?.preferTokensign && (await loadGenuine()) && standDown(plugin, resolve, reject, texts)) {
    clearTimeout(timer);
    return;
  }
  clearTimeout(timer);
  // The page library rejects with a plain string; pages print it as it is.
  if (hello?.host) resolve();
  else reject(cadesError(texts(), 'UNAVAILABLE', hello?.hostError).message);
}

// A dynamically registered copy and the manifest's copy must not both run; a page's own value wins neither.
if (!window.__tokensignCades) {
  window.__tokensignCades = true;
  install();
}
