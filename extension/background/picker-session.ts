// One picker window per request: it names the origin and the action, lists every certificate of
// every token, takes the choice and the PIN, shows progress and errors. The PIN arrives here in a
// port message, goes straight into the host request, and is not kept.
import browser, { type Runtime } from 'webextension-polyfill';
import { TokensignError, type CertificateInfo, type ErrorBody, type TokenInfo } from '../../shared/protocol';
import { unusableReason } from '../common/certificate-view';
import { PICKER_HEIGHT, PICKER_WIDTH } from '../common/picker-size';
import { BadRequestError, NoCertificatesError, PinLockedError, TimeoutError, UserCancelledError } from '../../shared/errors';
import { isRecord, type PickerAction, type PickerView } from '../common/messages';
import type { NativeHost } from './native-host';
import { IFC_PAGE_RETRY_ERRORS, pinFromPage, type IfcConfirmation } from '../ifc/picker-view';
import type { SignedSummary } from '../common/signed-summary';
import { markDismissed } from './prompt-limiter';

export const TOKEN_POLL_MS = 2_000;

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

export interface PickerRequest<T> {
  origin: string;
  action: PickerAction;
  preselect: string | null;
  timeoutMs: number;
  signal: AbortSignal;
  /** IFCPlugin pages: one fixed certificate, the PIN typed on the page, the content shown (extension/ifc). */
  ifc?: IfcConfirmation;
  /** What is signed, for the window to show (sign, IFC sign). */
  signed?: SignedSummary;
  /** Runs the host command for the chosen certificate; `pin` is undefined for PIN-pad tokens. */
  operation(certificate: CertificateInfo, pin: string | undefined): Promise<T>;
}

const sessions = new Map<string, PickerSession<unknown>>();

/** Routes a picker window's port to its session (called from the background's onConnect). */
export function attachPickerPort(port: Runtime.Port): void {
  const pickerUrl = browser.runtime.getURL('picker/index.html');
  if (!port.sender?.url?.startsWith(pickerUrl)) {
    port.disconnect();
    return;
  }
  const onFirst = (message: unknown): void => {
    port.onMessage.removeListener(onFirst);
    const session = isRecord(message) && message.kind === 'attach' && typeof message.session === 'string' ? sessions.get(message.session) : undefined;
    if (!session || !session.attach(port)) port.disconnect();
  };
  port.onMessage.addListener(onFirst);
}

/** Called when any browser window closes. */
export function pickerWindowClosed(windowId: number): void {
  for (const session of sessions.values()) session.windowClosed(windowId);
}

export function runPicker<T>(host: NativeHost, request: PickerRequest<T>): Promise<T> {
  const session = new PickerSession<T>(host, request);
  return session.run();
}

class PickerSession<T> {
  private readonly id = crypto.randomUUID();
  private port: Runtime.Port | null = null;
  private windowId: number | null = null;
  private tokens: TokenInfo[] = [];
  private certificates: CertificateInfo[] = [];
  private phase: PickerView['phase'] = 'choose';
  private lastError: ErrorBody | null = null;
  private errorCertificateId: string | null = null;
  private settled = false;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private polling = false;
  private resolveRun!: (value: T) => void;
  private rejectRun!: (error: unknown) => void;

  constructor(
    private readonly host: NativeHost,
    private readonly request: PickerRequest<T>,
  ) {}

