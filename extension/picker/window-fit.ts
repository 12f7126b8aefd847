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
  // Everything below is in screen pixels, the windows API's unit. Chromium gives `screen` and the
  // window's outer size in them at any zoom; Firefox gives them in CSS pixels, which its zoom scales
  // (at 200 % a 768-pixel screen reads as 384). The scale is measured against the windows API rather
  // than assumed per browser; at 100 % the two agree, so nothing is asked then.
  let current = zoom === 1 ? null : await browser.windows.getCurrent();
  const unit = current?.width && window.outerWidth > 0 ? current.width / window.outerWidth : 1;
  const outerWidth = window.outerWidth * unit;
  const outerHeight = window.outerHeight * unit;
  const availWidth = screen.availWidth * unit;
  const availHeight = screen.availHeight * unit;
  const frame = Math.max(0, outerHeight - window.innerHeight * zoom);
  const content = document.documentElement.scrollHeight * zoom + frame;
  const width = Math.min(availWidth, Math.round(PICKER_WIDTH * zoom));
  const height = Math.min(availHeight, Math.round(Math.max(content, PICKER_HEIGHT * Math.min(zoom, 1))));
  if (width <= outerWidth && height <= outerHeight) return;
  current ??= await browser.windows.getCurrent();
  if (current.id === undefined) return;
  // Kept on the screen it is on: with a second screen, that screen's area starts away from 0 (to the
  // right, left or above the main one). availLeft/availTop are not in every browser's typing, but are
  // in Chromium's and Firefox's screen; without them the screen is taken to start at 0.
  const area = screen as Screen & { availLeft?: number; availTop?: number };
  const screenLeft = (area.availLeft ?? 0) * unit;
  const screenTop = (area.availTop ?? 0) * unit;
  const left = Math.max(screenLeft, Math.min(current.left ?? screenLeft, screenLeft + availWidth - width));
  const top = Math.max(screenTop, Math.min(current.top ?? screenTop, screenTop + availHeight - height));
  await browser.windows.update(current.id, { width: Math.round(Math.max(width, outerWidth)), height: Math.round(Math.max(height, outerHeight)), left: Math.round(left), top: Math.round(top) });
}
