// The picker window: opens at once naming the site and a progress state, then shows each token's
// certificates as the host reads them, takes the choice and the PIN and hands both to the background.
// The PIN field is cleared as soon as it has been sent. Sections live in their own modules.
// First: the port to the background opens before anything else of the script runs.
import { listen, port } from './early-port';
import type { Runtime } from 'webextension-polyfill';
import type { ErrorBody, TokenInfo } from '../../shared/protocol';
import { sortForDisplay, unusableReason } from '../common/certificate-view';
import { el, localizeDocument, plural, t } from '../common/i18n';
import { isRecord, type PickerAction, type PickerCommand, type PickerView, type ShownCertificate } from '../common/messages';
import { choosable, windowState, type WindowState } from '../common/picker-state';
import type { SiteParts } from '../common/site';
import { CertificateList } from './cert-list';
import { errorAdvice, errorText, pinHint } from './pin-texts';
import { renderSite } from './site-header';
import { contentReviewed, renderWhatIsSigned, unreadText } from './what-is-signed';
import { renderState, stateAnnouncement } from './state-message';
import { fitWindow } from './window-fit';

const $ = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`picker: #${id} missing`);
  return node as T;
};

/**
 * The window's content is left out of its frames until the background's first view, or at the latest
 * this long after the script started. That view comes some 10 ms after the script starts, with the
 * certificates when the host has already listed them. A frame showing the site and a progress line
 * alone used to come just before it, and the view then waited behind that frame (warm waits,
 * 2026-12-06, 120 each way: the window's script to the list's frame 23.6 → 20.2 ms, the view's
 * arrival 12.2 → 8.6 ms; the site is shown ~7 ms later, with the list). A background slow to answer
 * (Firefox waking its background page) still has the site and the progress line shown by then.
 */
const REVEAL_LATEST_MS = 100;

// The window's parts, found once the page is parsed (the async script may run before: start()).
/** Everything the window shows (hidden until reveal()). */
let content!: HTMLElement;
let pinForm!: HTMLFormElement;
/** Cancel and the confirm button, stuck to the window's bottom. */
let bottomBar!: HTMLElement;
let pinInput!: HTMLInputElement;
let hint!: HTMLParagraphElement;
let errorLine!: HTMLParagraphElement;
let progress!: HTMLParagraphElement;
let confirmButton!: HTMLButtonElement;
let cancelButton!: HTMLButtonElement;
let stateSection!: HTMLElement;
let listHeading!: HTMLElement;
let live!: HTMLElement;
let list!: CertificateList;

function findParts(): void {
  content = $<HTMLElement>('content');
  pinForm = $<HTMLFormElement>('pin-form');
  pinInput = $<HTMLInputElement>('pin');
  hint = $<HTMLParagraphElement>('pin-hint');
  errorLine = $<HTMLParagraphElement>('error');
  progress = $<HTMLParagraphElement>('progress');
  confirmButton = $<HTMLButtonElement>('confirm');
  cancelButton = $<HTMLButtonElement>('cancel');
  stateSection = $<HTMLElement>('state');
  listHeading = $<HTMLElement>('list-heading');
  live = $<HTMLElement>('live');
  bottomBar = document.querySelector<HTMLElement>('.buttons')!;
  list = new CertificateList($<HTMLUListElement>('certs'), { select, activate: (id) => activate(id, 'whole'), reachedFirst: showWindowTop });
}

let view: PickerView | null = null;
let selectedId: string | null = null;
let preselectApplied = false;
let focusPlaced = false;
let lastState: WindowState | null = null;
let lastErrorKey = '';
/** Said in the error line when no host error is: a pulled token dropped the choice. */
let localNotice: string | null = null;
let shownCount = 0;

function tokenOf(cert: ShownCertificate): TokenInfo | undefined {
  return view?.tokens.find((tk) => tk.id === cert.tokenId);
}

function usable(cert: ShownCertificate): boolean {
  return view !== null && unusableReason(cert, tokenOf(cert), view.action) === null;
}

function selected(): ShownCertificate | undefined {
  return view?.certificates.find((c) => c.id === selectedId);
}

function pinNeeded(token: TokenInfo | undefined): boolean {
  if (view?.fixed?.pinFromPage) return false;
  return !token || (token.pin.loginRequired && !token.pin.protectedPath);
}

/**
 * Says `text` in the live region once the next frame is on screen. Given as a function, the text is
 * made then too: a count's plural rules are ICU data (Intl.PluralRules) that a fresh window would
 * otherwise load on the way to its first list. Re-setting the same text is not announced again, so
 * the region is cleared first.
 */
function announce(text: string | (() => string)): void {
  live.textContent = '';
  requestAnimationFrame(() =>
    setTimeout(() => {
      const said = typeof text === 'function' ? text() : text;
      if (said) live.textContent = said;
    }, 0),
  );
}

