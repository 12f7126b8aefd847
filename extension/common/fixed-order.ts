// What a legacy adapter (extension/ifc, extension/cades, and any other page-plugin emulation) hands
// the generic picker: the page already chose the certificate and may have taken the PIN, so the
// window only names the site, shows that certificate and what is signed, and asks the person to
// confirm. What is signed travels beside it as the one SignedSummary (common/signed-summary.ts),
// the same for the generic `sign` and every adapter.

export interface FixedOrder {
  /** Which adapter asks ('ifc', ...); shown as a data attribute, never branched on. */
  adapter: string;
  /** The host's id of the certificate the page chose; no other can be picked. */
  certificateId: string;
  /** The page collected the PIN: the window asks for none, and a PIN error ends the window (the page asks again). */
  pinFromPage: boolean;
}
