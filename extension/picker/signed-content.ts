// The "what is signed" section of the picker window, for orders whose content is known (adapters).
import type { SignedContent } from '../common/fixed-order';
import { t } from '../common/i18n';

/** Longest text shown in the window; the rest is cut with an ellipsis. */
const MAX_SHOWN = 2000;

function describe(content: SignedContent): string {
  if (content.kind === 'text') return content.text.length > MAX_SHOWN ? `${content.text.slice(0, MAX_SHOWN)}…` : content.text;
  if (content.kind === 'hash') return t('signedContentHash', content.hex);
  return t('signedContentBytes', String(content.length));
}

/** Fills the section (hidden when there is nothing to show). */
export function renderSignedContent(section: HTMLElement, body: HTMLElement, content: SignedContent | null, adapter: string | null): void {
  section.hidden = content === null;
  if (content === null) return;
  section.dataset.kind = content.kind;
  section.dataset.adapter = adapter ?? '';
  body.textContent = describe(content);
}
