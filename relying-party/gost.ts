// GOST R 34.10-2012 / 34.11-2012 for the verifier: OpenSSL's gost engine through node:crypto when the portal opts in
// (enableGostEngine), the pure-JS shared/gost otherwise. Both give the same answers; the engine is ~2× faster.
import { BoundedCache } from '../shared/bounded-cache';
import { createPublicKey, hash as oneShotHash, setEngine, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { gostPublicKeyFromSpki, isOnCurve, streebog, verifyGostDigest, type GostPublicKey, type GostSize } from '../shared/gost/index';

/** Where Debian's libengine-gost-openssl puts the engine (OpenSSL 3, amd64). */
export const DEFAULT_GOST_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/gost.so';

export type GostEngineStatus = { enabled: true; path: string } | { enabled: false; path: string; error: string };

// Self-test: a TC26-256-A key, and OpenSSL's signature over SELF_TEST_MESSAGE with it.
const SELF_TEST_SPKI =
  '305e301706082a85030701010101300b06092a85030701020101010343000440ef810d736bfc7674a857ddc37a67076988f5d0a4311b35cc44d57' +
  'db276f8dde4526536d21dd4c00089ab917e7b27ed48d713c11ef79d2dc3c1d97d7de976bab3';
const SELF_TEST_SIGNATURE =
  '1b22190bb45322bfdf428c802b87ba4db48a3a90facdde4f9a9ccc40218ab320226cbdb58a292b75af0075004ed57b3a6290ca7ba0bc18ded3581c18215e1479';
const SELF_TEST_MESSAGE = 'Tokensign GOST engine self-test';

let status: GostEngineStatus | null = null;
let useEngine = false;

const md = (size: GostSize) => (size === 256 ? 'md_gost12_256' : 'md_gost12_512');

/** Does node:crypto verify GOST now? Checks a known signature, a forged one, and both Streebogs against shared/gost. */
function engineWorks(): string | null {
  try {
    const key = createPublicKey({ key: Buffer.from(SELF_TEST_SPKI, 'hex'), format: 'der', type: 'spki' });
    const message = Buffer.from(SELF_TEST_MESSAGE);
    const signature = Buffer.from(SELF_TEST_SIGNATURE, 'hex');
    if (!cryptoVerify(md(256), message, key, signature)) return 'the engine refuses a known-good GOST signature';
    signature[10]! ^= 1;
    if (cryptoVerify(md(256), message, key, signature)) return 'the engine accepts a forged GOST signature';
    for (const size of [256, 512] as const) {
      if (!oneShotHash(md(size), message, 'buffer').equals(streebog(size, message))) return `${md(size)} differs from Streebog`;
    }
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? 'unknown error';
  }
}

/**
 * Opt in to OpenSSL's gost engine for GOST signatures and Streebog. crypto.setEngine is process-global, hence
 * explicit. Once it works, later calls just switch it back on; on failure the library keeps the pure-JS
 * implementation and `error` says why. An engine another part of the process loaded is used as it is.
 */
export function enableGostEngine(path: string = DEFAULT_GOST_ENGINE): GostEngineStatus {
  if (status?.enabled) {
    useEngine = true;
    return status;
  }
  let loadError: string | null = null;
  if (engineWorks() !== null) {
    try {
      if (typeof setEngine !== 'function') throw new Error('this Node.js has no crypto.setEngine');
      setEngine(path);
    } catch (e) {
      loadError = (e as Error).message;
    }
  }
  const failure = engineWorks();
  status = failure === null
    ? { enabled: true, path }
    : { enabled: false, path, error: `GOST engine ${path} not usable: ${loadError ?? failure}; GOST stays on the pure-JS implementation` };
  useEngine = status.enabled;
  return status;
}

/** Go back to the pure-JS implementation (the engine stays loaded in OpenSSL: it cannot be unloaded). */
export function disableGostEngine(): void {
  useEngine = false;
}

interface CachedKey {
  key: GostPublicKey | null;
  /** Why the key is unusable (parse error), when key is null. */
  error?: string;
  onCurve: boolean;
  /** undefined: not tried yet; null: the engine refuses this key (some parameter set, say), use shared/gost. */
  native?: KeyObject | null;
}

const byText = new BoundedCache<string, CachedKey>(2000);
const byBytes = new WeakMap<Uint8Array, CachedKey>();

function cached(spki: Uint8Array): CachedKey {
  const known = byBytes.get(spki);
  if (known) return known;
  const id = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength).toString('base64');
  let entry = byText.get(id);
  if (!entry) {
    try {
      const key = gostPublicKeyFromSpki(spki);
      entry = { key, onCurve: isOnCurve(key.curve, key.point) };
    } catch (e) {
      entry = { key: null, error: (e as Error).message, onCurve: false };
    }
    byText.set(id, entry);
  }
  byBytes.set(spki, entry);
  return entry;
}

/** The parsed GOST key of a SubjectPublicKeyInfo (cached); throws a RangeError for anything else. */
export function gostKeyOf(spki: Uint8Array): GostPublicKey {
  const entry = cached(spki);
  if (!entry.key) throw new RangeError(entry.error);
  return entry.key;
}

function nativeKey(spki: Uint8Array, entry: CachedKey): KeyObject | null {
  if (entry.native === undefined) {
    try {
      entry.native = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    } catch {
      entry.native = null;
    }
  }
  return entry.native;
}

/** Which implementation verifies signatures of this key now. */
export function gostBackendFor(spki: Uint8Array): 'openssl' | 'js' {
  const entry = cached(spki);
  return useEngine && entry.onCurve && nativeKey(spki, entry) ? 'openssl' : 'js';
}

/**
 * Verify a GOST R 34.10-2012 signature (s‖r big-endian, as in CMS and X.509) over `data` with the key in `spki`,
 * hashing with the Streebog of the key's size. The key must parse (gostKeyOf first for a clear error).
 */
export function verifyGost(spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const entry = cached(spki);
  const key = entry.key;
  if (!key || !entry.onCurve || signature.length !== key.size / 4) return false;
  const native = useEngine ? nativeKey(spki, entry) : null;
  if (native) {
    try {
      return cryptoVerify(md(key.size), data, native, signature);
    } catch {
      return false;
    }
  }
  return verifyGostDigest(key, streebog(key.size, data), signature);
}

/** Streebog through the engine when it is on, shared/gost otherwise (same bytes). */
export function streebogHash(size: GostSize, data: Uint8Array): Uint8Array {
  return useEngine ? oneShotHash(md(size), data, 'buffer') : streebog(size, data);
}
