// Names and numbers of the legacy IFCPlugin page protocol (docs/IFC-COMPAT.md).

export const IFC_TO_EXT = 'TO_IFC_EXT';
export const IFC_FROM_EXT = 'FROM_IFC_EXT';
export const IFC_DISCONNECT = 'IFC_EXT_DISCONNECT';

/** Present as soon as the content script runs. */
export const MARKER_EXTENSION = 'ifcplugin-extension-is-installed';
/** Present only while the native host answers. */
export const MARKER_PLUGIN = 'ifc-plugin-is-installed';
/** Our markers carry data-owner="tokensign"; an untagged marker belongs to the genuine extension. */
export const MARKER_OWNER = 'tokensign';

/** The version string `version` answers with; the live portal's minimum is unknown (docs/IFC-COMPAT.md §8). */
export const IFC_EMULATED_VERSION = '3.1.0.0';

/** IFCError numbers used by the adapter. */
export const IfcError = {
  GENERAL: -1,
  OK: 0,
  UNKNOWN: 1,
  BAD_PARAMS: 5,
  CERT_NOT_FOUND: 9,
  CONTAINER_NOT_FOUND: 10,
  UNSUPPORTED_FORMAT: 11,
  KEY_NOT_FOUND: 12,
  BAD_IN_TYPE: 13,
  BAD_SIGN_TYPE: 14,
  NOT_SUPPORTED: 17,
  ERROR_BASE64: 20,
  ENGINE_ERROR: 22,
  P11_ERROR: 23,
  P11_NO_TOKENS_FOUND: 25,
  P11_LOGIN_ERROR: 160,
  CRYPTO_NOT_FOUND: 164,
  PLUGIN_UNDEFINED: 256,
} as const;
export type IfcErrorCode = (typeof IfcError)[keyof typeof IfcError];

/** `inDataType` of sign and hash. */
export const IfcInData = { DATA: 1, BASE64_DATA: 2, HASH: 3, BASE64_HASH: 4, FILE: 5 } as const;
/** `signType` of sign. */
export const IfcSignType = {
  RAW: 1,
  RAW_REVERSED: 2,
  CMS_ATTACHED: 3,
  CMS_DETACHED: 4,
  CADES_BES_ATTACHED: 5,
  CADES_BES_DETACHED: 6,
} as const;

/** Substrings that make the page library cut a containerId at its first '/' (docs/IFC-COMPAT.md §5). */
export const CAPI_PROVIDER_MARKS = ['CryptoPro', 'VIPNet', 'SignalCom', 'LISSI-CSP'] as const;
