// status: the extension's version, the host's (null when the host is missing) and the protocol.
import { PROTOCOL_VERSION, TokensignError, type StatusResult } from '../../../shared/protocol';
import type { NativeHost } from '../native-host';

export async function status(host: NativeHost, extensionVersion: string): Promise<StatusResult> {
  let hostVersion: string | null = null;
  try {
    hostVersion = (await host.connect()).version;
  } catch (error) {
    if (!(error instanceof TokensignError && error.code === 'HOST_UNAVAILABLE')) throw error;
  }
  return { extension: extensionVersion, host: hostVersion, protocol: PROTOCOL_VERSION };
}
