// The host's results (docs/PROTOCOL.md §2.4), parsed once: each function turns an untyped `result`
// into a typed value built field by field, or throws ReplyShapeError naming the first wrong field.
import {
  AUTH_FORMAT,
  type AuthenticateResult,
  type CertificateInfo,
  type HelloResult,
  type ModuleStatus,
  type PinState,
  type RawSignResult,
  type SignResult,
  type SubjectFields,
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

function str(fields: Fields, key: string, path: string): string {
  const value = fields[key];
  if (typeof value !== 'string') throw new ReplyShapeError(`${path}.${key}`);
  return value;
}

function num(fields: Fields, key: string, path: string): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ReplyShapeError(`${path}.${key}`);
  return value;
}

function bool(fields: Fields, key: string, path: string): boolean {
  const value = fields[key];
  if (typeof value !== 'boolean') throw new ReplyShapeError(`${path}.${key}`);
  return value;
}

/** The optional string fields of `keys` that are present (absent or null ones are left out). */
function optionalStrings<K extends string>(fields: Fields, keys: readonly K[], path: string): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    if (fields[key] === undefined || fields[key] === null) continue;
    out[key] = str(fields, key, path);
  }
  return out;
}

function moduleStatus(value: unknown, path: string): ModuleStatus {
  const r = record(value, path);
  return { path: str(r, 'path', path), loaded: bool(r, 'loaded', path), ...optionalStrings(r, ['error'], path) };
}

export function parseHello(value: unknown): HelloResult {
  const r = record(value, 'hello');
  return { protocol: num(r, 'protocol', 'hello'), version: str(r, 'version', 'hello'), modules: list(r.modules ?? [], 'hello.modules', moduleStatus) };
}

function pinState(value: unknown, path: string): PinState {
  const r = record(value, path);
  return {
    loginRequired: bool(r, 'loginRequired', path),
    countLow: bool(r, 'countLow', path),
    finalTry: bool(r, 'finalTry', path),
    locked: bool(r, 'locked', path),
    protectedPath: bool(r, 'protectedPath', path),
  };
}

function token(value: unknown, path: string): TokenInfo {
  const r = record(value, path);
  return {
    id: str(r, 'id', path),
    module: str(r, 'module', path),
    slot: num(r, 'slot', path),
    label: str(r, 'label', path),
    manufacturer: str(r, 'manufacturer', path),
    model: str(r, 'model', path),
    serial: str(r, 'serial', path),
    pin: pinState(r.pin, `${path}.pin`),
  };
}

export function parseTokenList(value: unknown): TokenInfo[] {
  return list(record(value, 'list-tokens').tokens, 'list-tokens.tokens', token);
}

const OPTIONAL_SUBJECT_FIELDS = ['surname', 'givenName', 'organization', 'title', 'inn', 'innle', 'ogrn', 'ogrnip', 'snils', 'email'] as const;

function subject(value: unknown, path: string): SubjectFields {
  const r = record(value, path);
  return { commonName: str(r, 'commonName', path), ...optionalStrings(r, OPTIONAL_SUBJECT_FIELDS, path) };
}

function certificateStatus(fields: Fields, path: string): CertificateInfo['status'] {
  const status = fields.status;
  if (status !== 'valid' && status !== 'expired' && status !== 'not-yet-valid') throw new ReplyShapeError(`${path}.status`);
  return status;
}

function certificate(value: unknown, path: string): CertificateInfo {
  const r = record(value, path);
  return {
    id: str(r, 'id', path),
    tokenId: str(r, 'tokenId', path),
    label: str(r, 'label', path),
    hasPrivateKey: bool(r, 'hasPrivateKey', path),
    ...optionalStrings(r, ['keyId'], path),
    der: str(r, 'der', path),
    thumbprint: str(r, 'thumbprint', path),
    subject: subject(r.subject, `${path}.subject`),
    subjectDN: str(r, 'subjectDN', path),
    issuerDN: str(r, 'issuerDN', path),
    issuerCommonName: str(r, 'issuerCommonName', path),
    serialNumber: str(r, 'serialNumber', path),
    notBefore: str(r, 'notBefore', path),
    notAfter: str(r, 'notAfter', path),
    status: certificateStatus(r, path),
    expiresInDays: num(r, 'expiresInDays', path),
    keyAlgorithm: str(r, 'keyAlgorithm', path),
    keyUsage: list(r.keyUsage, `${path}.keyUsage`, stringItem),
  };
}

export function parseCertificateList(value: unknown): CertificateInfo[] {
  return list(record(value, 'list-certificates').certificates, 'list-certificates.certificates', certificate);
}

export function parseSignResult(value: unknown): SignResult {
  const r = record(value, 'sign');
  return { cms: str(r, 'cms', 'sign'), certificate: str(r, 'certificate', 'sign') };
}

export function parseRawSignResult(value: unknown): RawSignResult {
  const r = record(value, 'sign');
  return { signature: str(r, 'signature', 'sign'), certificate: str(r, 'certificate', 'sign') };
}

export function parseAuthenticateResult(value: unknown): AuthenticateResult {
  const r = record(value, 'authenticate');
  if (r.format !== AUTH_FORMAT) throw new ReplyShapeError('authenticate.format');
  return { format: AUTH_FORMAT, cms: str(r, 'cms', 'authenticate'), certificate: str(r, 'certificate', 'authenticate') };
}
