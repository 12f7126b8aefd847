// The picker session's token watch, against a scripted host. The browser's window and port (which Node
// lacks) and the host are replaced: the case needs a token plugged in at one exact moment, between the
// first list and the start of the host's watch, which a real token cannot be timed to hit.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TokenInfo } from '../../shared/protocol';
import type { PickerView } from '../common/messages';

let openedUrl = '';
vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: { getURL: (path: string) => `chrome-extension://test/${path}` },
    windows: {
      create: (options: { url: string }) => {
        openedUrl = options.url;
        return Promise.resolve({ id: 7 });
      },
      remove: () => Promise.resolve(),
    },
  },
}));
const { attachPickerPort, runPicker } = await import('./picker-session');

const token = (id: string): TokenInfo => ({
  id,
  module: 'm',
  slot: 0,
  label: `Token ${id}`,
  manufacturer: '',
  model: '',
  serial: id,
  pin: { loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false },
});

/** A host whose token list the test changes; a long wait-token-event never answers by itself. */
function scriptedHost(script: { tokens: TokenInfo[]; afterFirstList(): void }): never {
  let lists = 0;
  return {
    connect: () => Promise.resolve({ protocol: 1, version: 'test', modules: [{ path: 'm', loaded: true }] }),
    listTokens: () => {
      const listed = [...script.tokens];
      if (++lists === 1) queueMicrotask(() => script.afterFirstList());
      return Promise.resolve(listed);
    },
    listCertificates: () => Promise.resolve([]),
    waitTokenEvent: (generation: number, timeoutMs: number) =>
      timeoutMs === 0 ? Promise.resolve({ generation, changed: false, watched: 0 }) : new Promise(() => undefined),
  } as never;
}

/** The window's side of the port: records every view the session pushes. */
function windowPort(session: string): { views: PickerView[]; port: never } {
  const views: PickerView[] = [];
  const listeners: Array<(m: unknown) => void> = [];
  const port = {
    sender: { url: `chrome-extension://test/picker/index.html?session=${session}` },
    onMessage: { addListener: (l: (m: unknown) => void) => listeners.push(l), removeListener: (l: (m: unknown) => void) => listeners.splice(listeners.indexOf(l), 1) },
    onDisconnect: { addListener: () => undefined },
    postMessage: (m: { kind: string; view: PickerView }) => views.push(m.view),
    disconnect: () => undefined,
  };
  attachPickerPort(port as never);
  for (const l of [...listeners]) l({ kind: 'attach', session });
  return { views, port: port as never };
}

const abort = new AbortController();
afterEach(() => abort.abort());

describe('picker session token watch', () => {
  it('shows a token plugged in after the first list was read and before the host watched', async () => {
    // Plugged in right after the host answered the first list-tokens: no token event will tell of it.
    const script = { tokens: [] as TokenInfo[], afterFirstList: () => (script.tokens = [token('A')]) };
    const done = runPicker(scriptedHost(script), { origin: 'https://portal.example', action: 'authenticate', preselect: null, timeoutMs: 60_000, signal: abort.signal, operation: () => Promise.reject(new Error('not here')) });
    done.catch(() => undefined);
    await vi.waitFor(() => expect(openedUrl).toContain('session='));
    const session = new URLSearchParams(openedUrl.split('?')[1]).get('session')!;
    const { views } = windowPort(session);
    await vi.waitFor(() => expect(views.at(-1)?.tokens.map((t) => t.id)).toEqual(['A']), { timeout: 2_000 });
  });
});
