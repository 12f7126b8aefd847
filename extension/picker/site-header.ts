// The window's site line: the registrable domain stands out, the rest of the address is muted, and an
// IDN's other form (punycode or Unicode) is written beside it (common/site.ts decides which is shown).
import { el, t } from '../common/i18n';
import type { SiteParts } from '../common/site';

let shown = '';

/** Fills the site line (every view carries it; the DOM is rebuilt only when it differs). */
export function renderSite(line: HTMLElement, other: HTMLElement, parts: SiteParts): void {
  const key = JSON.stringify(parts);
  if (key === shown) return;
  shown = key;
  const pieces = [
    el('span', { class: 'muted' }, parts.scheme),
    parts.subdomain ? el('span', { class: 'muted', 'data-testid': 'site-subdomain' }, parts.subdomain) : null,
    el('strong', { class: 'domain', 'data-testid': 'site-domain' }, parts.registrable),
    parts.port ? el('span', { class: 'muted' }, parts.port) : null,
  ];
  line.replaceChildren(...pieces.filter((p): p is HTMLElement => p !== null));
  line.dataset.deceptive = String(parts.deceptive);
  other.hidden = parts.other === null;
  other.textContent = parts.other === null ? '' : t(parts.deceptive ? 'siteLooksLike' : 'siteAlsoWritten', parts.other);
  other.className = parts.deceptive ? 'warn' : 'muted';
}
