// What the picker window adds for an IFCPlugin page: the one certificate the page chose and the PIN
// already typed on the page. What is signed is shown by the window's own section
// (extension/picker/what-is-signed.ts), as for every signature.

/** Carried in PickerRequest.ifc and PickerView.ifc. */
export interface IfcConfirmation {
  /** The host's id of the certificate the page chose; no other can be picked. */
  certificateId: string;
  /** CAdES pages (extension/cades): the PIN is typed in this window, not taken from the page. */
  pinInWindow?: boolean;
}

/** True when the page supplied the PIN (IFC): the window only confirms. */
export function pinFromPage(ifc: IfcConfirmation | null | undefined): boolean {
  return Boolean(ifc) && !ifc?.pinInWindow;
}

/** Swaps the PIN field for a note on IFC pages; shows it otherwise. */
export function renderIfcConfirmation(doc: Document, ifc: IfcConfirmation | null | undefined): void {
  const pinLabel = doc.querySelector<HTMLElement>('label[for="pin"]');
  const pin = doc.getElementById('pin');
  if (pinLabel) pinLabel.hidden = pinFromPage(ifc);
  if (pin) pin.hidden = pinFromPage(ifc);
}

/** Errors that end an IFC confirmation at once: the page asks for the PIN again itself. */
export const IFC_PAGE_RETRY_ERRORS: ReadonlySet<string> = new Set(['PIN_INCORRECT', 'PIN_INVALID', 'PIN_REQUIRED']);
