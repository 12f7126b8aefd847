// Tokensign page client: a small ESM library for relying-party pages. It talks to the extension's
// content script over window.postMessage (docs/PROTOCOL.md §3). No dependencies; bundle it with esbuild.
import {
  PAGE_ACK,
  PAGE_REQUEST,
  PAGE_RESPONSE,
  type ErrorCode,
  type PageAction,
  type PageAuthenticateResult,
  type SignResult,
  type StatusResult,
} from '../../shared/protocol';
import { toBase64, toHex } from '../../shared/encoding';

export type { ErrorCode, PageAuthenticateResult, SignResult, StatusResult };

/** How long the extension has to acknowledge a request before EXTENSION_UNAVAILABLE. */
export const ACK_TIMEOUT_MS = 1_000;

/** Every failure of this library; `code` is one of the protocol's error codes. */
export class TokensignPageError extends Error {
  readonly code: ErrorCode | string;
  constructor(code: ErrorCode | string, message: string) {
    super(message);
    this.name = 'TokensignPageError';
    this.code = code;
  }
}

export function isTokensignPageError(value: unknown): value is TokensignPageError {
  return value instanceof TokensignPageError;
}

export interface AuthenticateOptions {
  /** The relying party's single-use challenge (43..512 characters of [A-Za-z0-9+/_=-]). */
  challenge: string;
  /** How long the user has to choose a certificate and type the PIN (extension default 5 minutes). */
  timeoutMs?: number;
}

export interface SignOptions {
  /** The data to sign: bytes, or a base64 string. */
  data: Uint8Array | ArrayBuffer | string;
  /** Detached CMS (default true). */
  detached?: boolean;
  /** Hex SHA-256 thumbprint of the certificate to preselect in the picker. */
  certificate?: string;
  timeoutMs?: number;
}

function newId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return toHex(bytes);
}

function dataAsBase64(data: Uint8Array | ArrayBuffer | string): string {
  if (typeof data === 'string') return data;
  return toBase64(data instanceof Uint8Array ? data : new Uint8Array(data));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sends one request and resolves with its result; rejects with TokensignPageError. */
function call<T>(action: PageAction, params: Record<string, unknown>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (typeof window === 'undefined') {
      reject(new TokensignPageError('EXTENSION_UNAVAILABLE', 'Tokensign runs only in a browser page'));
      return;
    }
    if (!window.isSecureContext) {
      reject(new TokensignPageError('INSECURE_CONTEXT', 'Tokensign works only in secure contexts (https or localhost)'));
      return;
    }
    const id = newId();
    let acked = false;
    const ackTimer = setTimeout(() => {
      if (acked) return;
      window.removeEventListener('message', onMessage);
      reject(new TokensignPageError('EXTENSION_UNAVAILABLE', 'The Tokensign extension is not installed or not enabled for this page'));
    }, ACK_TIMEOUT_MS);
    function onMessage(event: MessageEvent<unknown>): void {
      if (event.source !== window || event.origin !== window.location.origin) return;
      const data = event.data;
      if (!isRecord(data) || data.id !== id) return;
      if (data.type === PAGE_ACK) {
        acked = true;
        clearTimeout(ackTimer);
        return;
      }
      if (data.type !== PAGE_RESPONSE) return;
      acked = true;
      clearTimeout(ackTimer);
      window.removeEventListener('message', onMessage);
      if (data.ok === true) {
        resolve(data.result as T);
      } else {
        const error = isRecord(data.error) ? data.error : {};
        reject(
          new TokensignPageError(
            typeof error.code === 'string' ? error.code : 'INTERNAL',
            typeof error.message === 'string' ? error.message : 'Unknown error',
          ),
        );
      }
    }
    window.addEventListener('message', onMessage);
    try {
      window.postMessage({ type: PAGE_REQUEST, id, action, params }, window.location.origin);
    } catch (error) {
      // An opaque origin ("null", e.g. a sandboxed frame) cannot be addressed, and the bridge would not answer it.
      clearTimeout(ackTimer);
      window.removeEventListener('message', onMessage);
      reject(new TokensignPageError('EXTENSION_UNAVAILABLE', `The request could not be posted: ${error instanceof Error ? error.message : String(error)}`));
    }
  });
}

/** Versions of the extension and the host (`host` is null when the host is not installed). */
export function status(): Promise<StatusResult> {
  return call<StatusResult>('status', {});
}

/** Asks the user to sign the challenge with a certificate of their choice (login). */
export function authenticate(options: AuthenticateOptions): Promise<PageAuthenticateResult> {
  const params: Record<string, unknown> = { challenge: options.challenge };
  if (options.timeoutMs !== undefined) params.timeoutMs = options.timeoutMs;
  return call<PageAuthenticateResult>('authenticate', params);
}

/** Asks the user to sign data; resolves with a base64 CMS and the signer's certificate. */
export function sign(options: SignOptions): Promise<SignResult> {
  const params: Record<string, unknown> = { data: dataAsBase64(options.data) };
  if (options.detached !== undefined) params.detached = options.detached;
  if (options.certificate !== undefined) params.certificate = options.certificate;
  if (options.timeoutMs !== undefined) params.timeoutMs = options.timeoutMs;
  return call<SignResult>('sign', params);
}
