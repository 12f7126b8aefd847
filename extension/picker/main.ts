// The picker window: shows the requesting origin and action, every certificate of every token,
// takes one click for the choice and the PIN, then hands both to the background. The PIN field is
// cleared as soon as it has been sent.
import browser from 'webextension-polyfill';
import type { CertificateInfo, ErrorBody, TokenInfo } from '../../shared/protocol';
import { certificateCard } from '../common/certificate-card';
import { sortForDisplay, unusableReason } from '../common/certificate-view';
import { localizeDocument, t } from '../common/i18n';
import { PICKER_PORT, isRecord, type PickerCommand, type PickerView } from '../common/messages';
import { pinFromPage, renderIfcConfirmation } from '../ifc/picker-view';
import { contentReviewed, renderWhatIsSigned } from './what-is-signed';

const $ = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`picker: #${id} missing`);
  return node as T;
};

const list = $<HTMLUListElement>('certs');
const pinInput = $<HTMLInputElement>('pin');
const pinHint = $<HTMLParagraphElement>('pin-hint');
const errorLine = $<HTMLParagraphElement>('error');
const progress = $<HTMLParagraphElement>('progress');
const confirmButton = $<HTMLButtonElement>('confirm');
const cancelButton = $<HTMLButtonElement>('cancel');
const noCertificates = $<HTMLElement>('no-certificates');
const noTokens = $<HTMLElement>('no-tokens');

let view: PickerView | null = null;
let selectedId: string | null = null;
let preselectApplied = false;

localizeDocument(document);
document.title = t('pickerTitle');

const session = new URLSearchParams(location.search).get('session') ?? '';
const port = browser.runtime.connect({ name: PICKER_PORT });
port.postMessage({ kind: 'attach', session } satisfies PickerCommand);
port.onMessage.addListener((message: unknown) => {
  if (isRecord(message) && message.kind === 'view' && isRecord(message.view)) render(message.view as unknown as PickerView);
});
// The background ends the session (answered, cancelled, timed out): the window has nothing left to do.
port.onDisconnect.addListener(() => window.close());

function tokenOf(cert: CertificateInfo): TokenInfo | undefined {
  return view?.tokens.find((tk) => tk.id === cert.tokenId);
}

function usable(cert: CertificateInfo): boolean {
  return view !== null && unusableReason(cert, tokenOf(cert), view.action) === null;
}

function selected(): CertificateInfo | undefined {
  return view?.certificates.find((c) => c.id === selectedId);
}

function select(id: string): void {
  const cert = view?.certificates.find((c) => c.id === id);
  if (!cert || !usable(cert) || view?.phase !== 'choose') return;
  if (selectedId !== id) {
    selectedId = id;
    pinInput.value = '';
    errorLine.hidden = true;
  }
  renderList();
  renderForm();
  pinInput.focus();
}

function render(next: PickerView): void {
  view = next;
  // IFCPlugin pages: the page chose the certificate and took the PIN; show what is signed.
  renderIfcConfirmation(document, next.ifc);
  renderWhatIsSigned(document, next.signed, t, () => renderForm());
  if (next.ifc) selectedId = next.ifc.certificateId;
  $('origin').textContent = next.origin;
  $('action').textContent = t(next.action === 'authenticate' ? 'pickerActionAuthenticate' : 'pickerActionSign');
  confirmButton.textContent = t(next.action === 'authenticate' ? 'confirmAuthenticate' : 'confirmSign');
  if (!preselectApplied && next.preselect) {
    const match = next.certificates.find((c) => c.thumbprint === next.preselect && usable(c));
    if (match) selectedId = match.id;
    preselectApplied = true;
  }
  const current = selected();
  if (selectedId && (!current || !usable(current))) selectedId = null;
  const anyUsable = next.certificates.some(usable);
  noCertificates.hidden = anyUsable;
  noTokens.hidden = next.tokens.length > 0;
  $('choose-heading').hidden = next.certificates.length === 0;
  renderList();
  renderError(next.error);
  renderForm();
}

