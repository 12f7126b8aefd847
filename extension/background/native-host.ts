// The one connection to the native host: explicit state, `hello` handshake, per-request timeouts,
// reconnect on the next request after the host exits, idle disconnect. One typed method per host
// command (docs/PROTOCOL.md §2.4); every result is parsed by host-replies.ts before it is returned.
import browser, { type Runtime } from 'webextension-polyfill';
import {
  HOST_NAME,
  PROTOCOL_VERSION,
  TokensignError,
  type AuthenticateResult,
  type CertificateInfo,
  type HelloResult,
  type RawSignResult,
  type SignResult,
  type TokenEventResult,
  type TokenInfo,
} from '../../shared/protocol';
import { HostUnavailableError, InternalError, TimeoutError, VersionMismatchError, errorFromBody } from '../../shared/errors';
import { isRecord } from '../common/messages';
import {
  ReplyShapeError,
  parseAuthenticateResult,
  parseCertificateList,
  parseHello,
  parseRawSignResult,
  parseSignResult,
  parseTokenEvent,
  parseTokenList,
} from './host-replies';

export type HostState = 'UNINITIALIZED' | 'CONNECTING' | 'CONNECTED' | 'DISCONNECTED';

export const HELLO_TIMEOUT_MS = 10_000;
export const LIST_TIMEOUT_MS = 30_000;
export const SIGN_TIMEOUT_MS = 120_000;
/** `request`'s last argument for the reading commands: they may go out behind a hello in flight. */
const BEHIND_HELLO = true;

/** With nothing pending for this long the port is closed, so the host process ends. */
export const IDLE_DISCONNECT_MS = 120_000;

/** How long each kind of command may take (a test may shorten them). */
export interface HostTimeouts {
  helloMs: number;
  listMs: number;
  signMs: number;
}
const DEFAULT_TIMEOUTS: HostTimeouts = { helloMs: HELLO_TIMEOUT_MS, listMs: LIST_TIMEOUT_MS, signMs: SIGN_TIMEOUT_MS };

/** What the signing commands share: the certificate, and the PIN when the token takes one. */
export interface SigningKeyParams {
  certificateId: string;
  pin?: string;
}
/** `sign` params (docs/PROTOCOL.md §2.4); `data` is base64. */
export interface SignParams extends SigningKeyParams {
  data: string;
  detached: boolean;
  hashed?: boolean;
}
export interface RawSignParams extends SigningKeyParams {
  data: string;
  hashed: boolean;
  reverse: boolean;
}
export interface AuthenticateParams extends SigningKeyParams {
  origin: string;
  challenge: string;
}

/** The request fields of a signing command: a PIN only when there is one. */
function keyFields({ certificateId, pin }: SigningKeyParams): Record<string, unknown> {
  return pin === undefined ? { certificateId } : { certificateId, pin };
}

interface Pending {
  command: string;
  resolve(result: unknown): void;
  reject(error: TokensignError): void;
  timer: ReturnType<typeof setTimeout>;
}

export class NativeHost {
  private state: HostState = 'UNINITIALIZED';
  private port: Runtime.Port | null = null;
  private hello: HelloResult | null = null;
  private connecting: Promise<HelloResult> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly timeouts: HostTimeouts;

