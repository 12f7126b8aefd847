// authenticate: the user picks a certificate and types the PIN in the picker; the host signs
// "tokensign-auth:1\n" + origin + "\n" + challenge, where origin is the browser-reported one.
import { AUTH_FORMAT, isValidChallenge, type PageAuthenticateResult } from '../../../shared/protocol';
import { BadRequestError } from '../../../shared/errors';
import type { NativeHost } from '../native-host';
import { runPicker } from '../picker-session';
import { parseTimeout } from './params';

export interface ActionContext {
  host: NativeHost;
  /** The sending tab's origin as the browser reports it. */
  origin: string;
  signal: AbortSignal;
}

export interface AuthenticateParams {
  challenge: string;
  timeoutMs: number;
}

/** Checked before the request queues behind another tab's window (issue 14 item 4). */
export function parseAuthenticate(params: Record<string, unknown>): AuthenticateParams {
  const { challenge } = params;
  if (!isValidChallenge(challenge)) {
    throw new BadRequestError('params.challenge must be 43 to 512 characters of [A-Za-z0-9+/_=-]');
  }
  return { challenge, timeoutMs: parseTimeout(params.timeoutMs) };
}

export async function authenticate(ctx: ActionContext, { challenge, timeoutMs }: AuthenticateParams): Promise<PageAuthenticateResult> {
  return runPicker(ctx.host, {
    origin: ctx.origin,
    action: 'authenticate',
    preselect: null,
    timeoutMs,
    signal: ctx.signal,
    operation: async (certificate, pin) => {
      const reply = await ctx.host.authenticate({ certificateId: certificate.id, pin, origin: ctx.origin, challenge });
      return { format: AUTH_FORMAT, origin: ctx.origin, cms: reply.cms, certificate: reply.certificate };
    },
  });
}
