// Where the picker window first appears: centred over the browser window the person works in, no
// taller than it. The page then fits itself to the screen and its zoom (picker/window-fit.ts).
import browser from 'webextension-polyfill';
import { PICKER_HEIGHT, PICKER_WIDTH } from '../common/picker-size';

export interface WindowBounds {
  width: number;
  height: number;
  left?: number;
  top?: number;
}

export async function initialWindowBounds(): Promise<WindowBounds> {
  const bounds: WindowBounds = { width: PICKER_WIDTH, height: PICKER_HEIGHT };
  try {
    const current = await browser.windows.getLastFocused();
    if (current.width && current.height && current.left !== undefined && current.top !== undefined) {
      bounds.height = Math.min(PICKER_HEIGHT, Math.max(360, current.height));
      bounds.left = Math.max(0, Math.round(current.left + (current.width - bounds.width) / 2));
      bounds.top = Math.max(0, Math.round(current.top + (current.height - bounds.height) / 2));
    }
  } catch {
    // no browser window to centre on: the browser places it
  }
  return bounds;
}