function select(id: string): void {
  const cert = view?.certificates.find((c) => c.id === id);
  if (!cert || !usable(cert) || view?.phase !== 'choose') return;
  if (selectedId !== id) {
    selectedId = id;
    pinInput.value = '';
    localNotice = null;
    errorLine.hidden = true;
  }
  renderList();
  renderForm();
}

/**
 * A click or Enter on a card, or the only certificate: go on to the PIN (or straight to the button).
 * When the person chose it (`whole`), the chosen card and then that field are brought wholly into
 * sight, and the window moves no further: browsers scroll a focused field that sticks to the bottom
 * as if it lay in the scroll padding, and Chromium took the site's name off the top on every click on
 * a certificate, the first one too.
 */
function activate(id: string, sight: Sight): void {
  select(id);
  if (selectedId !== id) return;
  const card = sight === 'whole' ? list.card(id) : null;
  if (card) keepInSight(card, 'whole');
  (!pinInput.hidden && !pinInput.disabled ? pinInput : confirmButton).focus(QUIET);
  keepFocusInSight(sight);
}

const QUIET: FocusOptions = { preventScroll: true };

/** How much of a part must be in sight: all of it (the person moved there), or any of it (the window did). */
type Sight = 'whole' | 'some';

/**
 * After a focus move made without the browser's scrolling (QUIET): the window scrolls only as far as
 * `sight` asks. When the window placed the focus itself (on opening, or put back in Firefox) it
 * scrolls only when the focused part is wholly out of sight, so that the site's name at the top stays
 * in view whenever it can: a browser scrolls the whole focused element into view, which at 200 % zoom
 * took the site's name off the top to show all of the first certificate.
 */
function keepFocusInSight(sight: Sight = 'some'): void {
  const focused = document.activeElement;
  if (focused instanceof HTMLElement && focused !== document.body) keepInSight(focused, sight);
}

function keepInSight(part: HTMLElement, sight: Sight): void {
  const bottom = window.innerHeight - coveredBelow(part);
  const box = part.getBoundingClientRect();
  // Whole: all that it shows, its bottom padding and border may be covered (a card's last few pixels
  // under the PIN form hide nothing, and scrolling for them moved the window under the mouse).
  const style = getComputedStyle(part);
  const shownBottom = box.bottom - (parseFloat(style.paddingBottom) || 0) - (parseFloat(style.borderBottomWidth) || 0);
  const out = sight === 'whole' ? box.top < 0 || shownBottom > bottom : box.bottom <= 0 || box.top >= bottom;
  if (out) part.scrollIntoView({ block: 'nearest' });
}

/**
 * How much of the window's bottom lies over `part`: the PIN form (where it sticks) and the bar, as
 * they are now, at most what the style sheet's scroll margin allows for them, which is also where a
 * part scrolled into view comes to rest. The form's own fields and the bar's buttons have their own.
 */
function coveredBelow(part: HTMLElement): number {
  const margin = parseFloat(getComputedStyle(part).scrollMarginBottom) || 0;
  if (part.closest('form, .buttons')) return margin;
  const sticks = !pinForm.hidden && getComputedStyle(pinForm).position === 'sticky';
  const top = (sticks ? pinForm : bottomBar).getBoundingClientRect().top;
  return Math.min(margin, Math.max(0, window.innerHeight - top));
}

/**
 * Back at the first certificate with the arrow keys, the window scrolls to its top, so that the site's
 * name above the list is in view again, as long as the card stays wholly in sight there.
 */
function showWindowTop(id: string): void {
  const card = list.card(id);
  if (!card || window.scrollY === 0) return;
  if (card.getBoundingClientRect().bottom + window.scrollY <= window.innerHeight - coveredBelow(card)) window.scrollTo({ top: 0 });
}

function renderHeader(site: SiteParts, action: PickerAction): void {
  renderSite($('origin'), $('origin-other'), site);
  $('action').textContent = t(action === 'authenticate' ? 'pickerActionAuthenticate' : 'pickerActionSign');
  confirmButton.textContent = t(action === 'authenticate' ? 'confirmAuthenticate' : 'confirmSign');
}

/** Shows the window's content, once: at the background's first view, or REVEAL_LATEST_MS after start. */
function reveal(): void {
  if (!content.hidden) return;
  content.hidden = false;
  // User Timing: the bench reads when the site was first on screen.
  requestAnimationFrame(() => performance.mark('tokensign:site-shown'));
}

