// Tokensign protocol v1: names, shapes and codes shared by every part.
// The contract is docs/PROTOCOL.md; this file states it in types.

import { OID } from './oids';

export const PROTOCOL_VERSION = 1;
export const HOST_NAME = 'org.tokensign.host';
export const FIREFOX_EXTENSION_ID = 'tokensign@tokensign.org';
export const AUTH_FORMAT = 'tokensign-auth:1';
/**
 * The CMS content type of a login (eContentType and the signed contentType attribute), in place of
 * id-data: `sign` never emits it and verifyAuthentication requires it, so no `sign` output is a login
 * (docs/PROTOCOL.md §2.5). A UUID OID (ITU-T X.667).
 */
export const AUTH_CONTENT_TYPE_OID = OID.tokensignLogin;

export const PAGE_REQUEST = 'tokensign:request';
export const PAGE_ACK = 'tokensign:ack';
export const PAGE_RESPONSE = 'tokensign:response';

/** Largest request frame the host accepts (64 MiB). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** Largest reply frame the host writes (1 MiB); browsers refuse larger ones. */
export const MAX_REPLY_BYTES = 1024 * 1024;

/** Days before notAfter when a certificate is flagged as expiring soon. */
export const EXPIRY_WARNING_DAYS = 30;

export const HOST_ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_COMMAND',
  'MESSAGE_TOO_LARGE',
  'MODULE_LOAD_FAILED',
  'TOKEN_NOT_FOUND',
  'TOKEN_REMOVED',
  'CERTIFICATE_NOT_FOUND',
  'KEY_NOT_FOUND',
  'PIN_REQUIRED',
  'PIN_INCORRECT',
  'PIN_LOCKED',
  'PIN_INVALID',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'UNSUPPORTED_ALGORITHM',
  'RESULT_TOO_LARGE',
  'TOKEN_ERROR',
  'INTERNAL',
] as const;
export type HostErrorCode = (typeof HOST_ERROR_CODES)[number];

export const PAGE_ERROR_CODES = [
  'EXTENSION_UNAVAILABLE',
  'HOST_UNAVAILABLE',
  'VERSION_MISMATCH',
  'INSECURE_CONTEXT',
  'BUSY',
  'NO_CERTIFICATES',
  /** No token is plugged in (docs/PROTOCOL.md §3.5). */
  'NO_TOKEN',
  /** No token driver (PKCS#11 module) is installed or none loads. */
  'NO_MODULE',
  'USER_CANCELLED',
  'TIMEOUT',
] as const;
export type PageOnlyErrorCode = (typeof PAGE_ERROR_CODES)[number];
export type ErrorCode = HostErrorCode | PageOnlyErrorCode;

const ALL_CODES: ReadonlySet<string> = new Set<string>([...HOST_ERROR_CODES, ...PAGE_ERROR_CODES]);
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && ALL_CODES.has(value);
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  [detail: string]: unknown;
}

/** An error that crosses a boundary (host → extension → page) as `{code, message, ...details}`. */
export class TokensignError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TokensignError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ErrorBody {
    return { ...this.details, code: this.code, message: this.message };
  }
}

// ---------- native messaging (§2) ----------

export type RequestId = string | number;

export interface HostRequest {
  id: RequestId;
  command: string;
  params?: Record<string, unknown>;
}
export type HostReply<R = unknown> =
  | { id: RequestId; ok: true; result: R }
  | { id: RequestId | null; ok: false; error: ErrorBody };

export interface ModuleStatus {
  path: string;
  loaded: boolean;
  error?: string;
}
export interface HelloResult {
  protocol: number;
  version: string;
  modules: ModuleStatus[];
}

export interface PinState {
  loginRequired: boolean;
  countLow: boolean;
  finalTry: boolean;
  locked: boolean;
  protectedPath: boolean;
}

export interface TokenInfo {
  id: string;
  module: string;
  slot: number;
  label: string;
  manufacturer: string;
  model: string;
  serial: string;
  pin: PinState;
}

export type CertificateStatus = 'valid' | 'expired' | 'not-yet-valid';

export interface SubjectFields {
  commonName: string;
  surname?: string;
  givenName?: string;
  organization?: string;
  title?: string;
  inn?: string;
  innle?: string;
  ogrn?: string;
  ogrnip?: string;
  snils?: string;
  email?: string;
}

/** The fields that describe a certificate by itself (§4 returns these). */
export interface CertificateDescription {
  der: string;
  thumbprint: string;
  subject: SubjectFields;
  subjectDN: string;
  issuerDN: string;
  issuerCommonName: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  status: CertificateStatus;
  expiresInDays: number;
  keyAlgorithm: string;
  keyUsage: string[];
}

/** A certificate as found on a token (§2 list-certificates). */
export interface CertificateInfo extends CertificateDescription {
  id: string;
  tokenId: string;
  label: string;
  hasPrivateKey: boolean;
  /** CKA_ID of the certificate (and its key) in lowercase hex; an extension for the IFCPlugin adapter. */
  keyId?: string;
}

/** `sign` result with `format: "raw"` (docs/PROTOCOL.md §2.4). */
export interface RawSignResult {
  signature: string;
  certificate: string;
}

/** `wait-token-event` result (docs/PROTOCOL.md §2.4). */
export interface TokenEventResult {
  /** Tokens put in or taken out since the host's first wait-token-event. */
  generation: number;
  /** Whether `generation` passed the one the request gave. */
  changed: boolean;
  /** Modules that report events themselves (C_WaitForSlotEvent); the others are polled. */
  watched: number;
}

export interface SignResult {
  cms: string;
  certificate: string;
}
export interface AuthenticateResult extends SignResult {
  format: typeof AUTH_FORMAT;
}

// ---------- web page ↔ extension (§3) ----------

export type PageAction = 'status' | 'authenticate' | 'sign';

export interface PageRequest {
  type: typeof PAGE_REQUEST;
  id: string;
  action: PageAction;
  params?: Record<string, unknown>;
}
export interface PageAck {
  type: typeof PAGE_ACK;
  id: string;
}
export type PageResponse =
  | { type: typeof PAGE_RESPONSE; id: string; ok: true; result: unknown }
  | { type: typeof PAGE_RESPONSE; id: string; ok: false; error: { code: ErrorCode | string; message: string } };

export interface StatusResult {
  extension: string;
  host: string | null;
  protocol: number;
}
export interface PageAuthenticateResult extends AuthenticateResult {
  origin: string;
}

// ---------- the signed payload ----------

const CHALLENGE_RE = /^[A-Za-z0-9+/_=-]{43,512}$/;

/** True when `challenge` is 43..512 characters of [A-Za-z0-9+/_=-]. */
export function isValidChallenge(challenge: unknown): challenge is string {
  return typeof challenge === 'string' && CHALLENGE_RE.test(challenge);
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when `origin` is a web origin exactly as a browser serializes it:
 * https://host[:port], or http only for loopback hosts; lowercase, punycode,
 * no default port, no path, at most 255 characters.
 */
export function isValidOrigin(origin: unknown): origin is string {
  if (typeof origin !== 'string' || origin.length === 0 || origin.length > 255) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.username || url.password) return false;
  // URL.origin is the browser's own serialization: a canonical origin equals it.
  if (url.origin !== origin) return false;
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) return false;
  return true;
}

/** The exact bytes an `authenticate` signs. */
export function authPayload(origin: string, challenge: string): Uint8Array {
  return new TextEncoder().encode(`${AUTH_FORMAT}\n${origin}\n${challenge}`);
}
