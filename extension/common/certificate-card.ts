// The certificate card shown in the picker and the popup: owner, organization, title,
// INN/OGRN/SNILS, issuer, validity with the 30-day warning, and why it cannot be used.
import type { TokenInfo } from '../../shared/protocol';
import type { ShownCertificate } from './messages';
import { identifiers, isExpiringSoon, ownerName, type UnusableReason } from './certificate-view';
import { el, plural, t } from './i18n';
import { longDate } from './long-date';

function detailRows(cert: ShownCertificate, token: TokenInfo | undefined): [string, string][] {
  const rows: [string, string][] = [];
  if (cert.subject.organization) rows.push([t('labelOrganization'), cert.subject.organization]);
  if (cert.subject.title) rows.push([t('labelTitle'), cert.subject.title]);
  for (const line of identifiers(cert)) rows.push([t(line.key), line.value]);
  rows.push([t('labelIssuer'), cert.issuerCommonName || cert.issuerDN]);
  if (cert.status === 'not-yet-valid') rows.push([t('labelValidFrom'), longDate(cert.notBefore, t)]);
  rows.push([t('labelValidUntil'), longDate(cert.notAfter, t)]);
  rows.push([t('labelToken'), token?.label ?? '?']);
  rows.push([t('labelKey'), cert.keyAlgorithm]);
  return rows;
}

/** The line under the details: why it cannot be used, that it expires soon, or (popup) that it is valid. */
function stateLine(cert: ShownCertificate, reason: UnusableReason | null, showValidState: boolean): HTMLElement | null {
  const id = `cert-state-${cert.id}`;
  if (reason) return el('div', { class: 'reason', id, 'data-testid': 'cert-reason' }, t(reason));
  if (isExpiringSoon(cert)) return el('div', { class: 'warn', id, 'data-testid': 'cert-warning' }, plural('expiresInDays', Math.max(0, cert.expiresInDays)));
  if (showValidState) return el('div', { class: 'ok', id, 'data-testid': 'cert-state' }, t('statusValid'));
  return null;
}

/** A short name a screen reader says for the card: owner, organization, end date (details stay readable in the card). */
export function certificateShortName(cert: ShownCertificate): string {
  const parts = [ownerName(cert), cert.subject.organization, t('certShortValidUntil', longDate(cert.notAfter, t))];
  return parts.filter(Boolean).join(', ');
}

export function certificateCard(
  cert: ShownCertificate,
  token: TokenInfo | undefined,
  reason: UnusableReason | null,
  options: { showValidState?: boolean } = {},
): HTMLLIElement {
  const dl = el('dl');
  for (const [name, value] of detailRows(cert, token)) dl.append(el('dt', {}, name), el('dd', {}, value));
  const item = el(
    'li',
    {
      class: 'cert',
      'data-testid': 'cert',
      'data-thumbprint': cert.thumbprint,
      'data-certificate-id': cert.id,
      'data-status': cert.status,
      'aria-disabled': reason ? 'true' : 'false',
    },
    el('div', { class: 'owner', 'data-testid': 'cert-owner' }, ownerName(cert)),
    dl,
  );
  const line = stateLine(cert, reason, options.showValidState ?? false);
  if (line) {
    item.append(line);
    item.setAttribute('aria-describedby', line.id);
  }
  return item;
}