function render(next: PickerView): void {
  reveal();
  const previousSelection = selected();
  view = next;
  renderHeader(next.site, next.action);
  renderWhatIsSigned(document, next.signed, t, () => renderForm());
  $('signed-content').dataset.adapter = next.fixed?.adapter ?? '';
  applySelection(next, previousSelection);
  const state = next.phase === 'working' ? 'choose' : windowState(next);
  const previousState = lastState;
  lastState = state;
  renderState(stateSection, state);
  chooseTheOnlyOne(state);
  renderList();
  renderError(next.error);
  renderForm(state);
  renderReading(state);
  if (state !== previousState) {
    const usableCount = next.certificates.filter(usable).length;
    announce(() => (state === 'choose' ? plural('certificatesFound', usableCount) : stateAnnouncement(state)));
  }
  placeFocus(state);
  const count = next.certificates.length;
  if (count > shownCount) {
    shownCount = count;
    requestAnimationFrame(() => {
      performance.mark('tokensign:certificates-shown');
      // The window grows to fit once these certificates are on screen: its size is asked of the browser,
      // and the page laid out again at the new size, after the frame that shows them, not before it.
      setTimeout(() => void fitWindow().then(restoreFocus, () => undefined), 0);
    });
  }
}

/**
 * When the window first offers a choice and only one certificate can be chosen, it is chosen before
 * the list is built, so that its card is built once, selected (placeFocus then moves on to the PIN).
 */
function chooseTheOnlyOne(state: WindowState): void {
  if (focusPlaced || state !== 'choose' || selectedId !== null) return;
  const only = theOnlyUsable();
  if (only) selectedId = only.id;
}

/** The one certificate that can be chosen, when there is exactly one. */
function theOnlyUsable(): ShownCertificate | undefined {
  const usableOnes = view ? choosable(view).filter(usable) : [];
  return usableOnes.length === 1 ? usableOnes[0] : undefined;
}

/** Preselection, the adapter's fixed certificate, and a pulled token dropping the choice (said, not silent). */
function applySelection(next: PickerView, previous: ShownCertificate | undefined): void {
  if (!preselectApplied && next.preselect) {
    const match = next.certificates.find((c) => c.thumbprint === next.preselect && usable(c));
    if (match) selectedId = match.id;
    preselectApplied = true;
  }
  if (next.fixed) selectedId = next.fixed.certificateId;
  const current = selected();
  if (selectedId && (!current || !usable(current))) {
    selectedId = null;
    if (previous && !current) {
      pinInput.value = '';
      localNotice = t('tokenPulled');
      announce(localNotice);
    }
  }
}

/** Once: a text to sign still to read, else the only certificate's PIN field, else the first usable certificate, else the state message. */
function placeFocus(state: WindowState): void {
  if (focusPlaced || state === 'connecting' || state === 'reading') return;
  focusPlaced = true;
  focusFor(state);
  // Firefox may take the focus back to the window itself while it activates it, without an event.
  for (const ms of [100, 400, 1000]) setTimeout(restoreFocus, ms);
}

/** Firefox may drop the focus when it focuses or resizes the window after the page placed it: put it back. */
function restoreFocus(): void {
  const lost = document.activeElement === document.body || document.activeElement === null;
  if (!lost || !focusPlaced || !lastState) return;
  const text = unreadText();
  if (text) text.focus(QUIET);
  else if (selectedId && !pinInput.hidden && !pinInput.disabled) pinInput.focus(QUIET);
  else if (!(selectedId && list.focus(selectedId, QUIET))) return focusFor(lastState);
  keepFocusInSight();
}

function focusFor(state: WindowState): void {
  if (state !== 'choose') stateSection.focus(QUIET);
  else focusChoice();
  keepFocusInSight();
}

function focusChoice(): void {
  const only = theOnlyUsable();
  // A text to sign is read first: its box takes the focus (arrow keys scroll it; Tab goes on to the
  // certificates). Focusing a certificate or the PIN below it would scroll the site's name out of view;
  // so would focusing a box taller than the window (before the style sheet, or in a short window).
  const text = unreadText();
  if (text) {
    if (only) select(only.id);
    text.focus(QUIET);
    return;
  }
  if (only) activate(only.id, 'some');
  else if (!(selectedId && list.focus(selectedId, QUIET))) list.focusFirst(QUIET);
}

function renderList(): void {
  if (!view) return;
  const current = view;
  const shown = sortForDisplay(choosable(current), current.tokens, current.action);
  listHeading.hidden = shown.length === 0;
  listHeading.textContent = t(windowState(current) === 'choose' ? 'chooseCertificate' : 'certificatesOnTokens');
  list.render({ certificates: shown, tokenOf, reasonOf: (c) => unusableReason(c, tokenOf(c), current.action), selectedId });
}

function renderReading(state: WindowState): void {
  const reading = $('reading');
  const pending = state === 'choose' ? (view?.pendingTokens ?? []) : [];
  reading.hidden = pending.length === 0;
  const label = view?.tokens.find((tk) => tk.id === pending[0])?.label ?? '';
  reading.textContent = pending.length ? t('stateStillReading', label) : '';
}

