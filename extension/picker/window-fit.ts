// The window sizes itself from the screen and its zoom: at 200 % it is twice as large (up to the
// screen), so the site, the list and the buttons keep the room they have at 100 %. It only grows.
import browser from 'webextension-polyfill';
import { PICKER_HEIGHT, PICKER_WIDTH } from '../common/picker-size';

async function zoomFactor(): Promise<number> {
  try {
    const zoom = await browser.tabs.getZoom();
    return zoom > 0 ? zoom : 1;
  } catch {
    return 1;
  }
}

/** Resizes the window to fit its content at its zoom, within the screen; never shrinks it. */
export async function fitWindow(): Promise<void> {
  const zoom = await zoomFactor();
  const frame = Math.max(0, window.outerHeight - window.innerHeight * zoom);
  const content = document.documentElement.scrollHeight * zoom + frame;
  const width = Math.min(screen.availWidth, Math.round(PICKER_WIDTH * zoom));
  const height = Math.min(screen.availHeight, Math.round(Math.max(content, PICKER_HEIGHT * Math.min(zoom, 1))));
  if (width <= window.outerWidth && height <= window.outerHeight) return;
  const current = await browser.windows.getCurrent();
  if (current.id === undefined) return;
  const left = Math.max(0, Math.min(current.left ?? 0, screen.availWidth - width));
  const top = Math.max(0, Math.min(current.top ?? 0, screen.availHeight - height));
  await browser.windows.update(current.id, { width: Math.max(width, window.outerWidth), height: Math.max(height, window.outerHeight), left, top });
}
