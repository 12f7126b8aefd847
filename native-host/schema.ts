// Parse, don't validate: each request becomes a typed value once, or BAD_REQUEST naming the field.
import { BadRequestError, UnknownCommandError } from '../shared/errors';
import { isBase64 } from '../shared/encoding';
import { isValidChallenge, isValidOrigin, type RequestId } from '../shared/protocol';

type Params = Record<string, unknown>;

export interface HelloCommand {
  command: 'hello';
}
export interface ListTokensCommand {
  command: 'list-tokens';
}
export interface ListCertificatesCommand {
  command: 'list-certificates';
  tokenId?: string;
}
export interface SignCommand {
  command: 'sign';
  certificateId: string;
  pin?: string;
  data: Buffer;
  detached: boolean;
  /** Extensions for the IFCPlugin adapter (docs/PROTOCOL.md §2.4). */
  format: 'cms' | 'raw';
  /** `data` is already the digest. */
  hashed: boolean;
  /** Raw signature in reversed byte order. */
  reverse: boolean;
}
export interface AuthenticateCommand {
  command: 'authenticate';
  certificateId: string;
  pin?: string;
  origin: string;
  challenge: string;
}
export type Command = HelloCommand | ListTokensCommand | ListCertificatesCommand | SignCommand | AuthenticateCommand;
export type CommandName = Command['command'];

export const COMMANDS: readonly CommandName[] = ['hello', 'list-tokens', 'list-certificates', 'sign', 'authenticate'];

/** The id of a request when readable (string or finite number), else null. */
export function readId(message: unknown): RequestId | null {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  const id = (message as Params).id;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function requiredString(params: Params, field: string, what: string): string {
  const value = params[field];
  if (value === undefined) throw new BadRequestError(`params.${field} is missing: expected ${what}`);
  if (typeof value !== 'string') throw new BadRequestError(`params.${field} must be ${what}, got ${describe(value)}`);
  if (value.length === 0) throw new BadRequestError(`params.${field} is empty: expected ${what}`);
  return value;
}

function optionalPin(params: Params): string | undefined {
  const pin = params.pin;
  if (pin === undefined || pin === null) return undefined;
  // Say what was wrong without ever echoing the value.
  if (typeof pin !== 'string') throw new BadRequestError(`params.pin must be a string, got ${describe(pin)}`);
  if (pin.length > 256) throw new BadRequestError('params.pin is longer than 256 characters');
  return pin;
}

function paramsOf(message: Params): Params {
  const params = message.params;
  if (params === undefined || params === null) return {};
  if (typeof params !== 'object' || Array.isArray(params)) throw new BadRequestError(`"params" must be an object, got ${describe(params)}`);
  return params as Params;
}

/** Origins that passed isValidOrigin: a browser session asks for a few sites again and again. */
const validOrigins = new Set<string>();
const MAX_VALID_ORIGINS = 64;

/** isValidOrigin (a URL parse), remembered for the origins that pass it: the check is a pure function of the string. */
function isKnownValidOrigin(origin: string): boolean {
  if (validOrigins.has(origin)) return true;
  if (!isValidOrigin(origin)) return false;
  if (validOrigins.size >= MAX_VALID_ORIGINS) validOrigins.clear();
  validOrigins.add(origin);
  return true;
}

/** Parses one decoded JSON request into a Command. Throws BadRequestError or UNKNOWN_COMMAND. */
export function parseRequest(message: unknown): Command {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new BadRequestError(`a request must be a JSON object {"id", "command", "params"}, got ${describe(message)}`);
  }
  const record = message as Params;
  if (record.id === undefined) throw new BadRequestError('"id" is missing: expected a string or a number');
  if (readId(record) === null) throw new BadRequestError(`"id" must be a string or a finite number, got ${describe(record.id)}`);
  const command = record.command;
  if (command === undefined) throw new BadRequestError('"command" is missing: expected one of ' + COMMANDS.join(', '));
  if (typeof command !== 'string') throw new BadRequestError(`"command" must be a string, got ${describe(command)}`);
  switch (command) {
    case 'hello':
      paramsOf(record);
      return { command };
    case 'list-tokens':
      paramsOf(record);
      return { command };
    case 'list-certificates': {
      const params = paramsOf(record);
      if (params.tokenId === undefined || params.tokenId === null) return { command };
      return { command, tokenId: requiredString(params, 'tokenId', 'a token id from list-tokens') };
    }
    case 'sign':
      return parseSign(paramsOf(record));
    case 'authenticate':
      return parseAuthenticate(paramsOf(record));
    default:
      throw new UnknownCommandError(`unknown command "${command.slice(0, 64)}": expected one of ${COMMANDS.join(', ')}`);
  }
}

function parseSign(params: Params): SignCommand {
  const command = 'sign';
  const certificateId = requiredString(params, 'certificateId', 'a certificate id from list-certificates');
  const pin = optionalPin(params);
  const data = params.data;
  if (data === undefined) throw new BadRequestError('params.data is missing: expected the content to sign in base64');
  if (typeof data !== 'string') throw new BadRequestError(`params.data must be a base64 string, got ${describe(data)}`);
  if (!isBase64(data)) throw new BadRequestError('params.data is not valid base64 (standard alphabet, with padding, no whitespace)');
  const detached = params.detached ?? true;
  if (typeof detached !== 'boolean') throw new BadRequestError(`params.detached must be true or false, got ${describe(detached)}`);
  const format = params.format ?? 'cms';
  if (format !== 'cms' && format !== 'raw') throw new BadRequestError(`params.format must be "cms" or "raw", got ${describe(format)}`);
  const hashed = params.hashed ?? false;
  if (typeof hashed !== 'boolean') throw new BadRequestError(`params.hashed must be true or false, got ${describe(hashed)}`);
  const reverse = params.reverse ?? false;
  if (typeof reverse !== 'boolean') throw new BadRequestError(`params.reverse must be true or false, got ${describe(reverse)}`);
  if (reverse && format !== 'raw') throw new BadRequestError('params.reverse applies only to format "raw"');
  if (hashed && format === 'cms' && !detached) throw new BadRequestError('an attached CMS needs the content: with params.hashed, set detached to true');
  return { command, certificateId, pin, data: Buffer.from(data, 'base64'), detached, format, hashed, reverse };
}

function parseAuthenticate(params: Params): AuthenticateCommand {
  const command = 'authenticate';
  const certificateId = requiredString(params, 'certificateId', 'a certificate id from list-certificates');
  const pin = optionalPin(params);
  const origin = params.origin;
  if (typeof origin !== 'string') throw new BadRequestError(`params.origin must be a web origin string like "https://example.org", got ${describe(origin)}`);
  if (!isKnownValidOrigin(origin)) {
    throw new BadRequestError(
      'params.origin must be a web origin exactly as a browser serializes it: https://host[:port] (lowercase, no default port, ' +
        'no path or trailing slash, at most 255 characters), or http:// only for localhost, 127.0.0.1 and [::1]',
    );
  }
  const challenge = params.challenge;
  if (typeof challenge !== 'string') throw new BadRequestError(`params.challenge must be a string, got ${describe(challenge)}`);
  const text = challenge;
  if (!isValidChallenge(challenge)) {
    const others = /^[A-Za-z0-9+/_=-]*$/.test(text) ? '' : ' including others';
    throw new BadRequestError(`params.challenge must be 43 to 512 characters of [A-Za-z0-9+/_=-], got ${text.length} characters${others}`);
  }
  return { command, certificateId, pin, origin, challenge };
}
