// The picker session's token watch, against a scripted host. The browser's window and port (which Node
// lacks) and the host are replaced: the case needs a token plugged in at one exact moment, between the
// first list and the start of the host's watch, which a real token cannot be timed to hit.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { testCertificate, testToken } from './test-fixtures';
import type { PickerView } from '../common/messages';

let openedUrl = '';
/** Listeners on windows.onRemoved, as the session adds and removes them. */
const windowCloseListeners = new Set<(windowId: number) => void>();
vi.mock('webextension-polyfill', () => ({
  default: {
    runtime: { getURL: (path: string) => `chrome-extension://test/${path}` },
    windows: {
      create: (options: { url: string }) => {
        openedUrl = options.url;
        return Promise.resolve({ id: 7 });
      },
      remove: () => Promise.resolve(),
      onRemoved: { addListener: (l: (windowId: number) => void) => windowCloseListeners.add(l), removeListener: (l: (windowId: number) => void) => windowCloseListeners.delete(l) },
    },
  },
}));
const { attachPickerPort, runPicker, READ_AGAIN_AFTER_ATTACH_MS } = await import('./picker-session');
const { forgetLastReadings } = await import('./token-lists');

const token = (id: string): TokenInfo => testToken(id, id);

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

/** A host with one token, A, whose certificates `read` gives on every list-certificates; its watch never answers. */
function oneTokenHost(read: () => CertificateInfo[]): never {
  return {
    connect: () => Promise.resolve({ protocol: 1, version: 'test', modules: [{ path: 'm', loaded: true }] }),
    listTokens: () => Promise.resolve([token('A')]),
    listCertificates: () => Promise.resolve(read()),
    waitTokenEvent: () => new Promise(() => undefined),
  } as never;
}

/** The window's side of the port, from a page at `url` as the browser reports it: records every view the session pushes. */
function windowPort(session: string, url = `chrome-extension://test/picker/index.html?session=${session}`): { views: PickerView[]; port: never; send(message: unknown): void; disconnected(): boolean } {
  const views: PickerView[] = [];
  const listeners: Array<(m: unknown) => void> = [];
  let disconnected = false;
  const port = {
    sender: { url },
    onMessage: { addListener: (l: (m: unknown) => void) => listeners.push(l), removeListener: (l: (m: unknown) => void) => listeners.splice(listeners.indexOf(l), 1) },
    onDisconnect: { addListener: () => undefined },
    postMessage: (m: { kind: string; view: PickerView }) => views.push(m.view),
    disconnect: () => void (disconnected = true),
  };
  const send = (message: unknown): void => {
    for (const l of [...listeners]) l(message);
  };
  attachPickerPort(port as never);
  return { views, port: port as never, send, disconnected: () => disconnected };
}

const abort = new AbortController();
afterEach(() => {
  abort.abort();
  forgetLastReadings();
});

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

describe('picker session, a token read before', () => {
  it('the next window gets its certificates as last read when it connects, and the host is asked again only after the window had time to draw', async () => {
    const asked: number[] = [];
    const host = oneTokenHost(() => {
      asked.push(Date.now());
      return [testCertificate('c1', 'A')];
    });
    const open = async (): Promise<{ views: PickerView[]; attachedAt: number; stop: AbortController }> => {
      const stop = new AbortController();
      openedUrl = '';
      runPicker(host, { origin: 'https://portal.example', action: 'authenticate', preselect: null, timeoutMs: 60_000, signal: stop.signal, operation: () => Promise.reject(new Error('not here')) }).catch(() => undefined);
      await vi.waitFor(() => expect(openedUrl).toContain('session='));
      // Let the session hear from the host (hello, list-tokens) before the window's page connects.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const attachedAt = Date.now();
      const { views } = windowPort(new URLSearchParams(openedUrl.split('?')[1]).get('session')!);
      return { views, attachedAt, stop };
    };
    const first = await open();
    await vi.waitFor(() => expect(first.views.at(-1)?.certificates.map((c) => c.id)).toEqual(['c1']));
    first.stop.abort();
    expect(asked).toHaveLength(1);

    const second = await open();
    // The first view the window gets already lists the certificate, and nothing was asked of the host for it.
    expect(second.views[0]?.certificates.map((c) => c.id)).toEqual(['c1']);
    expect(second.views[0]?.pendingTokens).toEqual([]);
    expect(asked).toHaveLength(1);
    await vi.waitFor(() => expect(asked).toHaveLength(2), { timeout: 2_000 });
    expect(asked[1]! - second.attachedAt).toBeGreaterThanOrEqual(READ_AGAIN_AFTER_ATTACH_MS - 5);
    second.stop.abort();
  });
});

