// One picker window per request: it opens at once naming the origin and the action, lists every
// certificate of every token as the host reads them, takes the choice and the PIN, shows progress
// and errors. The PIN arrives here in a port message, goes straight into the host request, and is not kept.
import browser, { type Runtime } from 'webextension-polyfill';
import { TokensignError, type CertificateInfo, type ErrorBody } from '../../shared/protocol';
import { unusableReason } from '../common/certificate-view';
import { PICKER_HEIGHT, PICKER_WIDTH } from '../common/picker-size';
import { BadRequestError, PinLockedError, TimeoutError, UserCancelledError } from '../../shared/errors';
import { stateError, windowState } from '../common/picker-state';
import { siteParts, type SiteParts } from '../common/site';
import { isRecord, type PickerAction, type PickerView, type ShownCertificate } from '../common/messages';
import type { NativeHost } from './native-host';
import { ListenWhile } from './listen-while';
import { TokenLists } from './token-lists';
import type { FixedOrder } from '../common/fixed-order';
import type { SignedSummary } from '../common/signed-summary';
import { markDismissed } from './prompt-limiter';
import { delay } from '../common/delay';

export const TOKEN_POLL_MS = 2_000;
/** How long one wait-token-event may wait (the host answers at once when another request comes). */
export const TOKEN_WAIT_MS = 25_000;
/**
 * The watch starts this long after the first list reached the window: its first wait starts a
 * watched module's worker thread in the host (a Node start of its own, 20–30 ms of CPU), which on
 * two cores competed with the window's first layout of the certificates (bench "window wait").
 * Nothing is missed meanwhile: the watch's first look compares the tokens with that list.
 */
export const WATCH_START_MS = 1_000;
/**
 * Certificates a window first shows from a token's last reading (token-lists.ts) are read again this
 * long after the window's page connected, when it has drawn them: the reading then does not compete
 * with the window's first frame. At the latest this long after the request, connected or not.
 */
export const READ_AGAIN_AFTER_ATTACH_MS = 100;
export const READ_AGAIN_LATEST_MS = 2_000;

/** Errors after which the user may try again in the same window. */
const RECOVERABLE = new Set<string>([
  'PIN_INCORRECT',
  'PIN_INVALID',
  'PIN_REQUIRED',
  'PIN_LOCKED',
  'TOKEN_REMOVED',
  'TOKEN_NOT_FOUND',
  'CERTIFICATE_NOT_FOUND',
  'KEY_NOT_FOUND',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  // The user can choose another certificate, or try again.
  'UNSUPPORTED_ALGORITHM',
  'TOKEN_ERROR',
]);

/** With a PIN the page collected, these end the window at once: the page asks for the PIN again itself. */
const PAGE_PIN_ERRORS: ReadonlySet<string> = new Set(['PIN_INCORRECT', 'PIN_INVALID', 'PIN_REQUIRED']);

export interface PickerRequest<T> {
  origin: string;
  action: PickerAction;
  preselect: string | null;
  timeoutMs: number;
  signal: AbortSignal;
  /** A legacy adapter's page chose the certificate (and maybe took the PIN); the window only confirms. */
  fixed?: FixedOrder;
  /** What is signed, for the window to show (sign, and every legacy adapter's signature). */
  signed?: SignedSummary;
  /** Runs the host command for the chosen certificate; `pin` is undefined for PIN-pad tokens. */
  operation(certificate: CertificateInfo, pin: string | undefined): Promise<T>;
}

const sessions = new Map<string, PickerSession<unknown>>();

/** A certificate for the window: all but its bytes, which stay here (each view is serialized to the window). */
function shownCertificate(certificate: CertificateInfo): ShownCertificate {
  const { der: _bytes, ...rest } = certificate;
  return rest;
}

/**
 * Routes a picker window's port to its session (called from the background's onConnect). The session
 * is the one named in the window's address, as the browser reports it for the port: the window is
 * attached, and its first view sent, as the port opens, not after a first message from the window
 * (which was one more turn through the browser just while it opens the window: bench "window wait").
 */
export function attachPickerPort(port: Runtime.Port): void {
  const pickerUrl = browser.runtime.getURL('picker/index.html');
  const address = port.sender?.url;
  const session = address?.startsWith(pickerUrl) ? sessions.get(new URL(address).searchParams.get('session') ?? '') : undefined;
  if (!session || !session.attach(port)) port.disconnect();
}

/** Any browser window closed: listened to only while a session is open (its window may close before its page connects). */
const windowCloses = new ListenWhile(() => browser.windows.onRemoved, (windowId: number) => {
  for (const session of sessions.values()) session.windowClosed(windowId);
});

export function runPicker<T>(host: NativeHost, request: PickerRequest<T>): Promise<T> {
  const session = new PickerSession<T>(host, request);
  return session.run();
}

