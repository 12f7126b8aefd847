// sign: the user picks a certificate (the page may preselect one by thumbprint) and types the PIN;
// the host returns a CMS over the page's data, detached unless the page asks otherwise.
import type { SignResult } from '../../../shared/protocol';
import { runPicker } from '../picker-session';
import type { ActionContext } from './authenticate';
import { parseBase64, parseOptionalBoolean, parseThumbprint, parseTimeout } from './params';

export async function sign(ctx: ActionContext, params: Record<string, unknown>): Promise<SignResult> {
  const data = parseBase64(params.data, 'params.data');
  const detached = parseOptionalBoolean(params.detached, 'params.detached', true);
  const preselect = parseThumbprint(params.certificate, 'params.certificate');
  const timeoutMs = parseTimeout(params.timeoutMs);
  return runPicker(ctx.host, {
    origin: ctx.origin,
    action: 'sign',
    preselect,
    timeoutMs,
    signal: ctx.signal,
    operation: async (certificate, pin) => {
      const reply = await ctx.host.sign({ certificateId: certificate.id, pin, data, detached });
      return { cms: reply.cms, certificate: reply.certificate };
    },
  });
}
