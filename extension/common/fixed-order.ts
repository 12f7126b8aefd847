// What a legacy adapter (extension/ifc, and any other page-plugin emulation) hands the generic
// picker: the page already chose the certificate and may have taken the PIN, so the window only
// names the site, shows that certificate and what is signed, and asks the person to confirm.

/** What is signed, as the window shows it. */
export type SignedContent =
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; length: number }
  | { kind: 'hash'; hex: string };

export interface FixedOrder {
  /** Which adapter asks ('ifc', ...); shown as a data attribute, never branched on. */
  adapter: string;
  /** The host's id of the certificate the page chose; no other can be picked. */
  certificateId: string;
  /** The page collected the PIN: the window asks for none, and a PIN error ends the window (the page asks again). */
  pinFromPage: boolean;
  content: SignedContent;
}
