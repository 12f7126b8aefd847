// The MAIN-world machinery behind every plug-in object: a proxy whose properties are promises,
// `propset_X(v)` setters and methods returning promises, as the asynchronous plug-in's objects behave.
// Objects created before ReleasePluginObjects() answer every call with the "released" error.
import { cadesError, type CadesErrorName, type CadesErrorTexts } from './errors';
import type { CadesCall } from './bridge';

/** What an object does: property getters and setters, and methods. Names are the plug-in's. */
export interface ObjectImpl {
  readonly kind: string;
  get?: Record<string, () => unknown>;
  set?: Record<string, (value: unknown) => void>;
  call?: Record<string, (...args: unknown[]) => unknown>;
}

export interface CadesRuntime {
  texts: CadesErrorTexts;
  /** Raised as an Error of the plug-in's form. */
  fail(name: CadesErrorName, detail?: string): never;
  /** One call through the content script to the background. */
  bridge(call: CadesCall): Promise<unknown>;
  wrap<T extends ObjectImpl>(impl: T): object;
  /** The implementation behind a proxy this runtime made, or undefined for anything else. */
  implOf(value: unknown): ObjectImpl | undefined;
  release(): void;
}

export class CadesFailure extends Error {}

export function createRuntime(bridge: (call: CadesCall) => Promise<unknown>): CadesRuntime {
  const impls = new WeakMap<object, { impl: ObjectImpl; generation: number }>();
  let generation = 0;
  const rt: CadesRuntime = {
    texts: {},
    fail(name, detail) {
      throw cadesError(rt.texts, name, detail);
    },
    bridge,
    wrap(impl) {
      const born = generation;
      const run = (fn: () => unknown): Promise<unknown> => {
        if (born !== generation) return Promise.reject(cadesError(rt.texts, 'RELEASED'));
        try {
          return Promise.resolve(fn()).catch((error: unknown) => Promise.reject(asCadesError(rt, error)));
        } catch (error) {
          return Promise.reject(asCadesError(rt, error));
        }
      };
      const proxy = new Proxy(Object.create(null) as object, {
        get: (_target, name) => member(impl, name, run),
        set: () => true,
        has: (_target, name) => typeof name === 'string' && hasMember(impl, name),
        defineProperty: () => false,
        deleteProperty: () => false,
      });
      impls.set(proxy, { impl, generation: born });
      return proxy;
    },
    implOf(value) {
      if (typeof value !== 'object' || value === null) return undefined;
      const entry = impls.get(value);
      if (entry && entry.generation !== generation) rt.fail('RELEASED');
      return entry?.impl;
    },
    release() {
      generation++;
    },
  };
  return rt;
}

/** Errors raised by our own code pass as they are; anything else (a bug of ours) becomes E_FAIL. */
function asCadesError(rt: CadesRuntime, error: unknown): Error {
  if (error instanceof Error && /\(0x[0-9A-F]{8}\)$/.test(error.message)) return error;
  return cadesError(rt.texts, 'FAILED', error instanceof Error ? error.message : String(error));
}

function hasMember(impl: ObjectImpl, name: string): boolean {
  if (name.startsWith('propset_')) return Boolean(impl.set?.[name.slice(8)]);
  return Boolean(impl.call?.[name] ?? impl.get?.[name]);
}

function member(impl: ObjectImpl, name: string | symbol, run: (fn: () => unknown) => Promise<unknown>): unknown {
  // Not a thenable: `yield object` and `await object` must give the object itself.
  if (typeof name !== 'string' || name === 'then') return undefined;
  if (name.startsWith('propset_')) {
    const setter = impl.set?.[name.slice(8)];
    return setter ? (value: unknown) => run(() => setter(value)) : undefined;
  }
  const method = impl.call?.[name];
  if (method) return (...args: unknown[]) => run(() => method(...args));
  const getter = impl.get?.[name];
  return getter ? run(getter) : undefined;
}

// Argument checks: a wrong type is E_INVALIDARG naming the argument, as the plug-in reports it.
export function argNumber(rt: CadesRuntime, value: unknown, what: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return rt.fail('INVALID_ARGUMENT', what);
}

export function argString(rt: CadesRuntime, value: unknown, what: string, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'string') return value;
  return rt.fail('INVALID_ARGUMENT', what);
}

export function argBoolean(rt: CadesRuntime, value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  return rt.fail('INVALID_ARGUMENT', what);
}

/** The implementation of a proxy of the given kind, or E_INVALIDARG. */
export function argObject<T extends ObjectImpl>(rt: CadesRuntime, value: unknown, kind: string, what: string): T {
  const impl = rt.implOf(value);
  if (!impl || impl.kind !== kind) return rt.fail('INVALID_ARGUMENT', what);
  return impl as T;
}