  constructor(
    private readonly hostName: string = HOST_NAME,
    timeouts: Partial<HostTimeouts> = {},
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  get currentState(): HostState {
    return this.state;
  }

  /** Connects (once) and returns the host's hello; HOST_UNAVAILABLE when it cannot be started. */
  connect(): Promise<HelloResult> {
    if (this.state === 'CONNECTED' && this.hello) return Promise.resolve(this.hello);
    if (this.connecting) return this.connecting;
    this.connecting = this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * `list-tokens`. Reading commands go out right behind a `hello` still in flight, so a host that is
   * starting reads the tokens without waiting for one more round trip; their answer is used only
   * once the hello checked out (nothing with a PIN is ever sent before that).
   */
  listTokens(): Promise<TokenInfo[]> {
    return this.request('list-tokens', {}, this.timeouts.listMs, parseTokenList, BEHIND_HELLO);
  }

  /** `list-certificates`, of every token or of one (sent behind a hello in flight, as list-tokens). */
  listCertificates(tokenId?: string): Promise<CertificateInfo[]> {
    return this.request('list-certificates', tokenId === undefined ? {} : { tokenId }, this.timeouts.listMs, parseCertificateList, BEHIND_HELLO);
  }

  /**
   * `wait-token-event`: answers when a token is put in or taken out after `generation`, after
   * `timeoutMs`, or as soon as another request is sent (the host keeps replies in order).
   */
  waitTokenEvent(generation: number, timeoutMs: number): Promise<TokenEventResult> {
    return this.request('wait-token-event', { generation, timeoutMs }, timeoutMs + this.timeouts.listMs, parseTokenEvent);
  }

  /** `sign` with a CMS result. */
  sign(params: SignParams): Promise<SignResult> {
    const { data, detached, hashed } = params;
    const fields = { ...keyFields(params), data, detached, ...(hashed ? { hashed } : {}) };
    return this.request('sign', fields, this.timeouts.signMs, parseSignResult);
  }

  /** `sign` with `format: "raw"`: the bare signature (the IFCPlugin adapter). */
  signRaw(params: RawSignParams): Promise<RawSignResult> {
    const { data, hashed, reverse } = params;
    const fields = { ...keyFields(params), data, format: 'raw', hashed, reverse };
    return this.request('sign', fields, this.timeouts.signMs, parseRawSignResult);
  }

  /** `authenticate`. */
  authenticate(params: AuthenticateParams): Promise<AuthenticateResult> {
    const { origin, challenge } = params;
    return this.request('authenticate', { ...keyFields(params), origin, challenge }, this.timeouts.signMs, parseAuthenticateResult);
  }

  /**
   * Sends one command and parses its result; rejects with the host's error class. With `behindHello`
   * (reading commands only) it is sent behind a hello still in flight: the host answers in order, and a
   * hello that fails (no host, another protocol) disconnects, which rejects the command too.
   */
  private async request<R>(command: string, params: Record<string, unknown>, timeoutMs: number, parse: (result: unknown) => R, behindHello = false): Promise<R> {
    const connected = this.connect();
    let result: unknown;
    if (behindHello && this.state === 'CONNECTING' && this.port) {
      const sent = this.send(command, params, timeoutMs);
      // If the hello fails, its error is the one to tell; this command's own rejection is then moot.
      sent.catch(() => undefined);
      await connected;
      result = await sent;
    } else {
      await connected;
      result = await this.send(command, params, timeoutMs);
    }
    try {
      return parse(result);
    } catch (error) {
      if (!(error instanceof ReplyShapeError)) throw error;
      throw new InternalError(`The host answered ${command} with an unknown shape (${error.message})`);
    }
  }

  disconnect(): void {
    const port = this.port;
    if (port) {
      this.closed(new HostUnavailableError('The connection to the host was closed'));
      try {
        port.disconnect();
      } catch {
        // already gone
      }
    }
  }

  private async open(): Promise<HelloResult> {
    this.state = 'CONNECTING';
    let port: Runtime.Port;
    try {
      port = browser.runtime.connectNative(this.hostName);
    } catch (error) {
      this.state = 'DISCONNECTED';
      throw new HostUnavailableError(`The Tokensign host could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.port = port;
    port.onMessage.addListener((message: unknown) => this.onReply(port, message));
    port.onDisconnect.addListener((p: Runtime.Port) => {
      if (this.port !== port) return;
      const reason = p.error?.message ?? (browser.runtime as { lastError?: { message?: string } }).lastError?.message;
      this.closed(new HostUnavailableError(reason ? `The Tokensign host is not available: ${reason}` : undefined));
    });
    let reply: unknown;
    try {
      reply = await this.send('hello', {}, this.timeouts.helloMs);
    } catch (error) {
      this.disconnect();
      if (error instanceof TokensignError && error.code === 'TIMEOUT') {
        throw new HostUnavailableError('The Tokensign host did not answer');
      }
      throw error;
    }
    let hello: HelloResult;
    try {
      hello = parseHello(reply);
    } catch {
      this.disconnect();
      throw new VersionMismatchError('The host answered hello with an unknown shape');
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.disconnect();
      throw new VersionMismatchError(`The host speaks protocol ${hello.protocol}, the extension ${PROTOCOL_VERSION}`);
    }
    this.hello = hello;
    this.state = 'CONNECTED';
    this.armIdle();
    return this.hello;
  }

  private send(command: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const port = this.port;
    if (!port) return Promise.reject(new HostUnavailableError());
    const id = this.nextId++;
    this.clearIdle();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(new TimeoutError(`The host did not answer ${command} within ${Math.round(timeoutMs / 1000)} s`));
        // Replies come in order, so a stuck host would hold back every later request: start afresh.
        this.disconnect();
      }, timeoutMs);
      this.pending.set(id, { command, resolve, reject, timer });
      try {
        port.postMessage({ id, command, params });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new HostUnavailableError(`Could not write to the host: ${error instanceof Error ? error.message : String(error)}`));
      }
    });
  }

  private onReply(port: Runtime.Port, message: unknown): void {
    if (port !== this.port || !isRecord(message)) return;
    const id = message.id;
    if (typeof id !== 'number') {
      // id null: the host could not read a request; every pending one is suspect only if none else answers.
      return;
    }
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (message.ok === true) pending.resolve(message.result);
    else if (message.ok === false) pending.reject(errorFromBody(message.error));
    else pending.reject(new InternalError(`The host answered ${pending.command} with an unknown shape`));
    if (this.pending.size === 0) this.armIdle();
  }

  private closed(error: TokensignError): void {
    this.port = null;
    this.hello = null;
    this.state = 'DISCONNECTED';
    this.clearIdle();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }

  private armIdle(): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.pending.size === 0) this.disconnect();
    }, IDLE_DISCONNECT_MS);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
