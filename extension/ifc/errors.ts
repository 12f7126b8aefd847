// Tokensign error codes → IFCError numbers (docs/IFC-COMPAT.md §6: 160 is the only code that makes
// the portal's widget ask for the PIN again; most others close its dialog without a word).
import { isErrorCode, type ErrorCode } from '../../shared/protocol';
import { IfcError } from './constants';

const TO_IFC: Partial<Record<ErrorCode, number>> = {
  PIN_INCORRECT: IfcError.P11_LOGIN_ERROR,
  PIN_REQUIRED: IfcError.P11_LOGIN_ERROR,
  PIN_INVALID: IfcError.P11_LOGIN_ERROR,
  PIN_LOCKED: IfcError.P11_ERROR,
  USER_CANCELLED: IfcError.UNKNOWN,
  TIMEOUT: IfcError.UNKNOWN,
  TOKEN_NOT_FOUND: IfcError.P11_NO_TOKENS_FOUND,
  TOKEN_REMOVED: IfcError.P11_NO_TOKENS_FOUND,
  NO_CERTIFICATES: IfcError.P11_NO_TOKENS_FOUND,
  CERTIFICATE_NOT_FOUND: IfcError.CONTAINER_NOT_FOUND,
  KEY_NOT_FOUND: IfcError.KEY_NOT_FOUND,
  BAD_REQUEST: IfcError.BAD_PARAMS,
  UNSUPPORTED_ALGORITHM: IfcError.ENGINE_ERROR,
  CERTIFICATE_EXPIRED: IfcError.P11_ERROR,
  CERTIFICATE_NOT_YET_VALID: IfcError.P11_ERROR,
  TOKEN_ERROR: IfcError.P11_ERROR,
  MODULE_LOAD_FAILED: IfcError.P11_ERROR,
  HOST_UNAVAILABLE: IfcError.PLUGIN_UNDEFINED,
  BUSY: IfcError.GENERAL,
};

/** The IFC error number for anything thrown by the backend; unknown errors are IFC_GENERAL_ERROR. */
export function ifcErrorCode(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  if (isErrorCode(code)) return TO_IFC[code] ?? IfcError.GENERAL;
  return IfcError.GENERAL;
}
