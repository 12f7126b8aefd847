// The certificate card shown in the picker and the popup: owner, organization, title,
// INN/OGRN/SNILS, issuer, validity with the 30-day warning, and why it cannot be used.
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { formatDate, identifiers, isExpiringSoon, ownerName, type UnusableReason } from './certificate-view';
import { el, t, uiLanguage } from './i18n';

export function certificateCard(
  cert: CertificateInfo,
  token: TokenInfo | undefined,
  reason: UnusableReason | null,
  options: { showValidState?: boolean } = {},
): HTMLLIElement {
  const lang = uiLanguage();
  const rows: [string, string][] = [];
  if (cert.subject.organization) rows.push([t('labelOrganization'), cert.subject.organization]);
  if (cert.subject.title) rows.push([t('labelTitle'), cert.subject.title]);
  for (const line of identifiers(cert)) rows.push([t(line.key), line.value]);
  rows.push([t('labelIssuer'), cert.issuerCommonName || cert.issuerDN]);
  if (cert.status === 'not-yet-valid') rows.push([t('labelValidFrom'), formatDate(cert.notBefore, lang)]);
  rows.push([t('labelValidUntil'), formatDate(cert.notAfter, lang)]);
  rows.push([t('labelToken'), token?.label ?? '?']);
  rows.push([t('labelKey'), cert.keyAlgorithm]);

  const dl = el('dl');
  for (const [name, value] of rows) dl.append(el('dt', {}, name), el('dd', {}, value));

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
    el('div', { class: 'owner' }, ownerName(cert)),
    dl,
  );
  if (reason) item.append(el('div', { class: 'reason', 'data-testid': 'cert-reason' }, t(reason)));
  else if (isExpiringSoon(cert)) {
    item.append(el('div', { class: 'warn', 'data-testid': 'cert-warning' }, t('warningExpiresSoon', String(Math.max(0, cert.expiresInDays)))));
  } else if (options.showValidState) {
    item.append(el('div', { class: 'ok', 'data-testid': 'cert-state' }, t('statusValid')));
  }
  return item;
}
