// One error class per code, and the code → class map that turns `{code, message, ...}` back into
// the right class on every side of a boundary (host reply, runtime message, page response).
import { TokensignError, isErrorCode, type ErrorBody, type ErrorCode } from './protocol';

export type TokensignErrorClass = new (message?: string, details?: Record<string, unknown>) => TokensignError;

function errorClass(code: ErrorCode, name: string, defaultMessage: string): TokensignErrorClass {
  const cls = class extends TokensignError {
    constructor(message: string = defaultMessage, details: Record<string, unknown> = {}) {
      super(code, message, details);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const BadRequestError = errorClass('BAD_REQUEST', 'BadRequestError', 'The request is malformed');
export const UnknownCommandError = errorClass('UNKNOWN_COMMAND', 'UnknownCommandError', 'Unknown command');
export const MessageTooLargeError = errorClass('MESSAGE_TOO_LARGE', 'MessageTooLargeError', 'The message is too large');
export const ModuleLoadFailedError = errorClass('MODULE_LOAD_FAILED', 'ModuleLoadFailedError', 'A PKCS#11 module failed to load');
export const TokenNotFoundError = errorClass('TOKEN_NOT_FOUND', 'TokenNotFoundError', 'Token not found');
export const TokenRemovedError = errorClass('TOKEN_REMOVED', 'TokenRemovedError', 'The token was removed');
export const CertificateNotFoundError = errorClass('CERTIFICATE_NOT_FOUND', 'CertificateNotFoundError', 'Certificate not found');
export const KeyNotFoundError = errorClass('KEY_NOT_FOUND', 'KeyNotFoundError', 'The private key was not found');
export const PinRequiredError = errorClass('PIN_REQUIRED', 'PinRequiredError', 'A PIN is required');
export const PinIncorrectError = errorClass('PIN_INCORRECT', 'PinIncorrectError', 'The PIN is incorrect');
export const PinLockedError = errorClass('PIN_LOCKED', 'PinLockedError', 'The PIN is locked');
export const PinInvalidError = errorClass('PIN_INVALID', 'PinInvalidError', 'The token rejected the PIN format');
export const CertificateExpiredError = errorClass('CERTIFICATE_EXPIRED', 'CertificateExpiredError', 'The certificate has expired');
export const CertificateNotYetValidError = errorClass(
  'CERTIFICATE_NOT_YET_VALID',
  'CertificateNotYetValidError',
  'The certificate is not valid yet',
);
export const UnsupportedAlgorithmError = errorClass('UNSUPPORTED_ALGORITHM', 'UnsupportedAlgorithmError', 'Unsupported key algorithm');
export const ResultTooLargeError = errorClass('RESULT_TOO_LARGE', 'ResultTooLargeError', 'The result is too large');
export const TokenOperationError = errorClass('TOKEN_ERROR', 'TokenOperationError', 'The token reported an error');
export const InternalError = errorClass('INTERNAL', 'InternalError', 'Internal error');
export const ExtensionUnavailableError = errorClass('EXTENSION_UNAVAILABLE', 'ExtensionUnavailableError', 'The Tokensign extension is not available');
export const HostUnavailableError = errorClass(
  'HOST_UNAVAILABLE',
  'HostUnavailableError',
  'The Tokensign host is not installed or has exited (run `tokensign-host install`)',
);
export const VersionMismatchError = errorClass('VERSION_MISMATCH', 'VersionMismatchError', 'The extension and the host speak different protocol versions');
export const InsecureContextError = errorClass('INSECURE_CONTEXT', 'InsecureContextError', 'Tokensign works only in secure contexts (https or localhost)');
export const BusyError = errorClass('BUSY', 'BusyError', 'A Tokensign request from this tab is already pending');
export const NoCertificatesError = errorClass('NO_CERTIFICATES', 'NoCertificatesError', 'No token holds a usable certificate');
export const UserCancelledError = errorClass('USER_CANCELLED', 'UserCancelledError', 'The user cancelled');
export const TimeoutError = errorClass('TIMEOUT', 'TimeoutError', 'The operation timed out');

export const ERROR_CLASSES: Record<ErrorCode, TokensignErrorClass> = {
  BAD_REQUEST: BadRequestError,
  UNKNOWN_COMMAND: UnknownCommandError,
  MESSAGE_TOO_LARGE: MessageTooLargeError,
  MODULE_LOAD_FAILED: ModuleLoadFailedError,
  TOKEN_NOT_FOUND: TokenNotFoundError,
  TOKEN_REMOVED: TokenRemovedError,
  CERTIFICATE_NOT_FOUND: CertificateNotFoundError,
  KEY_NOT_FOUND: KeyNotFoundError,
  PIN_REQUIRED: PinRequiredError,
  PIN_INCORRECT: PinIncorrectError,
  PIN_LOCKED: PinLockedError,
  PIN_INVALID: PinInvalidError,
  CERTIFICATE_EXPIRED: CertificateExpiredError,
  CERTIFICATE_NOT_YET_VALID: CertificateNotYetValidError,
  UNSUPPORTED_ALGORITHM: UnsupportedAlgorithmError,
  RESULT_TOO_LARGE: ResultTooLargeError,
  TOKEN_ERROR: TokenOperationError,
  INTERNAL: InternalError,
  EXTENSION_UNAVAILABLE: ExtensionUnavailableError,
  HOST_UNAVAILABLE: HostUnavailableError,
  VERSION_MISMATCH: VersionMismatchError,
  INSECURE_CONTEXT: InsecureContextError,
  BUSY: BusyError,
  NO_CERTIFICATES: NoCertificatesError,
  USER_CANCELLED: UserCancelledError,
  TIMEOUT: TimeoutError,
};

/** Parses an untyped `{code, message, ...details}` into the error class of its code (INTERNAL if unreadable). */
export function errorFromBody(body: unknown): TokensignError {
  if (typeof body !== 'object' || body === null) return new InternalError('Malformed error reply');
  const { code, message, ...details } = body as Record<string, unknown>;
  const text = typeof message === 'string' && message.length > 0 ? message : undefined;
  if (!isErrorCode(code)) return new InternalError(text ?? `Unknown error code ${String(code)}`, details);
  return new ERROR_CLASSES[code](text, details);
}

/** Any thrown value as an error body that can cross a boundary; unknown throws become INTERNAL. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof TokensignError) return error.toJSON();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
