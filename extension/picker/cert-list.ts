// The certificate list as a WAI-ARIA single-select listbox whose selection follows focus: one tab
// stop (the selected or first usable card); arrow keys, Home and End move and select, Space selects,
// Enter selects and goes on to the PIN. Rebuilt on every update that changes what it shows (an update
// that changes nothing, such as a token read again with the same certificates, leaves the cards alone,
// so that a click or the screen reader's place on one is not lost); focus stays on the same certificate.
import type { TokenInfo } from '../../shared/protocol';
import type { ShownCertificate } from '../common/messages';
import { certificateCard, certificateShortName } from '../common/certificate-card';
import type { UnusableReason } from '../common/certificate-view';

export interface ListModel {
  /** In display order. */
  certificates: ShownCertificate[];
  tokenOf(cert: ShownCertificate): TokenInfo | undefined;
  reasonOf(cert: ShownCertificate): UnusableReason | null;
  selectedId: string | null;
}

export interface ListEvents {
  /** The person selected a certificate (arrows, Space). */
  select(id: string): void;
  /** Click or Enter on a certificate: select it and go on to the PIN. */
  activate(id: string): void;
  /** The arrow keys (or Home) came back to the first certificate, now focused. */
  reachedFirst(id: string): void;
}

const NEXT: Record<string, (index: number, count: number) => number> = {
  ArrowDown: (i, n) => (i + 1) % n,
  ArrowRight: (i, n) => (i + 1) % n,
  ArrowUp: (i, n) => (i - 1 + n) % n,
  ArrowLeft: (i, n) => (i - 1 + n) % n,
  Home: () => 0,
  End: (_i, n) => n - 1,
};

export class CertificateList {
  private usableIds: string[] = [];
  /** What the cards now show, to leave them alone when an update changes nothing. */
  private shown = '';

  constructor(
    private readonly root: HTMLUListElement,
    private readonly events: ListEvents,
  ) {
    root.addEventListener('keydown', (event) => this.onKey(event));
  }

  render(model: ListModel): void {
    const shown = JSON.stringify(model.certificates.map((c) => [c, model.tokenOf(c), model.reasonOf(c), c.id === model.selectedId]));
    if (shown === this.shown) return;
    this.shown = shown;
    const focusedId = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-certificate-id]')?.dataset.certificateId;
    this.usableIds = model.certificates.filter((c) => model.reasonOf(c) === null).map((c) => c.id);
    const tabStop = model.selectedId && this.usableIds.includes(model.selectedId) ? model.selectedId : this.usableIds[0];
    const items = model.certificates.map((cert) => {
      const item = certificateCard(cert, model.tokenOf(cert), model.reasonOf(cert));
      item.setAttribute('role', 'option');
      item.setAttribute('aria-selected', String(cert.id === model.selectedId));
      item.setAttribute('aria-label', certificateShortName(cert));
      item.tabIndex = cert.id === tabStop ? 0 : -1;
      if (model.reasonOf(cert) === null) item.addEventListener('click', () => this.events.activate(cert.id));
      return item;
    });
    this.root.replaceChildren(...items);
    // Put back where it was, without scrolling: the new card lies where the old one did.
    if (focusedId) this.focus(focusedId, { preventScroll: true });
  }

  /** Focuses the first usable certificate; false when there is none. */
  focusFirst(options?: FocusOptions): boolean {
    const first = this.usableIds[0];
    return first !== undefined && this.focus(first, options);
  }

  focus(id: string, options?: FocusOptions): boolean {
    const item = this.card(id);
    item?.focus(options);
    return item !== null;
  }

  /** The card of certificate `id`, if it is listed. */
  card(id: string): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(`[data-certificate-id="${CSS.escape(id)}"]`);
  }

  private onKey(event: KeyboardEvent): void {
    const id = (event.target as HTMLElement).closest<HTMLElement>('[data-certificate-id]')?.dataset.certificateId;
    if (!id) return;
    const move = NEXT[event.key];
    if (move && this.usableIds.length > 0) {
      event.preventDefault();
      const index = this.usableIds.indexOf(id);
      const next = this.usableIds[move(index < 0 ? 0 : index, this.usableIds.length)]!;
      this.events.select(next);
      this.focus(next);
      if (next === this.usableIds[0]) this.events.reachedFirst(next);
    } else if (event.key === ' ' && this.usableIds.includes(id)) {
      event.preventDefault();
      this.events.select(id);
    } else if (event.key === 'Enter' && this.usableIds.includes(id)) {
      event.preventDefault();
      this.events.activate(id);
    }
  }
}
