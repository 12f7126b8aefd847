// Prompt storms (issue 14 item 3): Tokensign's window opens only right after the person acted on the
// page, as browsers do for permission prompts and pop-ups. The browser's own transient user
// activation (about 5 s after a click or key press, set only by trusted input) is the signal; the
// page cannot fake it. Browsers without the UserActivation API (none of those supported today) are let through.
//
// The time a page spends waiting for Tokensign's own answers does not use up the person's click: a
// page library lists the certificates (a slow token: seconds) and then signs, all after one click;
// and a page that signs several documents after one click gets each window after the person
// confirmed the one before. GestureCarry keeps that account per page.

interface UserActivationLike {
  isActive: boolean;
}

export function hasRecentUserGesture(nav: { userActivation?: UserActivationLike } = navigator as { userActivation?: UserActivationLike }): boolean {
  const activation = nav.userActivation;
  return activation === undefined ? true : activation.isActive;
}

/** How long after Tokensign answered a call made under the person's click the page may still open a window (as long as browsers keep a click). */
export const CARRY_MS = 5_000;
/** A click is carried at most this long after the person was last seen acting, however many answers come. */
export const CARRY_LIMIT_MS = 60_000;

/** The page's answer to a request that opens no window because the person did not act on the page. */
export const NO_GESTURE_MESSAGE = 'Tokensign opens its window only right after a click or a key press on the page';

/** A call that left the page for Tokensign: whether it opens a window, and whether it went under the person's click (live or carried). */
export interface SentCall {
  readonly opensWindow: boolean;
  readonly underGesture: boolean;
}

export class GestureCarry {
  /** When the person was last seen acting: the browser's activation found live, or a window confirmed. */
  private actedAt = Number.NEGATIVE_INFINITY;
  /** Until when the last answer to a call made under the click keeps the click. */
  private until = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly browserActive: () => boolean = () => hasRecentUserGesture(),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether a window may open now: the browser's own activation, or a click carried across Tokensign's answers. */
  allows(): boolean {
    const now = this.now();
    if (this.browserActive()) {
      this.actedAt = now;
      return true;
    }
    return now < this.until;
  }

  /** A call leaves for Tokensign now; hand the result to answered() when its answer comes. */
  sent(opensWindow: boolean): SentCall {
    return { opensWindow, underGesture: this.allows() };
  }

  /**
   * Tokensign answered `call` (`ok`: with a result). An answer to a call without a window carries the
   * click on (CARRY_MS from now, never past CARRY_LIMIT_MS after the person last acted). A window the
   * person confirmed is the person acting; any other end of a window (cancelled, dismissed, failed)
   * ends the carried click: the page needs a new one for its next window.
   */
  answered(call: SentCall, ok: boolean): void {
    const now = this.now();
    if (call.opensWindow && !ok) {
      this.until = Number.NEGATIVE_INFINITY;
      return;
    }
    if (call.opensWindow) this.actedAt = now;
    else if (!call.underGesture) return;
    this.until = Math.max(this.until, Math.min(now + CARRY_MS, this.actedAt + CARRY_LIMIT_MS));
  }
}
