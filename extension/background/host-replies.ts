// The host's results (docs/PROTOCOL.md §2.4), parsed once: each function turns an untyped `result`
// into a typed value built field by field, or throws ReplyShapeError naming the first wrong field.
import {
  AUTH_FORMAT,
  type AuthenticateResult,
  type CertificateInfo,
  type CertificateStatus,
  type HelloResult,
  type ModuleStatus,
  type RawSignResult,
  type SignResult,
  type SubjectFields,
  type TokenEventResult,
  type TokenInfo,
} from '../../shared/protocol';
import { isRecord } from '../common/messages';

export class ReplyShapeError extends Error {
  constructor(readonly path: string) {
    super(`${path} is missing or has the wrong type`);
    this.name = 'ReplyShapeError';
  }
}

type Fields = Record<string, unknown>;

function record(value: unknown, path: string): Fields {
  if (!isRecord(value)) throw new ReplyShapeError(path);
  return value;
}

function stringItem(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ReplyShapeError(path);
  return value;
}

function list<T>(value: unknown, path: string, item: (value: unknown, path: string) => T): T[] {
  if (!Array.isArray(value)) throw new ReplyShapeError(path);
  return value.map((entry, i) => item(entry, `${path}[${i}]`));
}

/** The kinds of plain fields, and the checks that make a value one. */
const KINDS = {
  string: (v: unknown): v is string => typeof v === 'string',
  number: (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v),
  boolean: (v: unknown): v is boolean => typeof v === 'boolean',
};
type Kind = keyof typeof KINDS;
type Shape = Readonly<Record<string, Kind>>;
type ValueOf<K extends Kind> = K extends 'string' ? string : K extends 'number' ? number : boolean;
type Read<S extends Shape> = { -readonly [P in keyof S]: ValueOf<S[P]> };

/** The required plain fields named by `shape`, each checked. */
function fields<S extends Shape>(record: Fields, shape: S, path: string): Read<S> {
  const out: Fields = {};
  for (const [key, kind] of Object.entries(shape)) {
    if (!KINDS[kind](record[key])) throw new ReplyShapeError(`${path}.${key}`);
    out[key] = record[key];
  }
  return out as Read<S>;
}

/** The optional string fields of `keys` that are present (absent or null ones are left out). */
function optionalStrings<K extends string>(record: Fields, keys: readonly K[], path: string): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = record[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new ReplyShapeError(`${path}.${key}`);
    out[key] = value;
  }
  return out;
}

const MODULE_FIELDS = { path: 'string', loaded: 'boolean' } as const;
const HELLO_FIELDS = { protocol: 'number', version: 'string' } as const;
const PIN_FIELDS = { loginRequired: 'boolean', countLow: 'boolean', finalTry: 'boolean', locked: 'boolean', protectedPath: 'boolean' } as const;
const TOKEN_FIELDS = { id: 'string', module: 'string', slot: 'number', label: 'string', manufacturer: 'string', model: 'string', serial: 'string' } as const;
const CERTIFICATE_FIELDS = {
  id: 'string',
  tokenId: 'string',
  label: 'string',
  hasPrivateKey: 'boolean',
  der: 'string',
  thumbprint: 'string',
  subjectDN: 'string',
  issuerDN: 'string',
  issuerCommonName: 'string',
  serialNumber: 'string',
  notBefore: 'string',
  notAfter: 'string',
  expiresInDays: 'number',
  keyAlgorithm: 'string',
} as const;
const OPTIONAL_SUBJECT_FIELDS = ['surname', 'givenName', 'organization', 'title', 'inn', 'innle', 'ogrn', 'ogrnip', 'snils', 'email'] as const;
const SIGN_FIELDS = { cms: 'string', certificate: 'string' } as const;
const RAW_SIGN_FIELDS = { signature: 'string', certificate: 'string' } as const;
const TOKEN_EVENT_FIELDS = { generation: 'number', changed: 'boolean', watched: 'number' } as const;

function moduleStatus(value: unknown, path: string): ModuleStatus {
  const r = record(value, path);
  return { ...fields(r, MODULE_FIELDS, path), ...optionalStrings(r, ['error'], path) };
}

export function parseHello(value: unknown): HelloResult {
  const r = record(value, 'hello');
  return { ...fields(r, HELLO_FIELDS, 'hello'), modules: list(r.modules ?? [], 'hello.modules', moduleStatus) };
}

function token(value: unknown, path: string): TokenInfo {
  const r = record(value, path);
  return { ...fields(r, TOKEN_FIELDS, path), pin: fields(record(r.pin, `${path}.pin`), PIN_FIELDS, `${path}.pin`) };
}

export function parseTokenList(value: unknown): TokenInfo[] {
  return list(record(value, 'list-tokens').tokens, 'list-tokens.tokens', token);
}

function subject(value: unknown, path: string): SubjectFields {
  const r = record(value, path);
  return { ...fields(r, { commonName: 'string' } as const, path), ...optionalStrings(r, OPTIONAL_SUBJECT_FIELDS, path) };
}

function certificateStatus(status: unknown, path: string): CertificateStatus {
  if (status !== 'valid' && status !== 'expired' && status !== 'not-yet-valid') throw new ReplyShapeError(`${path}.status`);
  return status;
}

function certificate(value: unknown, path: string): CertificateInfo {
  const r = record(value, path);
  return {
    ...fields(r, CERTIFICATE_FIELDS, path),
    ...optionalStrings(r, ['keyId'], path),
    subject: subject(r.subject, `${path}.subject`),
    status: certificateStatus(r.status, path),
    keyUsage: list(r.keyUsage, `${path}.keyUsage`, stringItem),
  };
}

export function parseCertificateList(value: unknown): CertificateInfo[] {
  return list(record(value, 'list-certificates').certificates, 'list-certificates.certificates', certificate);
}

export function parseSignResult(value: unknown): SignResult {
  return fields(record(value, 'sign'), SIGN_FIELDS, 'sign');
}

export function parseRawSignResult(value: unknown): RawSignResult {
  return fields(record(value, 'sign'), RAW_SIGN_FIELDS, 'sign');
}

export function parseAuthenticateResult(value: unknown): AuthenticateResult {
  const r = record(value, 'authenticate');
  if (r.format !== AUTH_FORMAT) throw new ReplyShapeError('authenticate.format');
  return { format: AUTH_FORMAT, ...fields(r, SIGN_FIELDS, 'authenticate') };
}

export function parseTokenEvent(value: unknown): TokenEventResult {
  const r = record(value, 'wait-token-event');
  return fields(r, TOKEN_EVENT_FIELDS, 'wait-token-event');
}
