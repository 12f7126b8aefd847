// The "what is signed" section of the picker window, for orders whose content is known (adapters).
import type { SignedContent } from '../common/fixed-order';
import { plural, t } from '../common/i18n';

/** Longest text shown in the window; the rest is cut with an ellipsis. */
const MAX_SHOWN = 2000;

function describe(content: SignedContent): string {
  if (content.kind === 'text') return content.text.length > MAX_SHOWN ? `${content.text.slice(0, MAX_SHOWN)}…` : content.text;
  if (content.kind === 'hash') return t('signedContentHash', content.hex);
  return plural('signedContentBytes', content.length);
}

/** Fills the section (hidden when there is nothing to show); a bare hash gets its warning (the text behind it is unseen). */
export function renderSignedContent(section: HTMLElement, content: SignedContent | null, adapter: string | null): void {
  section.hidden = content === null;
  if (content === null) return;
  section.dataset.kind = content.kind;
  section.dataset.adapter = adapter ?? '';
  const body = section.querySelector<HTMLElement>('[data-testid=signed-content-text]');
  const warning = section.querySelector<HTMLElement>('[data-testid=hash-warning]');
  if (body) body.textContent = describe(content);
  if (warning) {
    warning.hidden = content.kind !== 'hash';
    warning.textContent = t('hashSignatureWarning');
  }
}
