// The Chromium extension ids of real Tokensign releases: a host manifest trusts these without being
// asked (docs/RELEASING.md). manifests/release-ids.json lists the published ones; `npm run package`
// bakes in the id of the key that signs its .crx as well.
import published from '../manifests/release-ids.json';

declare const __TOKENSIGN_RELEASE_CHROME_IDS__: readonly string[] | undefined;

export const RELEASE_CHROME_EXTENSION_IDS: readonly string[] =
  typeof __TOKENSIGN_RELEASE_CHROME_IDS__ !== 'undefined' ? __TOKENSIGN_RELEASE_CHROME_IDS__ : published.chrome;
