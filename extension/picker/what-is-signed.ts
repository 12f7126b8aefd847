// The window's "what is signed" section (issue 14 items 2 and 7): name, size, SHA-256, and the whole
// text, scrollable, its length stated, invisible and reordering characters shown as stand-ins. The
// confirm button waits until the end of the text has been seen, uncovered, so padding cannot hide text.
import { el, plural } from '../common/i18n';
import { textLength, visibleSegments, type SignedSummary } from '../common/signed-summary';

type Translate = (key: string, substitutions?: string | string[]) => string;

let shownKey: string | null = null;
let reviewed = true;

function keyOf(summary: SignedSummary): string {
  return `${summary.sha256 ?? summary.hash?.hex ?? ''}:${summary.size}`;
}

/** True once the person could have seen all of it: its end has been on screen (true at once for no text). */
export function contentReviewed(): boolean {
  return reviewed;
}

let endWatch: EndWatch | null = null;
let textShown: HTMLElement | null = null;

/** The box of a text to sign not yet seen to its end (the window gives it the focus), else null. */
export function unreadText(): HTMLElement | null {
  return reviewed ? null : textShown;
}

/** Says on the page's root whether a text is still to be read (the style sheet keeps the PIN form out of its way then). */
function markUnread(doc: Document, unread: boolean): void {
  doc.documentElement.toggleAttribute('data-text-unread', unread);
}

/** Whether the mark after the text's last character can be seen now: inside the box's view and the window's, and not under anything (the sticky PIN form or buttons). */
function endVisible(box: HTMLElement, end: HTMLElement, view: Window): boolean {
  const mark = end.getBoundingClientRect();
  const frame = box.getBoundingClientRect();
  const x = mark.left + mark.width / 2;
  const y = mark.top + mark.height / 2;
  if (x < Math.max(0, frame.left) || y < Math.max(0, frame.top) || x > Math.min(view.innerWidth, frame.right) || y > Math.min(view.innerHeight, frame.bottom)) return false;
  const top = view.document.elementFromPoint(x, y);
  return top !== null && box.contains(top);
}

interface EndWatch {
  stop(): void;
}

/**
 * Calls `onSeen` once the end mark has been seen: in a frame the browser drew (an IntersectionObserver
 * reports it on screen), inside the box's scrolled view and the window's, and not covered. The
 * observer does not know what covers the mark, so while it reports it on screen each scroll or resize
 * looks again, at the next frame.
 */
function watchEnd(box: HTMLElement, end: HTMLElement, onSeen: () => void): EndWatch {
  const view = box.ownerDocument.defaultView;
  let onScreen = false;
  let frame = 0;
  const look = (): void => {
    frame = 0;
    if (onScreen && view && endVisible(box, end, view)) {
      stop();
      onSeen();
    }
  };
  const lookNextFrame = (): void => {
    if (onScreen && frame === 0 && view) frame = view.requestAnimationFrame(look);
  };
  const observer = new IntersectionObserver((entries) => {
    onScreen = entries.some((entry) => entry.isIntersecting);
    look();
  });
  const stop = (): void => {
    observer.disconnect();
    if (frame !== 0) view?.cancelAnimationFrame(frame);
    view?.removeEventListener('scroll', lookNextFrame, true);
    view?.removeEventListener('resize', lookNextFrame);
  };
  observer.observe(end);
  view?.addEventListener('scroll', lookNextFrame, { capture: true, passive: true });
  view?.addEventListener('resize', lookNextFrame, { passive: true });
  return { stop };
}

/**
 * The text in a scrolling box, with a mark after its last character. The text counts as seen once
 * that mark has been seen (watchEnd). A box measured instead could pass for seen before the style
 * sheet made it a scrolling box, while its end was below the window's edge, or under the PIN form.
 */
function textBox(doc: Document, text: string, onReviewed: () => void): HTMLElement {
  const box = el('pre', { id: 'signed-content-text', 'data-testid': 'signed-content-text', class: 'signed-text', dir: 'ltr', tabindex: '0' });
  for (const segment of visibleSegments(text)) {
    box.append(segment.control ? el('span', { class: 'control' }, segment.text) : segment.text);
  }
  const end = el('span', { 'aria-hidden': 'true' });
  // Sized here, not by the style sheet, so that it has an area before the sheet has come.
  Object.assign(end.style, { display: 'inline-block', width: '1px', height: '1px' });
  box.append(end);
  endWatch = watchEnd(box, end, () => {
    if (reviewed) return;
    reviewed = true;
    markUnread(doc, false);
    onReviewed();
  });
  return box;
}

function facts(summary: SignedSummary, t: Translate): HTMLElement {
  const list = el('dl', { class: 'signed-facts' });
  const add = (label: string, value: string, testid: string): void => {
    list.append(el('dt', {}, label), el('dd', { 'data-testid': testid }, value));
  };
  if (summary.name) add(t('signedName'), summary.name, 'signed-name');
  add(t('signedSize'), plural('signedBytes', summary.size), 'signed-size');
  if (summary.sha256) add('SHA-256', summary.sha256, 'signed-sha256');
  if (summary.text !== null) {
    const { characters, lines } = textLength(summary.text);
    add(t('signedLength'), `${plural('signedCharacters', characters)}, ${plural('signedLines', lines)}`, 'signed-length');
  }
  return list;
}

/** Fills the section from the view; hides it when nothing is to be shown. Calls `onReviewed` once the end was in view. */
export function renderWhatIsSigned(doc: Document, summary: SignedSummary | null | undefined, t: Translate, onReviewed: () => void): void {
  const section = doc.getElementById('signed-content');
  if (!section) return;
  section.hidden = !summary;
  if (!summary) {
    shownKey = null;
    reviewed = true;
    textShown = null;
    endWatch?.stop();
    markUnread(doc, false);
    return;
  }
  const key = keyOf(summary);
  if (key === shownKey) return;
  shownKey = key;
  reviewed = summary.text === null;
  const warning = el('p', { class: 'error', role: 'alert', 'data-testid': summary.hash ? 'hash-warning' : 'signed-warning' });
  warning.hidden = !summary.hash && !summary.textTooLong;
  if (summary.hash) warning.textContent = t(summary.hash.raw ? 'signedRawHashWarning' : 'signedHashWarning');
  else if (summary.textTooLong) warning.textContent = t('signedTooLong');
  const body: Node[] = [el('h2', {}, t('signedTitle')), warning, facts(summary, t)];
  endWatch?.stop();
  markUnread(doc, !reviewed);
  textShown = summary.text !== null ? textBox(doc, summary.text, onReviewed) : null;
  if (summary.hash) body.push(el('pre', { 'data-testid': 'signed-content-text', class: 'signed-text' }, summary.hash.hex));
  else if (textShown) body.push(el('p', { class: 'muted' }, t('signedScrollHint')), textShown);
  else if (!summary.textTooLong) body.push(el('p', { class: 'muted', 'data-testid': 'signed-content-text' }, t('signedBinary')));
  // A text that fits is seen at the first frame that shows it, without scrolling.
  section.replaceChildren(...body);
}
