// status: the extension's version, the host's (null when the host is missing) and the protocol.
import { PROTOCOL_VERSION, TokensignError, type StatusResult } from '../../../shared/protocol';
import type { NativeHost } from '../native-host';
import { UNDISCLOSED } from '../site-disclosure';

/** `disclose`: the site may learn the versions; otherwise only "installed" (extension/background/site-disclosure.ts). */
export async function status(host: NativeHost, extensionVersion: string, disclose = true): Promise<StatusResult> {
  let hostVersion: string | null = null;
  try {
    hostVersion = (await host.connect()).version;
  } catch (error) {
    if (!(error instanceof TokensignError && error.code === 'HOST_UNAVAILABLE')) throw error;
  }
  if (!disclose) return { extension: UNDISCLOSED, host: hostVersion === null ? null : UNDISCLOSED, protocol: PROTOCOL_VERSION };
  return { extension: extensionVersion, host: hostVersion, protocol: PROTOCOL_VERSION };
}
