// Messages of the CAdES adapter across its three boundaries: the page's MAIN world ↔ the isolated
// content script (window messages), the content script ↔ the background (a runtime port). One schema
// for the calls, checked on both sides of the runtime boundary. Nothing here touches browser APIs.
import { HASH_ALGORITHMS, HASH_LENGTHS, type HashAlgorithmName } from './constants';

/** `channel` of every window message of the adapter. */
export const CADES_CHANNEL = 'tokensign:cades';
/** Name of the runtime port from the content script to the background. */
export const CADES_PORT = 'tokensign-cades';
/** Where the person's extra portals are kept (browser.storage.local). */
export const CADES_ORIGINS_KEY = 'cadesOrigins';
/** The id of the dynamically registered scripts for the person's portals. */
export const CADES_DYNAMIC_SCRIPT_IDS = { main: 'tokensign-cades-user-main', isolated: 'tokensign-cades-user-isolated' } as const;
/** The built content scripts (crxjs standalone output). */
export const CADES_FILES = { main: 'cades/page.js', isolated: 'cades/content.js' } as const;

/** Largest content (bytes, before base64) a page may hand over for one signature. */
export const MAX_SIGN_BYTES = 32 * 1024 * 1024;

export type CadesOp = 'hello' | 'certificates' | 'sign';

export type CadesContent =
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; base64: string }
  | { kind: 'hash'; algorithm: HashAlgorithmName; hex: string };

export interface CadesSignParams {
  /** Upper-case hex SHA-1 of the certificate, as the page's Certificate object reports it. */
  thumbprint: string;
  content: CadesContent;
  detached: boolean;
}

export type CadesCall = { op: 'hello'; params: Record<string, never> } | { op: 'certificates'; params: Record<string, never> } | { op: 'sign'; params: CadesSignParams };

/** A certificate as the page's object model needs it (computed in the background from the host's list). */
export interface CadesCertificate {
  der: string;
  thumbprint: string;
  subjectName: string;
  issuerName: string;
  subjectSimpleName: string;
  issuerSimpleName: string;
  subjectEmail: string;
  serialNumber: string;
  validFrom: string;
  validTo: string;
  status: 'valid' | 'expired' | 'not-yet-valid';
  hasPrivateKey: boolean;
  keyAlgorithmOid: string;
  keyAlgorithmName: string;
  keyLength: number;
  /** KeyUsage bits as CAPICOM numbers them (digitalSignature = 128, ...); -1 when the extension is absent. */
  keyUsage: number;
  /** Extended key usage OIDs; null when the extension is absent. */
  ekus: string[] | null;
  /** Certificate policy OIDs. */
  policies: string[];
}

export interface CadesHello {
  extension: string;
  /** The host's version, or null with the reason when it does not answer. */
  host: string | null;
  hostError?: string;
  /** The person added this site in the options: Tokensign serves it even beside CryptoPro's extension. */
  preferTokensign: boolean;
}

export interface CadesErrorBody {
  code: string;
  message: string;
}

export class CadesCallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CadesCallError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;

function parseContent(value: unknown): CadesContent {
  if (!isRecord(value)) throw new CadesCallError('content must be an object');
  if (value.kind === 'text' && typeof value.text === 'string' && value.text.length <= MAX_SIGN_BYTES / 2) return { kind: 'text', text: value.text };
  if (value.kind === 'bytes' && typeof value.base64 === 'string' && value.base64.length % 4 === 0 && value.base64.length <= (MAX_SIGN_BYTES / 3) * 4 && BASE64.test(value.base64)) {
    return { kind: 'bytes', base64: value.base64 };
  }
  if (value.kind === 'hash' && typeof value.algorithm === 'string' && Object.values(HASH_ALGORITHMS).includes(value.algorithm as HashAlgorithmName)) {
    const algorithm = value.algorithm as HashAlgorithmName;
    if (typeof value.hex === 'string' && HEX.test(value.hex) && value.hex.length === HASH_LENGTHS[algorithm] * 2) return { kind: 'hash', algorithm, hex: value.hex.toLowerCase() };
  }
  throw new CadesCallError('content is not text, base64 bytes or a hash of a supported algorithm');
}

/** Turns an untyped call (op + params) into a typed one; throws CadesCallError with the reason. */
export function parseCadesCall(op: unknown, params: unknown): CadesCall {
  if (op === 'hello' || op === 'certificates') return { op, params: {} };
  if (op !== 'sign') throw new CadesCallError(`unknown operation ${JSON.stringify(String(op)).slice(0, 40)}`);
  if (!isRecord(params)) throw new CadesCallError('params must be an object');
  const { thumbprint, detached } = params;
  if (typeof thumbprint !== 'string' || !/^[0-9A-F]{40}$/.test(thumbprint)) throw new CadesCallError('thumbprint must be 40 upper-case hex digits');
  if (typeof detached !== 'boolean') throw new CadesCallError('detached must be a boolean');
  const content = parseContent(params.content);
  if (content.kind === 'hash' && !detached) throw new CadesCallError('a hash can only be signed detached');
  return { op: 'sign', params: { thumbprint, content, detached } };
}

/** The window message the MAIN world posts for one call. */
export interface CadesPageCall {
  channel: typeof CADES_CHANNEL;
  dir: 'call';
  id: number;
  op: CadesOp;
  params: unknown;
}

/** The window message the content script posts back, exactly one per call. */
export type CadesPageReply =
  | { channel: typeof CADES_CHANNEL; dir: 'reply'; id: number; ok: true; result: unknown }
  | { channel: typeof CADES_CHANNEL; dir: 'reply'; id: number; ok: false; error: CadesErrorBody };

/** The envelope of a window message from the MAIN world, or null when it is not a call of ours. */
export function parsePageEnvelope(data: unknown): { id: number; op: unknown; params: unknown } | null {
  if (!isRecord(data) || data.channel !== CADES_CHANNEL || data.dir !== 'call') return null;
  if (typeof data.id !== 'number' || !Number.isSafeInteger(data.id) || data.id < 0) return null;
  return { id: data.id, op: data.op, params: data.params };
}

/** content script → background */
export interface CadesBridgeCall {
  kind: 'cades-call';
  seq: number;
  op: unknown;
  params: unknown;
}

/** background → content script */
export type CadesBridgeReply = { kind: 'cades-reply'; seq: number; ok: true; result: unknown } | { kind: 'cades-reply'; seq: number; ok: false; error: CadesErrorBody };
