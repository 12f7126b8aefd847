// Toolbar popup: is the host there (and how to fix it if not), which tokens, which certificates.
import browser from 'webextension-polyfill';
import { DOWNLOAD_URL } from '../../shared/download';
import { TokensignError } from '../../shared/protocol';
import { certificateCard } from '../common/certificate-card';
import { sortForDisplay, unusableReason } from '../common/certificate-view';
import { el, localizeDocument, t } from '../common/i18n';
import type { Overview } from '../common/messages';

localizeDocument(document);
document.title = t('popupTitle');

const hostSection = document.getElementById('host')!;
const tokensSection = document.getElementById('tokens-section')!;
const certsSection = document.getElementById('certs-section')!;

/**
 * The host line: installed (version), missing (what to install, where), or no token driver that
 * loaded; never a system message. Whether tokens can be listed at all: not without the host or a driver.
 */
function renderHost(overview: Overview): boolean {
  if (!overview.host) {
    hostSection.dataset.state = 'missing';
    hostSection.replaceChildren(el('p', { class: 'error' }, t('stateHostMissingTitle')), el('p', {}, t('stateHostMissingText', DOWNLOAD_URL)));
    return false;
  }
  hostSection.dataset.state = 'found';
  const lines = [el('p', {}, t('popupHostFound', overview.host.version))];
  const loaded = overview.host.modules.filter((mod) => mod.loaded);
  for (const m of overview.host.modules.filter((mod) => !mod.loaded)) lines.push(el('p', { class: 'warn' }, t('popupModuleFailed', m.path)));
  if (loaded.length === 0) lines.push(el('p', { class: 'error', 'data-testid': 'no-module' }, t('stateNoModuleTitle')), el('p', {}, t('stateNoModuleText')));
  else if (overview.hostError) lines.push(el('p', { class: 'error' }, t('popupHostError', overview.hostError.code)));
  hostSection.replaceChildren(...lines);
  return loaded.length > 0;
}

/** What the token's PIN needs said, if anything: a locked PIN as a short title and the unlock advice in plain text, not a paragraph all in bold red. */
function pinLine(token: Overview['tokens'][number]): HTMLElement | null {
  if (token.pin.locked) {
    return el('div', { 'data-testid': 'token-pin' }, el('div', { class: 'error' }, t('statePinLockedTitle')), el('div', { 'data-testid': 'unlock-advice' }, t('unlockAdvice')));
  }
  if (token.pin.finalTry) return el('div', { class: 'error', 'data-testid': 'token-pin' }, t('pinHintFinalTry'));
  if (token.pin.countLow) return el('div', { class: 'warn', 'data-testid': 'token-pin' }, t('pinHintCountLow'));
  return null;
}

function render(overview: Overview): void {
  document.getElementById('version')!.textContent = t('popupExtensionVersion', overview.extension);
  if (!renderHost(overview)) return;
  tokensSection.hidden = false;
  const tokenItems = overview.tokens.map((token) => {
    return el(
      'li',
      { class: 'token', 'data-testid': 'token', 'data-token-id': token.id },
      el('div', { class: 'owner' }, token.label),
      el('div', { class: 'muted' }, [token.manufacturer, token.model, token.serial].filter(Boolean).join(' · ')),
      pinLine(token),
    );
  });
  document.getElementById('tokens')!.replaceChildren(...(tokenItems.length ? tokenItems : [el('li', { class: 'muted' }, t('stateNoTokenTitle'))]));

  // No token, no certificates to speak of: "insert a token" is the one thing said.
  certsSection.hidden = overview.tokens.length === 0;
  const certItems = sortForDisplay(overview.certificates, overview.tokens, 'sign').map((cert) => {
    const token = overview.tokens.find((tk) => tk.id === cert.tokenId);
    return certificateCard(cert, token, unusableReason(cert, token, 'sign'), { showValidState: true });
  });
  document.getElementById('certs')!.replaceChildren(...(certItems.length ? certItems : [el('li', { class: 'muted' }, t('popupNoCertificates'))]));
}

browser.runtime
  .sendMessage({ kind: 'overview' })
  .then((overview) => render(overview as Overview))
  .catch((error: unknown) => {
    hostSection.dataset.state = 'missing';
    // The background did not answer (it is restarting): the same words as a missing host would be wrong; say it plainly.
    hostSection.replaceChildren(el('p', { class: 'error' }, t('popupHostError', error instanceof TokensignError ? error.code : 'INTERNAL')));
  });
