// Errors in the plug-in's own form: a rejected Error whose message is a sentence and the HRESULT in
// parentheses, "… (0x80070057)". Page libraries show the sentence (crypto-pro cuts it at " (0x").

/** The errors the adapter raises, each with the HRESULT the genuine plug-in uses for that case. */
export const CADES_ERRORS = {
  UNKNOWN_CLASS: 0x800401f3, // CO_E_CLASSSTRING
  INVALID_ARGUMENT: 0x80070057, // E_INVALIDARG
  NOT_IMPLEMENTED: 0x80004001, // E_NOTIMPL
  TIMESTAMP_TYPE: 0x80004001,
  XML_SIGNATURE: 0x80004001,
  RELEASED: 0x80010108, // RPC_E_DISCONNECTED
  NOT_OPEN: 0x8000ffff, // E_UNEXPECTED
  NO_CONTENT: 0x8000ffff,
  NO_CERTIFICATE: 0x8000ffff,
  NOT_FOUND: 0x80092004, // CRYPT_E_NOT_FOUND
  CANCELLED: 0x8010006e, // SCARD_W_CANCELLED_BY_USER
  PIN_LOCKED: 0x8010006c, // SCARD_W_CHV_BLOCKED
  NO_KEY: 0x8009000d, // NTE_NO_KEY
  EXPIRED: 0x800b0101, // CERT_E_EXPIRED
  BAD_HASH: 0x80090002, // NTE_BAD_HASH
  BAD_ALGORITHM: 0x80090008, // NTE_BAD_ALGID
  BUSY: 0x800700aa, // ERROR_BUSY
  TIMEOUT: 0x800705b4, // ERROR_TIMEOUT
  TOKEN_REMOVED: 0x80100069, // SCARD_W_REMOVED_CARD
  UNAVAILABLE: 0x80070002, // ERROR_FILE_NOT_FOUND: the native host is not installed
  FAILED: 0x80004005, // E_FAIL
} as const;
export type CadesErrorName = keyof typeof CADES_ERRORS;
export const CADES_ERROR_NAMES = Object.keys(CADES_ERRORS) as CadesErrorName[];

/** Tokensign error codes (docs/PROTOCOL.md) → the plug-in's error. */
const FROM_TOKENSIGN: Record<string, CadesErrorName> = {
  USER_CANCELLED: 'CANCELLED',
  TIMEOUT: 'TIMEOUT',
  BUSY: 'BUSY',
  PIN_LOCKED: 'PIN_LOCKED',
  CERTIFICATE_NOT_FOUND: 'NOT_FOUND',
  NO_CERTIFICATES: 'NOT_FOUND',
  KEY_NOT_FOUND: 'NO_KEY',
  CERTIFICATE_EXPIRED: 'EXPIRED',
  CERTIFICATE_NOT_YET_VALID: 'EXPIRED',
  TOKEN_REMOVED: 'TOKEN_REMOVED',
  TOKEN_NOT_FOUND: 'TOKEN_REMOVED',
  UNSUPPORTED_ALGORITHM: 'BAD_ALGORITHM',
  BAD_REQUEST: 'INVALID_ARGUMENT',
  HOST_UNAVAILABLE: 'UNAVAILABLE',
};

export function cadesErrorNameOf(code: string): CadesErrorName {
  return FROM_TOKENSIGN[code] ?? (code in CADES_ERRORS ? (code as CadesErrorName) : 'FAILED');
}

/** The sentences, in the browser's language; the content script hands them over at start. */
export type CadesErrorTexts = Partial<Record<CadesErrorName, string>>;

export function hresultHex(name: CadesErrorName): string {
  return CADES_ERRORS[name].toString(16).toUpperCase().padStart(8, '0');
}

/** An Error of the plug-in's form; `detail` (Tokensign's own reason) follows the sentence for E_FAIL-like cases. */
export function cadesError(texts: CadesErrorTexts, name: CadesErrorName, detail?: string): Error {
  const sentence = texts[name] ?? name;
  const text = detail && (name === 'FAILED' || name === 'INVALID_ARGUMENT' || name === 'NOT_IMPLEMENTED') ? `${sentence}: ${detail}` : sentence;
  const error = new Error(`${text} (0x${hresultHex(name)})`);
  // The genuine plug-in's errors carry the HRESULT as a signed 32-bit `number` too (IE heritage).
  (error as Error & { number: number }).number = CADES_ERRORS[name] | 0;
  return error;
}
