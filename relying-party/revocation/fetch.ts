// Every revocation download goes through one replaceable function: http/https only, a deadline, a size cap.
import { toArrayBuffer } from '../../shared/encoding';
import { VerificationError } from '../errors';

export interface RevocationFetchRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Aborted at the deadline; a fetch that ignores it is abandoned all the same. */
  signal: AbortSignal;
  /** Larger answers must be refused; the caller checks again. */
  maxBytes: number;
}

/** A portal's own transport (e.g. through its proxy): resolves to the response body of a 2xx answer, rejects otherwise. */
export type RevocationFetch = (request: RevocationFetchRequest) => Promise<Uint8Array>;

/** Why revocation could not be learned from one source; collected into REVOCATION_UNKNOWN. */
export class RevocationUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RevocationUnavailable';
  }
}

export function checkHttpUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RevocationUnavailable(`${what} ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new RevocationUnavailable(`${what} ${url} is not http or https; only those are fetched`);
  }
  return parsed;
}

/** node's fetch with the size cap enforced while reading. */
export const defaultRevocationFetch: RevocationFetch = async (request) => {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.body ? { body: toArrayBuffer(request.body) } : {}),
    signal: request.signal,
    redirect: 'follow',
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > request.maxBytes) throw new Error(`the answer is ${declared} bytes, more than the ${request.maxBytes} allowed`);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  for (let part = await reader?.read(); part && !part.done; part = await reader!.read()) {
    total += part.value.length;
    if (total > request.maxBytes) {
      await reader!.cancel();
      throw new Error(`the answer is larger than the ${request.maxBytes} bytes allowed`);
    }
    chunks.push(part.value);
  }
  return Buffer.concat(chunks);
};

/** Runs one download with a hard deadline and the size cap; any failure becomes RevocationUnavailable naming the URL. */
export async function download(
  fetcher: RevocationFetch,
  request: Omit<RevocationFetchRequest, 'signal'>,
  timeoutMs: number,
): Promise<Uint8Array> {
  checkHttpUrl(request.url, 'revocation URL');
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new RevocationUnavailable(`${request.url} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const body = await Promise.race([fetcher({ ...request, signal: controller.signal }), deadline]);
    if (!(body instanceof Uint8Array)) throw new Error('the fetch function did not return bytes');
    if (body.length > request.maxBytes) throw new Error(`the answer is larger than the ${request.maxBytes} bytes allowed`);
    return body;
  } catch (e) {
    if (e instanceof RevocationUnavailable || e instanceof VerificationError) throw e;
    const cause = (e as Error)?.cause as Error | undefined;
    const detail = [(e as Error)?.message ?? String(e), cause?.message].filter(Boolean).join(': ');
    throw new RevocationUnavailable(`${request.url} could not be fetched: ${detail}`);
  } finally {
    clearTimeout(timer);
  }
}
