// A loaded PKCS#11 module: the thin interface over pkcs11js every vendor module satisfies.
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

type Pkcs11JsModule = typeof Pkcs11Js;
let pkcs11js: Pkcs11JsModule | undefined;

/** Loads the native addon on first use (host start-up stays small for hello-less runs). */
export async function loadPkcs11js(): Promise<Pkcs11JsModule> {
  if (!pkcs11js) {
    const imported = (await import('pkcs11js')) as Pkcs11JsModule & { default?: Pkcs11JsModule };
    pkcs11js = imported.default ?? imported;
  }
  return pkcs11js;
}

export class Pkcs11Module {
  constructor(
    readonly path: string,
    readonly api: Pkcs11Api,
    /** Library description from C_GetInfo, trimmed. */
    readonly description: string,
  ) {}

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
  const lib = await loadPkcs11js();
  const api = new lib.PKCS11();
  try {
    api.load(path);
  } catch (e) {
    throw new Error(`cannot load ${path}: ${(e as Error).message}`);
  }
  try {
    api.C_Initialize({ flags: lib.CKF_OS_LOCKING_OK });
  } catch (e) {
    // Another user of the library in this process initialized it already: that is fine.
    if (!isCkr(e, CKR.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      try {
        api.close();
      } catch {
        // ignore
      }
      throw new Error(`C_Initialize failed for ${path}: ${(e as Error).message}`);
    }
  }
  let description = '';
  try {
    const info = api.C_GetInfo();
    description = `${info.manufacturerID.trim()} ${info.libraryDescription.trim()}`.trim();
  } catch {
    // Informational only.
  }
  return new Pkcs11Module(path, api, description);
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
