// The one connection to the native host: explicit state, `hello` handshake, per-request timeouts,
// reconnect on the next request after the host exits, idle disconnect.
import browser, { type Runtime } from 'webextension-polyfill';
import { HOST_NAME, PROTOCOL_VERSION, TokensignError, type HelloResult } from '../../shared/protocol';
import { HostUnavailableError, InternalError, TimeoutError, VersionMismatchError, errorFromBody } from '../../shared/errors';
import { isRecord } from '../common/messages';

export type HostState = 'UNINITIALIZED' | 'CONNECTING' | 'CONNECTED' | 'DISCONNECTED';

export const HELLO_TIMEOUT_MS = 10_000;
export const LIST_TIMEOUT_MS = 30_000;
export const SIGN_TIMEOUT_MS = 120_000;
/** With nothing pending for this long the port is closed, so the host process ends. */
export const IDLE_DISCONNECT_MS = 120_000;

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

  constructor(private readonly hostName: string = HOST_NAME) {}

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

  /** Sends one command and resolves with its result, or rejects with the host's error class. */
  async request<R>(command: string, params: Record<string, unknown> = {}, timeoutMs = LIST_TIMEOUT_MS): Promise<R> {
    await this.connect();
    return (await this.send(command, params, timeoutMs)) as R;
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
    let hello: unknown;
    try {
      hello = await this.send('hello', {}, HELLO_TIMEOUT_MS);
    } catch (error) {
      this.disconnect();
      if (error instanceof TokensignError && error.code === 'TIMEOUT') {
        throw new HostUnavailableError('The Tokensign host did not answer');
      }
      throw error;
    }
    if (!isRecord(hello) || typeof hello.version !== 'string' || typeof hello.protocol !== 'number') {
      this.disconnect();
      throw new VersionMismatchError('The host answered hello with an unknown shape');
    }
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.disconnect();
      throw new VersionMismatchError(`The host speaks protocol ${hello.protocol}, the extension ${PROTOCOL_VERSION}`);
    }
    this.hello = {
      protocol: hello.protocol,
      version: hello.version,
      modules: Array.isArray(hello.modules) ? (hello.modules as HelloResult['modules']) : [],
    };
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