function renderForm(state: WindowState = lastState ?? 'connecting'): void {
  const working = view?.phase === 'working';
  const cert = selected();
  const token = cert ? tokenOf(cert) : undefined;
  pinForm.hidden = state !== 'choose';
  confirmButton.hidden = state !== 'choose';
  cancelButton.textContent = t(state === 'choose' ? 'cancel' : 'close');
  progress.hidden = !working;
  progress.textContent = working ? t('progressWorking') : '';
  const pinFromPage = Boolean(view?.fixed?.pinFromPage);
  $('pin-label').hidden = pinFromPage;
  pinInput.hidden = pinFromPage;
  pinInput.disabled = working || !cert || !pinNeeded(token);
  const next = pinHint(cert, token, pinFromPage, !errorLine.hidden && errorLine.dataset.code === 'PIN_INCORRECT');
  if (next.state === 'final-try' && hint.dataset.state !== 'final-try') announce(next.text);
  withAdvice(hint, next.text, next.advice ?? null);
  hint.dataset.state = next.state;
  confirmButton.disabled = working || !cert || (pinNeeded(token) && pinInput.value.length === 0) ||
    // Not before the end of what is signed has been in view (extension/picker/what-is-signed.ts).
    !contentReviewed();
}

/** A short line in the line's own style (bold red for a locked PIN), then what to do in plain type. */
function withAdvice(line: HTMLElement, text: string, advice: string | null): void {
  if (!advice) line.textContent = text;
  else line.replaceChildren(text, ' ', el('span', { class: 'advice', 'data-testid': 'advice' }, advice));
}

function renderError(error: ErrorBody | null): void {
  const key = error ? JSON.stringify(error) : '';
  const text = error ? errorText(error) : localNotice;
  errorLine.hidden = text === null;
  withAdvice(errorLine, text ?? '', error ? errorAdvice(error) : null);
  errorLine.dataset.code = error?.code ?? (localNotice ? 'TOKEN_PULLED' : '');
  // A new error clears the PIN that caused it; later updates (a token refresh) keep what is typed.
  if (error && key !== lastErrorKey) {
    pinInput.value = '';
    if (!pinInput.disabled && !pinInput.hidden) {
      pinInput.focus(QUIET);
      keepFocusInSight('whole');
    }
  }
  lastErrorKey = key;
}

/** The site parts the background put in the window's address (replaced by every view it sends). */
function siteFromAddress(value: string | null): SiteParts {
  const empty: SiteParts = { scheme: '', subdomain: '', registrable: '', port: '', other: null, deceptive: false };
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    if (!isRecord(parsed)) return empty;
    const text = (key: keyof SiteParts): string => (typeof parsed[key] === 'string' ? (parsed[key] as string) : '');
    return { scheme: text('scheme'), subdomain: text('subdomain'), registrable: text('registrable'), port: text('port'), other: text('other') || null, deceptive: parsed.deceptive === true };
  } catch {
    return empty;
  }
}

/** Once the page is parsed; the background was asked for the first view before (early-port.ts). */
function start(): void {
  findParts();
  const params = new URLSearchParams(location.search);
  localizeDocument(document);
  document.title = t('pickerTitle');
  // The site and a progress state, shown with the background's first view or REVEAL_LATEST_MS from now.
  renderHeader(siteFromAddress(params.get('site')), params.get('action') === 'sign' ? 'sign' : 'authenticate');
  renderState(stateSection, 'connecting');
  renderForm('connecting');
  setTimeout(reveal, REVEAL_LATEST_MS);
  listen((message) => {
    if (isRecord(message) && message.kind === 'view' && isRecord(message.view)) render(message.view as unknown as PickerView);
  });
  wireControls(port);
}

function wireControls(port: Runtime.Port): void {
  const send = (command: PickerCommand): void => {
    try {
      port.postMessage(command);
    } catch {
      // the session is over; the window is closing
    }
  };
  pinInput.addEventListener('input', () => renderForm());
  // Firefox may give the window its focus after the page placed it (or resize it away): put it back.
  window.addEventListener('focus', restoreFocus);
  pinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const cert = selected();
    if (!cert || confirmButton.disabled) return;
    const command: PickerCommand = { kind: 'confirm', certificateId: cert.id, pin: pinInput.value };
    // The PIN leaves this page once, to the background, and is not kept here.
    pinInput.value = '';
    errorLine.hidden = true;
    confirmButton.disabled = true;
    send(command);
  });
  cancelButton.addEventListener('click', () => send({ kind: 'cancel' }));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') send({ kind: 'cancel' });
  });
  // Firefox suspends an idle background page, even with the picker open and no host connection
  // (host missing): a cheap message twice a second keeps it, however short its idle timeout is set.
  setInterval(() => send({ kind: 'keepalive' }), 500);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
