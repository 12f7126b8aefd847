// What `status` tells a page (issue 14 item 7): a site learns the extension's and the host's versions
// only once the person has used Tokensign with it (confirmed a window there), or on the person's own
// machine (loopback, where sites under development run). Any other page learns only that Tokensign is
// installed and whether its host is: what it needs to decide to offer the login.
import browser from 'webextension-polyfill';

const CONFIRMED_SITES_KEY = 'confirmedSites';
/** Sites remembered at most; the oldest is forgotten first. */
const MAX_SITES = 200;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The value a page not told versions gets in their place. */
export const UNDISCLOSED = 'installed';

async function confirmedSites(): Promise<string[]> {
  const stored = await browser.storage.local.get(CONFIRMED_SITES_KEY);
  const list = stored[CONFIRMED_SITES_KEY];
  return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string') : [];
}

export async function disclosesVersions(origin: string): Promise<boolean> {
  if (LOOPBACK.has(new URL(origin).hostname)) return true;
  return (await confirmedSites()).includes(origin);
}

/** Called after the person confirmed a window for `origin`. */
export async function rememberSite(origin: string): Promise<void> {
  const sites = (await confirmedSites()).filter((s) => s !== origin);
  sites.push(origin);
  await browser.storage.local.set({ [CONFIRMED_SITES_KEY]: sites.slice(-MAX_SITES) });
}
