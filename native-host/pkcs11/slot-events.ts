// Token insertion and removal as they happen: C_WaitForSlotEvent where the module has it (OpenSC),
// a slot-list poll where it does not (SoftHSM). The events are asked for in a worker thread with
// its own handle on the same library (initialized once per process: the worker shares the host's
// C_Initialize), with CKF_DONT_BLOCK every EVENT_POLL_MS: pkcs11js's blocking form holds the
// thread in the module (OpenSC: in SCardGetStatusChange), C_Finalize did not wake it while a card
// was in the reader, and process.exit() then waits for that thread forever (seen on the card stack).
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../lazy-builtins';
import { CKR } from './constants';
import { isCkr } from './errors';
import { loadedAddonPath, type Handle, type Pkcs11Module } from './module';

/** CKF_DONT_BLOCK: C_WaitForSlotEvent returns at once (CKR_NO_EVENT when nothing happened). */
const CKF_DONT_BLOCK = 1;
/** How often a module without C_WaitForSlotEvent is asked for its slots while someone waits. */
export const SLOT_POLL_MS = 250;
/** How often the worker asks a module for its slot events (each ask: one SCardGetStatusChange in OpenSC). */
export const EVENT_POLL_MS = 100;

/** The worker: asks for slot events every EVENT_POLL_MS and posts each slot handle; ends on the first error. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const loaded = { exports: {} };
process.dlopen(loaded, workerData.addon);
const native = new loaded.exports.PKCS11();
native.load(workerData.module);
try { native.C_Initialize({ flags: loaded.exports.CKF_OS_LOCKING_OK }); } catch (e) { if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(e.message)) throw e; }
const tick = () => {
  let slot;
  try { slot = native.C_WaitForSlotEvent(${CKF_DONT_BLOCK}); } catch (e) { parentPort.postMessage({ error: e.message }); return; }
  if (slot) parentPort.postMessage({ slot });
  setTimeout(tick, slot ? 0 : workerData.interval);
};
tick();
`;

/** Whether the module implements C_WaitForSlotEvent (asked without blocking). */
export function supportsSlotEvents(module: Pkcs11Module): boolean {
  try {
    (module.api as unknown as { C_WaitForSlotEvent(flags: number): Handle | null }).C_WaitForSlotEvent(CKF_DONT_BLOCK);
    return true;
  } catch (e) {
    return !isCkr(e, CKR.CKR_FUNCTION_NOT_SUPPORTED) && !/not supported|is not a function/i.test((e as Error).message);
  }
}

/** Slot events of one module, from its own C_WaitForSlotEvent in a worker thread. */
export class SlotEventWatcher {
  private worker: Worker | undefined;
  private stopped = false;
  /** Workers in a row that ended within a second of starting: after 5 the module is polled instead. */
  private quickExits = 0;

  constructor(
    private readonly module: Pkcs11Module,
    private readonly onEvent: (slot: Handle | null) => void,
  ) {}

  /** False once the worker failed again and again: the caller then polls the slot list. */
  get alive(): boolean {
    return !this.stopped;
  }

  start(): void {
    const addon = loadedAddonPath();
    if (this.stopped || this.worker || !addon) return;
    const started = Date.now();
    const worker = new (workerThreads().Worker)(WORKER_SOURCE, { eval: true, workerData: { module: this.module.path, addon, interval: EVENT_POLL_MS } });
    this.worker = worker;
    worker.on('message', (message: { slot?: Buffer | Uint8Array; error?: string }) => {
      if (message.slot) this.onEvent(Buffer.from(message.slot));
    });
    worker.on('exit', () => {
      this.worker = undefined;
      // A re-initialized module (asked between C_Finalize and C_Initialize: CKR_CRYPTOKI_NOT_INITIALIZED): start again.
      this.quickExits = Date.now() - started < 1000 ? this.quickExits + 1 : 0;
      if (this.quickExits >= 5) this.stopped = true;
      if (!this.stopped) {
        this.onEvent(null);
        setTimeout(() => this.start(), 100).unref();
      }
    });
    worker.on('error', () => {});
    // The worker never keeps the host alive (between two asks it can be stopped at any time);
    // unref'd after the listeners are on, which would otherwise ref it again.
    worker.unref();
  }

  /**
   * No more restarts, and the worker ended: a worker still calling into the module while the host
   * calls C_Finalize could hang OpenSC, and with it the host's exit (seen in the card-stack tests).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker?.terminate();
  }
}

/** A module's tokens (slot, serial, label), for modules polled instead of watched: another token in the same slot counts. */
function slotSignature(module: Pkcs11Module): string {
  try {
    return module
      .slotsWithToken()
      .map((slot) => {
        try {
          const info = module.api.C_GetTokenInfo(slot);
          return `${slot.toString('hex')}:${info.serialNumber}:${info.label}`;
        } catch {
          return `${slot.toString('hex')}:?`;
        }
      })
      .join(',');
  } catch (e) {
    return `error:${(e as Error).message}`;
  }
}

export interface TokenEventWait {
  /** Counts the token events the host has seen since it started. */
  generation: number;
  /** True when `generation` passed the caller's. */
  changed: boolean;
}

/**
 * The host's count of token events (a token put in or taken out, in any module), and waits on it.
 * Watched modules report by themselves; the others are polled, but only while someone waits.
 */
export class TokenEvents {
  generation = 0;
  private readonly watchers: SlotEventWatcher[] = [];
  private readonly polled = new Map<Pkcs11Module, string>();
  private readonly waiters = new Set<() => void>();

  constructor(
    modules: Pkcs11Module[],
    private readonly onSlotEvent: (module: Pkcs11Module, slot: Handle | null) => void,
  ) {
    for (const module of modules) {
      if (!supportsSlotEvents(module)) {
        this.polled.set(module, slotSignature(module));
        continue;
      }
      const watcher = new SlotEventWatcher(module, (slot) => {
        this.onSlotEvent(module, slot);
        if (slot) this.bump();
      });
      this.watchers.push(watcher);
      watcher.start();
    }
  }

  /** Modules that report events themselves (C_WaitForSlotEvent). */
  get watchedCount(): number {
    return this.watchers.filter((w) => w.alive).length;
  }

  private bump(): void {
    this.generation++;
    for (const wake of [...this.waiters]) wake();
  }

  private poll(): void {
    for (const [module, before] of this.polled) {
      const now = slotSignature(module);
      if (now === before) continue;
      this.polled.set(module, now);
      this.onSlotEvent(module, null);
      this.bump();
    }
  }

  /** Resolves once the generation passes `since`, after `timeoutMs`, or when interrupt() is called. */
  async wait(since: number, timeoutMs: number): Promise<TokenEventWait> {
    this.poll();
    if (this.generation > since || timeoutMs === 0) return { generation: this.generation, changed: this.generation > since };
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        clearInterval(poller);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      const poller = setInterval(() => this.poll(), SLOT_POLL_MS);
      this.waiters.add(done);
    });
    return { generation: this.generation, changed: this.generation > since };
  }

  /** Ends every wait now (another request arrived: replies stay in order). */
  interrupt(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** No more restarts of the watchers, and their threads ended (host exit, before the modules' C_Finalize). */
  async stop(): Promise<void> {
    this.interrupt();
    await Promise.all(this.watchers.map((watcher) => watcher.stop()));
  }
}