describe('picker session, the window it serves', () => {
  it('sends the window its first view as its port opens, found by the address the browser reports, and turns away any other port', async () => {
    const stop = new AbortController();
    openedUrl = '';
    runPicker(oneTokenHost(() => [testCertificate('c1', 'A')]), { origin: 'https://portal.example', action: 'authenticate', preselect: null, timeoutMs: 60_000, signal: stop.signal, operation: () => Promise.reject(new Error('not here')) }).catch(() => undefined);
    await vi.waitFor(() => expect(openedUrl).toContain('session='));
    const session = new URLSearchParams(openedUrl.split('?')[1]).get('session')!;
    // Not the picker's page, a session no window was opened for, a page naming none: each is disconnected, sent nothing.
    for (const url of [`chrome-extension://test/popup/index.html?session=${session}`, 'chrome-extension://test/picker/index.html?session=another', 'chrome-extension://test/picker/index.html']) {
      const other = windowPort(session, url);
      expect(other.disconnected(), url).toBe(true);
      expect(other.views, url).toEqual([]);
    }
    // The window itself: a view at once, without a word from it.
    const picker = windowPort(session);
    expect(picker.disconnected()).toBe(false);
    expect(picker.views).toHaveLength(1);
    expect(picker.views[0]?.origin).toBe('https://portal.example');
    // One window per session: a second page naming the same session is turned away.
    expect(windowPort(session).disconnected()).toBe(true);
    stop.abort();
  });

  it('hears of closed windows only while a session is open, and ends when its window closes before its page connects', async () => {
    // A listener left on windows.onRemoved would have the browser start the stopped background for
    // every window a person closes (the browser test: faults-chromium).
    expect(windowCloseListeners.size).toBe(0);
    openedUrl = '';
    const done = runPicker(oneTokenHost(() => [testCertificate('c1', 'A')]), { origin: 'https://portal.example', action: 'authenticate', preselect: null, timeoutMs: 60_000, signal: new AbortController().signal, operation: () => Promise.reject(new Error('not here')) });
    await vi.waitFor(() => expect(openedUrl).toContain('session='));
    expect(windowCloseListeners.size).toBe(1);
    // Another window closes: nothing happens to the session.
    for (const listener of [...windowCloseListeners]) listener(99);
    expect(windowCloseListeners.size).toBe(1);
    // Its own window (the browser gave it id 7) closes before the page connected: the person cancelled.
    for (const listener of [...windowCloseListeners]) listener(7);
    await expect(done).rejects.toMatchObject({ code: 'USER_CANCELLED' });
    expect(windowCloseListeners.size).toBe(0);
  });
});

describe('picker session, what the window is sent', () => {
  it("sends the window every certificate's description but not its bytes, and hands the operation the whole certificate", async () => {
    const der = Buffer.from('the certificate bytes').toString('base64');
    const host = oneTokenHost(() => [{ ...testCertificate('c1', 'A'), der }]);
    openedUrl = '';
    const stop = new AbortController();
    let operated: CertificateInfo | null = null;
    const done = runPicker(host, {
      origin: 'https://portal.example', action: 'authenticate', preselect: null, timeoutMs: 60_000, signal: stop.signal,
      operation: (certificate: CertificateInfo) => Promise.resolve(void (operated = certificate)),
    });
    await vi.waitFor(() => expect(openedUrl).toContain('session='));
    const { views, send } = windowPort(new URLSearchParams(openedUrl.split('?')[1]).get('session')!);
    await vi.waitFor(() => expect(views.at(-1)?.certificates.map((c) => c.id)).toEqual(['c1']));
    expect(views.at(-1)?.certificates[0]?.thumbprint).toBe(testCertificate('c1', 'A').thumbprint);
    expect(views.every((v) => v.certificates.every((c) => !('der' in c)))).toBe(true);
    expect(JSON.stringify(views)).not.toContain(der);
    send({ kind: 'confirm', certificateId: 'c1', pin: '1234' });
    await done;
    expect(operated!.der).toBe(der);
    stop.abort();
  });
});
