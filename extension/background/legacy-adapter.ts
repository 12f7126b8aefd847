// The hook a legacy page-plugin adapter (extension/ifc, ...) plugs into: its own port name, and what
// it needs from the background. The generic background knows adapters only through this interface;
// the list of adapters lives in extension/adapters/background.ts.
import browser, { type Runtime } from 'webextension-polyfill';
import type { NativeHost } from './native-host';
import type { RequestQueue } from './request-queue';
import type { PromptLimiter } from './prompt-limiter';

/** The background's shared host connection, per-tab queue and prompt limits (extension/background/context.ts). */
export interface AdapterDeps {
  host: NativeHost;
  queue: RequestQueue;
  limiter: PromptLimiter;
}

export interface LegacyAdapter {
  /** Ports with this name belong to the adapter's content script. */
  portName: string;
  /** Takes over one such port (checks the sender itself). */
  attach(port: Runtime.Port, deps: AdapterDeps): void;
  /** Runs once when the background starts (e.g. registers content scripts). */
  start?(): void;
}

/**
 * Keeps an adapter's content scripts registered for the portals the person added: `sync` runs now,
 * and again whenever site permissions or the stored list (`storageKey`) change.
 */
export function keepPortalScriptsRegistered(sync: () => Promise<void>, storageKey: string): void {
  const run = (): void => void sync().catch(() => undefined);
  run();
  browser.permissions.onAdded.addListener(run);
  browser.permissions.onRemoved.addListener(run);
  browser.storage.onChanged.addListener((changes) => {
    if (storageKey in changes) run();
  });
}
