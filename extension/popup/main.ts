// Toolbar popup: is the host there (and how to fix it if not), which tokens, which certificates.
import browser from 'webextension-polyfill';
import { certificateCard } from '../common/certificate-card';
import { sortForDisplay, unusableReason } from '../common/certificate-view';
import { el, localizeDocument, t } from '../common/i18n';
import type { Overview } from '../common/messages';
import { DOWNLOAD_URL } from '../../shared/download';

localizeDocument(document);
document.title = t('popupTitle');

const hostSection = document.getElementById('host')!;
const tokensSection = document.getElementById('tokens-section')!;
const certsSection = document.getElementById('certs-section')!;

function render(overview: Overview): void {
  document.getElementById('version')!.textContent = t('popupExtensionVersion', overview.extension);
  if (!overview.host) {
    hostSection.dataset.state = 'missing';
    const lines = [el('p', { class: 'error' }, t('popupHostMissing')), el('p', {}, t('popupHostFix', DOWNLOAD_URL)), el('p', { class: 'muted' }, t('popupHostDevHint'))];
    if (overview.hostError && overview.hostError.code !== 'HOST_UNAVAILABLE') {
      lines.push(el('p', { class: 'muted' }, t('popupHostError', overview.hostError.message)));
    }
    hostSection.replaceChildren(...lines);
    return;
  }
  hostSection.dataset.state = 'found';
  const lines = [el('p', {}, t('popupHostFound', overview.host.version))];
  for (const m of overview.host.modules.filter((mod) => !mod.loaded)) {
    lines.push(el('p', { class: 'warn' }, t('popupModuleFailed', m.path)));
  }
  if (overview.hostError) lines.push(el('p', { class: 'error' }, t('popupHostError', overview.hostError.message)));
  hostSection.replaceChildren(...lines);

  tokensSection.hidden = false;
  const tokenItems = overview.tokens.map((token) => {
    const pinState = token.pin.locked ? t('pinHintLocked') : token.pin.finalTry ? t('pinHintFinalTry') : token.pin.countLow ? t('pinHintCountLow') : '';
    return el(
      'li',
      { class: 'token', 'data-testid': 'token', 'data-token-id': token.id },
      el('div', { class: 'owner' }, token.label),
      el('div', { class: 'muted' }, [token.manufacturer, token.model, token.serial].filter(Boolean).join(' · ')),
      pinState ? el('div', { class: 'warn' }, pinState) : null,
    );
  });
  document.getElementById('tokens')!.replaceChildren(...(tokenItems.length ? tokenItems : [el('li', { class: 'muted' }, t('noTokens'))]));

  certsSection.hidden = false;
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
    hostSection.replaceChildren(el('p', { class: 'error' }, t('popupHostError', error instanceof Error ? error.message : String(error))));
  });
