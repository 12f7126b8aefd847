// The WebExtension API object the picker window's script uses in place of webextension-polyfill (the
// picker build aliases the polyfill to this module: vite.config.ts, pickerAsOneScript). The window
// calls only runtime.connect, tabs.getZoom, windows.getCurrent/update and i18n, which Firefox's
// `browser` and Chromium's MV3 `chrome` both offer with promises; without the polyfill's 32 KB the
// window's script is less than half as large, and its first frame comes sooner (bench "window wait").
import type { Browser } from 'webextension-polyfill';

const scope = globalThis as { browser?: Browser; chrome?: Browser };
const api: Browser | undefined = scope.browser ?? scope.chrome;
if (!api?.runtime?.connect) throw new Error('picker: no WebExtension API in this page');

export default api;
