// PKCS#11 v2.40 numeric constants we use, so code (and tests) need not load the native addon to name them.

export const CKO_CERTIFICATE = 0x1;
export const CKO_PUBLIC_KEY = 0x2;
export const CKO_PRIVATE_KEY = 0x3;

export const CKA_CLASS = 0x0;
export const CKA_TOKEN = 0x1;
export const CKA_PRIVATE = 0x2;
export const CKA_LABEL = 0x3;
export const CKA_VALUE = 0x11;
export const CKA_CERTIFICATE_TYPE = 0x80;
export const CKA_KEY_TYPE = 0x100;
export const CKA_ID = 0x102;
export const CKA_SIGN = 0x108;
export const CKA_MODULUS = 0x120;
export const CKA_EC_PARAMS = 0x180;
export const CKA_ALWAYS_AUTHENTICATE = 0x202;
export const CKA_GOSTR3410_PARAMS = 0x250;

export const CKC_X_509 = 0x0;

export const CKK_RSA = 0x0;
export const CKK_EC = 0x3;
export const CKK_GOSTR3410 = 0x30;
/** TC26 vendor-defined (CK_VENDOR_PKCS11_RU_TEAM_TC26 = 0xD4321000). */
export const CKK_GOSTR3410_512 = 0xd4321003;

export const CKM_RSA_PKCS = 0x1;
export const CKM_SHA256_RSA_PKCS = 0x40;
export const CKM_ECDSA = 0x1041;
/** GOST R 34.10 on a given 32-byte hash; output s‖r big-endian (PKCS#11 v2.40, as RFC 4491). */
export const CKM_GOSTR3410 = 0x1201;
/** TC26: GOST R 34.10-2012 512 on a given 64-byte hash. */
export const CKM_GOSTR3410_512 = 0xd4321006;
/** TC26: Streebog-256/512 and GOST R 34.10-2012 in one mechanism. */
export const CKM_GOSTR3410_WITH_GOSTR3411_12_256 = 0xd4321008;
export const CKM_GOSTR3410_WITH_GOSTR3411_12_512 = 0xd4321009;

export const CKU_USER = 1;

export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;

// Token flags.
export const CKF_LOGIN_REQUIRED = 0x4;
export const CKF_USER_PIN_INITIALIZED = 0x8;
export const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
export const CKF_TOKEN_INITIALIZED = 0x400;
export const CKF_USER_PIN_COUNT_LOW = 0x10000;
export const CKF_USER_PIN_FINAL_TRY = 0x20000;
export const CKF_USER_PIN_LOCKED = 0x40000;

// Slot flags.
export const CKF_TOKEN_PRESENT = 0x1;

/** CKR_* values by name; the host reports the name in TOKEN_ERROR details. */
export const CKR = {
  CKR_OK: 0x0,
  CKR_CANCEL: 0x1,
  CKR_HOST_MEMORY: 0x2,
  CKR_SLOT_ID_INVALID: 0x3,
  CKR_GENERAL_ERROR: 0x5,
  CKR_FUNCTION_FAILED: 0x6,
  CKR_ARGUMENTS_BAD: 0x7,
  CKR_ATTRIBUTE_SENSITIVE: 0x11,
  CKR_ATTRIBUTE_TYPE_INVALID: 0x12,
  CKR_DATA_INVALID: 0x20,
  CKR_DATA_LEN_RANGE: 0x21,
  CKR_DEVICE_ERROR: 0x30,
  CKR_DEVICE_MEMORY: 0x31,
  CKR_DEVICE_REMOVED: 0x32,
  CKR_FUNCTION_CANCELED: 0x50,
  CKR_FUNCTION_NOT_SUPPORTED: 0x54,
  CKR_KEY_HANDLE_INVALID: 0x60,
  CKR_KEY_TYPE_INCONSISTENT: 0x63,
  CKR_KEY_FUNCTION_NOT_PERMITTED: 0x68,
  CKR_MECHANISM_INVALID: 0x70,
  CKR_MECHANISM_PARAM_INVALID: 0x71,
  CKR_OBJECT_HANDLE_INVALID: 0x82,
  CKR_OPERATION_ACTIVE: 0x90,
  CKR_OPERATION_NOT_INITIALIZED: 0x91,
  CKR_PIN_INCORRECT: 0xa0,
  CKR_PIN_INVALID: 0xa1,
  CKR_PIN_LEN_RANGE: 0xa2,
  CKR_PIN_EXPIRED: 0xa3,
  CKR_PIN_LOCKED: 0xa4,
  CKR_SESSION_CLOSED: 0xb0,
  CKR_SESSION_COUNT: 0xb1,
  CKR_SESSION_HANDLE_INVALID: 0xb3,
  CKR_TOKEN_NOT_PRESENT: 0xe0,
  CKR_TOKEN_NOT_RECOGNIZED: 0xe1,
  CKR_USER_ALREADY_LOGGED_IN: 0x100,
  CKR_USER_NOT_LOGGED_IN: 0x101,
  CKR_USER_PIN_NOT_INITIALIZED: 0x102,
  CKR_USER_TYPE_INVALID: 0x103,
  CKR_BUFFER_TOO_SMALL: 0x150,
  CKR_CRYPTOKI_NOT_INITIALIZED: 0x190,
  CKR_CRYPTOKI_ALREADY_INITIALIZED: 0x191,
  CKR_PIN_TOO_WEAK: 0x1b8,
} as const;
export type CkrName = keyof typeof CKR;

const CKR_NAMES = new Map<number, string>(Object.entries(CKR).map(([name, code]) => [code, name]));

/** "CKR_PIN_INCORRECT", or "CKR_0x…" for a code we have no name for. */
export function ckrName(code: number): string {
  return CKR_NAMES.get(code) ?? `CKR_0x${code.toString(16).padStart(8, '0')}`;
}