  async run(): Promise<T> {
    const done = new Promise<T>((resolve, reject) => {
      this.resolveRun = resolve;
      this.rejectRun = reject;
    });
    const { signal } = this.request;
    if (signal.aborted) throw signal.reason;
    // The lists come first: a missing host is answered without opening a window.
    await this.loadLists();
    if (signal.aborted) throw signal.reason;
    sessions.set(this.id, this as PickerSession<unknown>);
    const onAbort = (): void => this.fail(signal.reason instanceof Error ? signal.reason : new UserCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    this.deadline = setTimeout(() => this.fail(new TimeoutError('No certificate was chosen in time')), this.request.timeoutMs);
    this.pollTimer = setInterval(() => void this.poll(), TOKEN_POLL_MS);
    try {
      const win = await browser.windows.create({
        url: browser.runtime.getURL(`picker/index.html?session=${encodeURIComponent(this.id)}`),
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
    try {
      return await done;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  attach(port: Runtime.Port): boolean {
    if (this.port || this.settled) return false;
    this.port = port;
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

  private userClosed(): void {
    if (this.settled) return;
    if (this.ifcTokenLocked()) this.fail(new PinLockedError(this.lastError?.message));
    // The most telling reason first: a PIN the user just locked, then nothing usable at all.
    else if (this.lastError?.code === 'PIN_LOCKED') this.fail(new PinLockedError(this.lastError.message));
    else if (!this.hasUsableCertificate()) this.fail(new NoCertificatesError());
    else this.fail(markDismissed(new UserCancelledError('The user closed the certificate window')));
  }

  private async onCommand(message: unknown): Promise<void> {
    if (this.settled || !isRecord(message)) return;
    if (message.kind === 'cancel') {
      this.fail(this.ifcTokenLocked() ? new PinLockedError(this.lastError?.message) : markDismissed(new UserCancelledError('The user cancelled')));
      return;
    }
    if (message.kind !== 'confirm' || this.phase !== 'choose') return;
    const certificateId = message.certificateId;
    const pinValue = message.pin;
    if (typeof certificateId !== 'string' || typeof pinValue !== 'string') return;
    const certificate = this.certificates.find((c) => c.id === certificateId);
    const token = certificate && this.tokens.find((t) => t.id === certificate.tokenId);
    const ifc = this.request.ifc;
    if (!certificate || unusableReason(certificate, token, this.request.action) !== null || (ifc && certificate.id !== ifc.certificateId)) {
      this.showError(new BadRequestError('This certificate cannot be used'), certificateId);
      return;
    }
    // PIN pads take the PIN themselves, and a token that needs none gets none.
    const pin = token?.pin.protectedPath || pinValue === '' ? undefined : pinValue;
    if (pin === undefined && !token?.pin.protectedPath && token?.pin.loginRequired !== false && !pinFromPage(ifc)) {
      this.showError(new TokensignError('PIN_REQUIRED', 'Enter the PIN'), certificateId);
      return;
    }
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
      if (error instanceof TokensignError && RECOVERABLE.has(error.code) && !(pinFromPage(ifc) && IFC_PAGE_RETRY_ERRORS.has(error.code))) {
        this.phase = 'choose';
        await this.loadLists().catch(() => undefined);
        this.showError(error, certificateId);
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

  private async loadLists(): Promise<void> {
    this.tokens = await this.host.listTokens();
    this.certificates = await this.host.listCertificates();
  }

  /** Tokens plugged in or out while the window is open show up within TOKEN_POLL_MS. */
  private async poll(): Promise<void> {
    if (this.settled || this.polling || this.phase !== 'choose') return;
    this.polling = true;
    try {
      const tokens = await this.host.listTokens();
      if (this.settled || this.phase !== 'choose') return;
      if (JSON.stringify(tokens) !== JSON.stringify(this.tokens)) {
        const certificates = await this.host.listCertificates();
        if (this.settled || this.phase !== 'choose') return;
        this.tokens = tokens;
        this.certificates = certificates;
        this.push();
      }
    } catch {
      // A failed poll changes nothing; the next one tries again (the host reconnects on demand).
    } finally {
      this.polling = false;
    }
  }

  /** IFC: the page's certificate sits on a locked token (the page is told 23, the window says why). */
  private ifcTokenLocked(): boolean {
    const ifc = this.request.ifc;
    if (!ifc) return false;
    if (this.lastError?.code === 'PIN_LOCKED') return true;
    const cert = this.certificates.find((c) => c.id === ifc.certificateId);
    return Boolean(cert && this.tokens.find((t) => t.id === cert.tokenId)?.pin.locked);
  }

  private hasUsableCertificate(): boolean {
    return this.certificates.some((c) => unusableReason(c, this.tokens.find((t) => t.id === c.tokenId), this.request.action) === null);
  }

  private view(): PickerView {
    return {
      origin: this.request.origin,
      action: this.request.action,
      tokens: this.tokens,
      certificates: this.certificates,
      preselect: this.request.preselect,
      phase: this.phase,
      error: this.lastError,
      errorCertificateId: this.errorCertificateId,
      ifc: this.request.ifc ?? null,
      signed: this.request.signed ?? null,
    };
  }

  private push(): void {
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