function renderList(): void {
  if (!view) return;
  const shown = view.ifc ? view.certificates.filter((c) => c.id === view!.ifc!.certificateId) : sortForDisplay(view.certificates, view.tokens, view.action);
  const items = shown.map((cert) => {
    const item = certificateCard(cert, tokenOf(cert), unusableReason(cert, tokenOf(cert), view!.action));
    const isSelected = cert.id === selectedId;
    item.setAttribute('role', 'option');
    item.setAttribute('aria-selected', String(isSelected));
    item.tabIndex = item.getAttribute('aria-disabled') === 'true' ? -1 : 0;
    item.addEventListener('click', () => select(cert.id));
    item.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        select(cert.id);
      }
    });
    return item;
  });
  list.replaceChildren(...items);
}

function pinNeeded(token: TokenInfo | undefined): boolean {
  if (pinFromPage(view?.ifc)) return false;
  return !token || (token.pin.loginRequired && !token.pin.protectedPath);
}

function renderForm(): void {
  const working = view?.phase === 'working';
  const cert = selected();
  const token = cert ? tokenOf(cert) : undefined;
  progress.hidden = !working;
  progress.textContent = working ? t('progressWorking') : '';
  pinInput.disabled = working || !cert || !pinNeeded(token);
  cancelButton.disabled = false;
  if (!cert) pinHint.textContent = t('selectCertificateFirst');
  else if (token?.pin.locked) pinHint.textContent = t('pinHintLocked');
  else if (token?.pin.protectedPath) pinHint.textContent = t('pinHintProtectedPath');
  else if (token && !token.pin.loginRequired) pinHint.textContent = t('pinHintNotRequired');
  else if (token?.pin.finalTry) pinHint.textContent = t('pinHintFinalTry');
  else if (token?.pin.countLow) pinHint.textContent = t('pinHintCountLow');
  else if (pinFromPage(view?.ifc)) pinHint.textContent = t('ifcPinFromPage');
  else pinHint.textContent = t('pinHintDefault', token?.label ?? '');
  pinHint.dataset.state = token?.pin.locked ? 'locked' : token?.pin.finalTry ? 'final-try' : token?.pin.countLow ? 'count-low' : 'normal';
  // Not before the end of what is signed has been in view (extension/picker/what-is-signed.ts).
  confirmButton.disabled = working || !cert || (pinNeeded(token) && pinInput.value.length === 0) || !contentReviewed();
}

function errorText(error: ErrorBody): string {
  switch (error.code) {
    case 'PIN_INCORRECT':
      if (error.finalTry === true) return t('errorPinIncorrectFinalTry');
      if (error.countLow === true) return t('errorPinIncorrectCountLow');
      return t('errorPinIncorrect');
    case 'PIN_LOCKED':
      return t('errorPinLocked');
    case 'PIN_INVALID':
      return t('errorPinInvalid');
    case 'PIN_REQUIRED':
      return t('errorPinRequired');
    case 'TOKEN_REMOVED':
    case 'TOKEN_NOT_FOUND':
      return t('errorTokenRemoved');
    case 'CERTIFICATE_NOT_FOUND':
    case 'KEY_NOT_FOUND':
      return t('errorCertificateNotFound');
    case 'BAD_REQUEST':
    case 'CERTIFICATE_EXPIRED':
    case 'CERTIFICATE_NOT_YET_VALID':
      return t('errorCertificateUnusable');
    default:
      return t('errorGeneric', error.message);
  }
}

function renderError(error: ErrorBody | null): void {
  errorLine.hidden = error === null;
  errorLine.textContent = error ? errorText(error) : '';
  errorLine.dataset.code = error?.code ?? '';
  if (error) {
    pinInput.value = '';
    if (!pinInput.disabled) pinInput.focus();
  }
}

pinInput.addEventListener('input', renderForm);

$<HTMLFormElement>('pin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const cert = selected();
  if (!cert || confirmButton.disabled) return;
  const command: PickerCommand = { kind: 'confirm', certificateId: cert.id, pin: pinInput.value };
  // The PIN leaves this page once, to the background, and is not kept here.
  pinInput.value = '';
  errorLine.hidden = true;
  confirmButton.disabled = true;
  port.postMessage(command);
});

cancelButton.addEventListener('click', () => {
  port.postMessage({ kind: 'cancel' } satisfies PickerCommand);
});

document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') port.postMessage({ kind: 'cancel' } satisfies PickerCommand);
});

const KEEPALIVE_MS = 10_000;
setInterval(() => {
  try {
    port.postMessage({ kind: 'keepalive' } satisfies PickerCommand);
  } catch {
    // the session is over; the window is closing
  }
}, KEEPALIVE_MS);
