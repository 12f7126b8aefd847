// The background's single instances, shared by every route (page bridge, popup, other adapters).
import browser from 'webextension-polyfill';
import { ListenWhile } from './listen-while';
import { NativeHost } from './native-host';
import { PromptLimiter } from './prompt-limiter';
import { RequestQueue } from './request-queue';

export const EXTENSION_VERSION = __TOKENSIGN_VERSION__;
/** The one native host connection of this browser session. */
export const host = new NativeHost();
/** One pending picker request per tab; other tabs wait in arrival order. */
export const queue = new RequestQueue();
/** Tabs whose windows the person keeps dismissing get none for a while (issue 14 item 3); a closed tab is forgotten. */
export const limiter: PromptLimiter = new PromptLimiter(Date.now, (held) => tabCloses.update(held));
const tabCloses = new ListenWhile(() => browser.tabs.onRemoved, (tabId: number) => limiter.forget(tabId));
