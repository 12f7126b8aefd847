// A loaded PKCS#11 module: the thin interface over pkcs11js every vendor module satisfies.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Pkcs11Js from 'pkcs11js';
import type { ModuleStatus } from '../../shared/protocol';
import { CKR } from './constants';
import { isCkr } from './errors';
import { resolveModulePaths, type ModuleResolutionInput, type ResolvedModules } from './modules';

export type Handle = Buffer;

/** The dozen PKCS#11 calls Tokensign makes. pkcs11js' PKCS11 class implements it. */
export type Pkcs11Api = Pick<
  Pkcs11Js.PKCS11,
  | 'C_GetInfo'
  | 'C_GetSlotList'
  | 'C_GetSlotInfo'
  | 'C_GetTokenInfo'
  | 'C_GetMechanismList'
  | 'C_OpenSession'
  | 'C_CloseSession'
  | 'C_Login'
  | 'C_Logout'
  | 'C_FindObjectsInit'
  | 'C_FindObjects'
  | 'C_FindObjectsFinal'
  | 'C_GetAttributeValue'
  | 'C_SignInit'
  | 'C_Sign'
  | 'C_SignAsync'
  | 'C_Finalize'
>;

/**
 * pkcs11js's native class, used without the package's JavaScript wrapper (index.js): the
 * wrapper copies the addon's 658 constants and wraps every method of every instance, which cost
 * about 5 ms of the host's cold start. The addon's errors carry "CKR_NAME:code" in their message,
 * which ckrOf() reads. Only C_Sign differs from the wrapped class: it returns the signature's
 * length, and its asynchronous form takes a callback.
 */
interface NativePkcs11 extends Omit<Pkcs11Api, 'C_Sign' | 'C_SignAsync'> {
  load(path: string): void;
  close(): void;
  C_Initialize(options?: Pkcs11Js.InitializationOptions): void;
  C_Sign(session: Handle, data: Buffer, out: Buffer): number;
  C_SignCallback(session: Handle, data: Buffer, out: Buffer, done: (error: Error | null, length: number) => void): void;
}

/** The pkcs11js addon (pinned to 2.1.7 in package.json, whose native API this relies on). */
export interface Pkcs11Addon {
  PKCS11: new () => NativePkcs11;
  CKF_OS_LOCKING_OK: number;
}

let addon: Pkcs11Addon | undefined;

/** Where the build puts the addon: beside host.mjs, in dist/ and in an installed copy alike. */
const BUNDLED_ADDON = './node_modules/pkcs11js/build/Release/pkcs11.node';

/**
 * Loads the native addon on first use. In the built host it is opened directly with
 * process.dlopen (about 1.3 ms less of start-up than require(), which first sets up the CommonJS
 * loader and resolves the package); from sources (tests) it is found by require(), whose
 * node:module is imported only then.
 */
export async function loadPkcs11Addon(): Promise<Pkcs11Addon> {
  if (!addon) {
    const bundled = fileURLToPath(new URL(BUNDLED_ADDON, import.meta.url));
    if (existsSync(bundled)) {
      const loaded = { exports: {} };
      process.dlopen(loaded, bundled);
      addon = loaded.exports as Pkcs11Addon;
    } else {
      const { createRequire } = await import('node:module');
      addon = createRequire(import.meta.url)('pkcs11js/build/Release/pkcs11.node') as Pkcs11Addon;
    }
  }
  return addon;
}

/** A native instance with the Pkcs11Api signatures (C_Sign returning the signature bytes). */
function asApi(native: NativePkcs11): Pkcs11Api {
  const sign = native.C_Sign.bind(native);
  const signWithCallback = native.C_SignCallback.bind(native);
  const signatures: Pick<Pkcs11Api, 'C_Sign' | 'C_SignAsync'> = {
    C_Sign: (session: Handle, data: Buffer, out: Buffer) => out.subarray(0, sign(session, data, out)),
    C_SignAsync: (session: Handle, data: Buffer, out: Buffer) =>
      new Promise<Buffer>((resolve, reject) => signWithCallback(session, data, out, (error, length) => (error ? reject(error) : resolve(out.subarray(0, length))))),
  };
  return Object.assign(native, signatures) as unknown as Pkcs11Api;
}

export class Pkcs11Module {
  constructor(
    readonly path: string,
    readonly api: Pkcs11Api,
    /** Library description from C_GetInfo, trimmed. */
    readonly description: string,
    /** C_Initialize again after a C_Finalize (absent for modules made in tests). */
    private readonly initialize?: () => void,
  ) {}

  /**
   * C_Finalize and C_Initialize: the module forgets every session and every cached view of its
   * tokens (OpenSC keeps a swapped card's predecessor in view until then). Handles from before are void.
   */
  reinitialize(): void {
    this.finalize();
    try {
      this.initialize?.();
    } catch (e) {
      if (!isCkr(e, CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)) throw e;
    }
  }

  /** Handles of the slots that hold a token now (C_GetSlotList(TRUE) rescans). */
  slotsWithToken(): Handle[] {
    return this.api.C_GetSlotList(true);
  }

  finalize(): void {
    try {
      this.api.C_Finalize();
    } catch {
      // Finalizing at exit is best effort.
    }
  }
}

/** Loads and initializes one module. Throws with a plain-words reason. */
export async function openModule(path: string): Promise<Pkcs11Module> {
  const lib = await loadPkcs11Addon();
  const native = new lib.PKCS11();
  try {
    native.load(path);
  } catch (e) {
    throw new Error(`cannot load ${path}: ${(e as Error).message}`);
  }
  try {
    native.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  } catch (e) {
    // Another user of the library in this process initialized it already: that is fine.
    if (!isCkr(e, CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      try {
        native.close();
      } catch {
        // ignore
      }
      throw new Error(`C_Initialize failed for ${path}: ${(e as Error).message}`);
    }
  }
  const api = asApi(native);
  let description = '';
  try {
    const info = api.C_GetInfo();
    description = `${info.manufacturerID.trim()} ${info.libraryDescription.trim()}`.trim();
  } catch {
    // Informational only.
  }
  return new Pkcs11Module(path, api, description, () => native.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK }));
}

/** The modules of this host process, loaded once and kept initialized across requests. */
export class ModuleSet {
  private constructor(
    readonly resolution: ResolvedModules,
    readonly modules: Pkcs11Module[],
    readonly statuses: ModuleStatus[],
  ) {}

  static async load(input: ModuleResolutionInput = {}): Promise<ModuleSet> {
    const resolution = resolveModulePaths(input);
    const modules: Pkcs11Module[] = [];
    const statuses: ModuleStatus[] = [];
    for (const path of resolution.paths) {
      try {
        modules.push(await openModule(path));
        statuses.push({ path, loaded: true });
      } catch (e) {
        statuses.push({ path, loaded: false, error: (e as Error).message });
      }
    }
    return new ModuleSet(resolution, modules, statuses);
  }

  finalize(): void {
    for (const m of this.modules) m.finalize();
  }
}
