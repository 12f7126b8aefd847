// The string envelope of the IFCPlugin page protocol: parse what the page posts, serialize what we answer.
import { IFC_DISCONNECT, IFC_FROM_EXT, IFC_TO_EXT, IfcError } from './constants';

export type IfcParams = Record<string, unknown>;

/** One page request: `{func_name, params?}` from `msg_data`. */
export interface IfcRequest {
  func_name: string;
  params: IfcParams;
}

/** One answer: `msg_data` of FROM_IFC_EXT, always with a numeric error_code. */
export interface IfcReply {
  error_code: number;
  [field: string]: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Turns a `message` event's data into a request, or null when the message is not ours to answer
 * (not a string, not JSON, another type such as our own FROM_IFC_EXT echo).
 * A TO_IFC_EXT whose msg_data is malformed still yields a request, so it gets exactly one answer.
 */
export function parsePageMessage(data: unknown): IfcRequest | null {
  if (typeof data !== 'string' || data.length > 64 * 1024 * 1024) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!isPlainObject(parsed) || parsed.type !== IFC_TO_EXT) return null;
  const msg = parsed.msg_data;
  if (!isPlainObject(msg) || typeof msg.func_name !== 'string') return { func_name: '', params: {} };
  return { func_name: msg.func_name, params: isPlainObject(msg.params) ? msg.params : {} };
}

/** The exact string posted back to the page for one reply. */
export function replyMessage(reply: IfcReply): string {
  const code = Number.isInteger(reply.error_code) ? reply.error_code : IfcError.GENERAL;
  return JSON.stringify({ type: IFC_FROM_EXT, msg_data: { ...reply, error_code: code } });
}

export const DISCONNECT_MESSAGE = JSON.stringify({ type: IFC_DISCONNECT });
