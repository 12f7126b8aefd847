// sign: the user picks a certificate (the page may preselect one by thumbprint) and types the PIN;
// the host returns a CMS over the page's data, detached unless the page asks otherwise.
import type { SignResult } from '../../../shared/protocol';
import { runPicker } from '../picker-session';
import type { ActionContext } from './authenticate';
import { fromBase64 } from '../../../shared/encoding';
import { summarizeContent } from '../../common/signed-summary';
import { parseBase64, parseContentName, parseOptionalBoolean, parseThumbprint, parseTimeout } from './params';

export interface SignParams {
  data: string;
  detached: boolean;
  preselect: string | null;
  timeoutMs: number;
  /** A name the page gives the content, shown in the window as the page's word. */
  name: string | null;
}

/** Checked before the request queues behind another tab's window (issue 14 item 4). */
export function parseSign(params: Record<string, unknown>): SignParams {
  return {
    data: parseBase64(params.data, 'params.data'),
    detached: parseOptionalBoolean(params.detached, 'params.detached', true),
    preselect: parseThumbprint(params.certificate, 'params.certificate'),
    timeoutMs: parseTimeout(params.timeoutMs),
    name: parseContentName(params.name),
  };
}

export async function sign(ctx: ActionContext, { data, detached, preselect, timeoutMs, name }: SignParams): Promise<SignResult> {
  return runPicker(ctx.host, {
    origin: ctx.origin,
    action: 'sign',
    preselect,
    timeoutMs,
    signal: ctx.signal,
    // The window shows what is signed: name, size, SHA-256, and the text when it is text (item 7).
    signed: await summarizeContent(fromBase64(data), name),
    operation: async (certificate, pin) => {
      const reply = await ctx.host.sign({ certificateId: certificate.id, pin, data, detached });
      return { cms: reply.cms, certificate: reply.certificate };
    },
  });
}
