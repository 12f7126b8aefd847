// Parsing of page-supplied action parameters: each turns unknown input into a typed value once.
import { isBase64 } from '../../../shared/encoding';
import { BadRequestError } from '../../../shared/errors';

/** The picker waits this long for the user unless the page asks otherwise. */
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const MIN_TIMEOUT_MS = 1_000;
export const MAX_TIMEOUT_MS = 30 * 60_000;

export function parseTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_TIMEOUT_MS || value > MAX_TIMEOUT_MS) {
    throw new BadRequestError(`params.timeoutMs must be an integer from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

const THUMBPRINT_RE = /^[0-9a-fA-F]{64}$/;

export function parseBase64(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || !isBase64(value)) {
    throw new BadRequestError(`${field} must be non-empty standard base64`);
  }
  return value;
}

export function parseThumbprint(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !THUMBPRINT_RE.test(value)) {
    throw new BadRequestError(`${field} must be a hex SHA-256 thumbprint (64 hex digits)`);
  }
  return value.toLowerCase();
}

export function parseOptionalBoolean(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new BadRequestError(`${field} must be a boolean`);
  return value;
}

export function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new BadRequestError(`${what} is missing`);
  return value;
}

/** Longest content name a page may give (`sign` params.name); it is shown, never trusted. */
export const MAX_NAME_LENGTH = 200;

export function parseContentName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new BadRequestError(`params.name must be a string of 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return value;
}
