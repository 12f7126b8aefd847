// Verification failures of §4: one class, one code per reason, a message a support engineer can act on.

export const VERIFICATION_ERROR_CODES = [
  'FORMAT',
  'SIGNATURE_INVALID',
  'CONTENT_MISMATCH',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_NOT_YET_VALID',
  'CHAIN_UNTRUSTED',
  'KEY_USAGE',
  'SIGNING_TIME',
  'CERTIFICATE_REVOKED',
  'REVOCATION_UNKNOWN',
] as const;
export type VerificationErrorCode = (typeof VERIFICATION_ERROR_CODES)[number];

export class VerificationError extends Error {
  readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VerificationError';
    this.code = code;
  }
  toJSON(): { code: VerificationErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isVerificationError(value: unknown): value is VerificationError {
  return value instanceof VerificationError;
}