class PickerSession<T> {
  private readonly id = crypto.randomUUID();
  private port: Runtime.Port | null = null;
  private windowId: number | null = null;
  private readonly lists: TokenLists;
  private readonly site: SiteParts;
  private phase: PickerView['phase'] = 'choose';
  private lastError: ErrorBody | null = null;
  private errorCertificateId: string | null = null;
  private settled = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  /** A wait-token-event of this session is in progress. */
  private watching = false;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  /** Resolves when the window's page has connected (never, if it does not: the session then times out). */
  private readonly windowAttached: Promise<void>;
  private markAttached!: () => void;
  private resolveRun!: (value: T) => void;
  private rejectRun!: (error: unknown) => void;

  constructor(
    private readonly host: NativeHost,
    private readonly request: PickerRequest<T>,
  ) {
    this.lists = new TokenLists(host, () => this.push());
    this.windowAttached = new Promise<void>((resolve) => (this.markAttached = resolve));
    this.site = siteParts(request.origin);
  }

  async run(): Promise<T> {
    const done = new Promise<T>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    const { signal } = this.request;
    if (signal.aborted) throw signal.reason;
    sessions.set(this.id, this as PickerSession<unknown>);
    windowCloses.update(true);
    const onAbort = (): void => this.fail(signal.reason instanceof Error ? signal.reason : new UserCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    this.deadline = setTimeout(() => this.fail(this.closingError(new TimeoutError('No certificate was chosen in time'))), this.request.timeoutMs);
    // The host is started (or asked) first, then the window opens at once, naming the site, while the
    // host reads the tokens: a host launch asked for after the window waits behind its creation
    // (~50 ms in Chromium). Tokens plugged in or out are watched once the first list is read and the
    // window is there to show it, WATCH_START_MS later.
    const drawn = Promise.race([this.windowAttached.then(() => delay(READ_AGAIN_AFTER_ATTACH_MS)), delay(READ_AGAIN_LATEST_MS)]);
    const listed = this.lists.refresh(drawn);
    listed.catch((error: unknown) => this.fail(error));
    void Promise.all([listed, this.windowAttached])
      .then(() => delay(WATCH_START_MS))
      .then(() => void this.watchTokens(), () => undefined);
    void this.openWindow();
    try {
      return await done;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async openWindow(): Promise<void> {
    // The site and the action ride in the address, so the window names them in its first frame.
    const query = new URLSearchParams({ session: this.id, site: JSON.stringify(this.site), action: this.request.action });
    try {
      const win = await browser.windows.create({
        url: browser.runtime.getURL(`picker/index.html?${query.toString()}`),
        type: 'popup',
        width: PICKER_WIDTH,
        height: PICKER_HEIGHT,
        focused: true,
      });
      this.windowId = win.id ?? null;
      if (this.settled) this.closeWindow();
    } catch (error) {
      this.fail(new TokensignError('INTERNAL', `Could not open the picker window: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  attach(port: Runtime.Port): boolean {
    if (this.port || this.settled) return false;
    this.port = port;
    this.markAttached();
    port.onMessage.addListener((message: unknown) => void this.onCommand(message));
    // The window was closed (or its page unloaded): the user cancelled.
    port.onDisconnect.addListener(() => {
      if (this.port === port) this.port = null;
      this.userClosed();
    });
    this.push();
    return true;
  }

  windowClosed(windowId: number): void {
    if (windowId === this.windowId) {
      this.windowId = null;
      this.userClosed();
    }
  }

  /** Closed, cancelled or timed out: the page learns the window's state (no token, locked PIN, ...), else `fallback`. */
  private closingError(fallback: TokensignError): TokensignError {
    // A PIN the person just locked is the most telling reason.
    if (this.lastError?.code === 'PIN_LOCKED') return new PinLockedError(this.lastError.message);
    const cls = stateError(windowState(this.view()));
    return cls ? new cls() : fallback;
  }

  private userClosed(): void {
    this.fail(this.closingError(markDismissed(new UserCancelledError('The user closed the certificate window'))));
  }

  private async onCommand(message: unknown): Promise<void> {
    if (this.settled || !isRecord(message)) return;
    if (message.kind === 'cancel') {
      this.fail(this.closingError(markDismissed(new UserCancelledError('The user cancelled'))));
      return;
    }
    if (message.kind !== 'confirm' || this.phase !== 'choose') return;
    const certificateId = message.certificateId;
    const pinValue = message.pin;
    if (typeof certificateId !== 'string' || typeof pinValue !== 'string') return;
    const { certificates, tokens } = this.lists.snapshot();
    const certificate = certificates.find((c) => c.id === certificateId);
    const token = certificate && tokens.find((t) => t.id === certificate.tokenId);
    const fixed = this.request.fixed;
    if (!certificate || unusableReason(certificate, token, this.request.action) !== null || (fixed && certificate.id !== fixed.certificateId)) {
      this.showError(new BadRequestError('This certificate cannot be used'), certificateId);
      return;
    }
    // PIN pads take the PIN themselves, and a token that needs none gets none.
    const pin = token?.pin.protectedPath || pinValue === '' ? undefined : pinValue;
    if (pin === undefined && !token?.pin.protectedPath && token?.pin.loginRequired !== false && !fixed?.pinFromPage) {
      this.showError(new TokensignError('PIN_REQUIRED', 'Enter the PIN'), certificateId);
      return;
    }
    await this.confirm(certificate, pin);
  }

  private async confirm(certificate: CertificateInfo, pin: string | undefined): Promise<void> {
    this.phase = 'working';
    this.lastError = null;
    this.errorCertificateId = null;
    this.push();
    try {
      const result = await this.request.operation(certificate, pin);
      if (this.settled) return;
      this.succeed(result);
    } catch (error) {
      if (this.settled) return;
      const endsHere = this.request.fixed?.pinFromPage && error instanceof TokensignError && PAGE_PIN_ERRORS.has(error.code);
      if (error instanceof TokensignError && RECOVERABLE.has(error.code) && !endsHere) {
        this.phase = 'choose';
        await this.lists.refresh().catch(() => undefined);
        this.showError(error, certificate.id);
      } else {
        this.fail(error);
      }
    }
  }

  private showError(error: TokensignError, certificateId: string | null): void {
    this.lastError = error.toJSON();
    this.errorCertificateId = certificateId;
    this.push();
  }

  /**
   * Tokens plugged in or out show up as soon as the host sees them (wait-token-event); a host without
   * that command, or one not installed yet, is asked again every TOKEN_POLL_MS instead. The first
   * wait returns at once: it starts the host's watch, and the tokens are then compared with the list
   * read before it, so that nothing plugged in or out between the two is missed.
   */
  private async watchTokens(): Promise<void> {
    let generation = 0;
    let first = true;
    let stale = false;
    while (!this.settled) {
      try {
        this.watching = true;
        const event = await this.host.waitTokenEvent(generation, first ? 0 : TOKEN_WAIT_MS).finally(() => (this.watching = false));
        stale ||= first || event.generation !== generation;
        generation = event.generation;
        first = false;
      } catch (error) {
        if (error instanceof TokensignError && error.code === 'UNKNOWN_COMMAND') {
          if (!this.settled) this.pollTimer = setInterval(() => void this.poll(), TOKEN_POLL_MS);
          return;
        }
        // The host went away, is not installed yet, or timed out: ask again a little later.
        await delay(TOKEN_POLL_MS);
        stale = true;
      }
      if (stale && !this.settled && this.phase === 'choose') {
        await this.poll();
        stale = false;
      }
    }
  }

  /** Reads the tokens again (and their certificates when they changed). */
  private async poll(): Promise<void> {
    if (this.settled || this.phase !== 'choose') return;
    // A failed poll changes nothing; the next one tries again (the host reconnects on demand).
    await this.lists.poll().catch(() => undefined);
  }

  private view(): PickerView {
    const lists = this.lists.snapshot();
    return {
      origin: this.request.origin,
      site: this.site,
      action: this.request.action,
      ...lists,
      certificates: lists.certificates.map(shownCertificate),
      preselect: this.request.preselect,
      phase: this.phase,
      error: this.lastError,
      errorCertificateId: this.errorCertificateId,
      fixed: this.request.fixed ?? null,
      signed: this.request.signed ?? null,
    };
  }

  private push(): void {
    if (this.settled) return;
    try {
      this.port?.postMessage({ kind: 'view', view: this.view() });
    } catch {
      // the window is going away; its disconnect handler cancels
    }
  }

  private succeed(result: T): void {
    this.phase = 'finished';
    this.finish();
    this.resolveRun(result);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.phase = 'finished';
    this.finish();
    this.rejectRun(error);
  }

  private finish(): void {
    this.settled = true;
    sessions.delete(this.id);
    windowCloses.update(sessions.size > 0);
    // The host answers a wait in progress as soon as another request arrives: a zero wait ends ours
    // now, so that nothing of this session stays pending with the host.
    if (this.watching) void this.host.waitTokenEvent(0, 0).catch(() => {});
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.deadline) clearTimeout(this.deadline);
    this.pollTimer = null;
    this.deadline = null;
    this.closeWindow();
  }

  private closeWindow(): void {
    const port = this.port;
    this.port = null;
    try {
      port?.disconnect();
    } catch {
      // already closed
    }
    if (this.windowId !== null) {
      const id = this.windowId;
      this.windowId = null;
      browser.windows.remove(id).catch(() => undefined);
    }
  }
}
