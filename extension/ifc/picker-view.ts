// What the picker window adds for an IFCPlugin page: the one certificate the page chose, the PIN
// already typed on the page, and the content being signed, shown before the person confirms.
import type { SignedContent } from './adapter';

/** Carried in PickerRequest.ifc and PickerView.ifc. */
export interface IfcConfirmation {
  /** The host's id of the certificate the page chose; no other can be picked. */
  certificateId: string;
  content: SignedContent;
  /** CAdES pages (extension/cades): the PIN is typed in this window, not taken from the page. */
  pinInWindow?: boolean;
}

/** True when the page supplied the PIN (IFC): the window only confirms. */
export function pinFromPage(ifc: IfcConfirmation | null | undefined): boolean {
  return Boolean(ifc) && !ifc?.pinInWindow;
}

/** Longest text shown in the window; the rest is cut with an ellipsis. */
const MAX_SHOWN = 2000;

type Translate = (key: string, substitutions?: string | string[]) => string;

/** Fills the picker's "what is signed" block and swaps the PIN field for a note; hides both when not IFC. */
export function renderIfcConfirmation(doc: Document, ifc: IfcConfirmation | null | undefined, t: Translate): void {
  const section = doc.getElementById('ifc-content');
  const body = doc.getElementById('ifc-content-text');
  const pinLabel = doc.querySelector<HTMLElement>('label[for="pin"]');
  const pin = doc.getElementById('pin');
  if (!section || !body) return;
  section.hidden = !ifc;
  if (pinLabel) pinLabel.hidden = pinFromPage(ifc);
  if (pin) pin.hidden = pinFromPage(ifc);
  const warning = doc.getElementById('hash-warning');
  if (warning) {
    warning.hidden = ifc?.content.kind !== 'hash';
    warning.textContent = t('hashSignatureWarning');
  }
  if (!ifc) return;
  const { content } = ifc;
  section.dataset.kind = content.kind;
  if (content.kind === 'text') {
    body.textContent = content.text.length > MAX_SHOWN ? `${content.text.slice(0, MAX_SHOWN)}…` : content.text;
  } else if (content.kind === 'hash') {
    body.textContent = t('ifcContentHash', content.hex);
  } else {
    body.textContent = t('ifcContentBytes', String(content.length));
  }
}

/** Errors that end an IFC confirmation at once: the page asks for the PIN again itself. */
export const IFC_PAGE_RETRY_ERRORS: ReadonlySet<string> = new Set(['PIN_INCORRECT', 'PIN_INVALID', 'PIN_REQUIRED']);
