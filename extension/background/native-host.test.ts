// NativeHost against the real built host process. Only the browser's port glue is replaced (this runs
// in Node, where there is no runtime.connectNative): a small Port that frames messages to the host's
// stdio the way a browser does. Two cases need a host that misbehaves (wrong protocol, silence); for
// those the port answers by itself, and the test says so.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokensignError } from '../../shared/protocol';
import { createTestPki, type TestPki } from '../../test/fixtures/pki';
import { encodeFrame, FrameReader, readMessages } from '../../native-host/framing';
import { CHROME_ORIGIN_ARG, HOST_BUNDLE } from '../../test/helpers/host-process';

type Listener = (message: unknown) => void;

/** The parts of runtime.Port that NativeHost uses. */
class FakePort {
  readonly messages: Listener[] = [];
  readonly disconnects: ((port: FakePort) => void)[] = [];
  error: { message: string } | undefined;
  disconnected = false;
  onMessage = { addListener: (l: Listener) => this.messages.push(l) };
  onDisconnect = { addListener: (l: (port: FakePort) => void) => this.disconnects.push(l) };
  constructor(
    private readonly send: (message: unknown) => void,
    private readonly close: () => void = () => undefined,
  ) {}
  postMessage(message: unknown): void {
    if (this.disconnected) throw new Error('Attempting to use a disconnected port object');
    this.send(message);
  }
  disconnect(): void {
    this.disconnected = true;
    this.close();
  }
  deliver(message: unknown): void {
    for (const l of this.messages) l(message);
  }
  /** The other side went away (host exited, or never started). */
  drop(error?: string): void {
    if (this.disconnected) return;
    this.disconnected = true;
    this.error = error ? { message: error } : undefined;
    for (const l of this.disconnects) l(this);
  }
}

/** A port backed by a real host process, framed like a browser does it. */
function realHostPort(env: Record<string, string>): { port: FakePort; child: ChildProcessWithoutNullStreams } {
  const child = spawn(process.execPath, [HOST_BUNDLE, CHROME_ORIGIN_ARG], { env: { ...process.env, ...env }, stdio: 'pipe' });
  const port = new FakePort(
    (message) => child.stdin.write(encodeFrame(message)),
    () => child.stdin.end(),
  );
  const reader = new FrameReader();
  child.stdout.on('data', (chunk: Buffer) => {
    for (const message of readMessages(reader, chunk)) port.deliver(message);
  });
  // A message posted while the host is dying fails with EPIPE; the browser drops such writes, and the
  // disconnect comes with the exit, as below.
  child.stdin.on('error', () => undefined);
  child.on('exit', () => port.drop('Native host has exited.'));
  return { port, child };
}

const connectNative = vi.fn<(name: string) => FakePort>();
vi.mock('webextension-polyfill', () => ({
  default: { runtime: { connectNative: (name: string) => connectNative(name), lastError: undefined } },
}));
const { NativeHost } = await import('./native-host');

const codeOf = (e: unknown) => (e instanceof TokensignError ? e.code : String(e));
let pki: TestPki;
const children: ChildProcessWithoutNullStreams[] = [];

function useRealHost(): void {
  connectNative.mockImplementation(() => {
    const { port, child } = realHostPort(pki.env);
    children.push(child);
    return port;
  });
}

beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  pki?.cleanup();
});
beforeEach(() => connectNative.mockReset());

describe('NativeHost', () => {
  it('connects with hello, then serves commands over the same host process', async () => {
    useRealHost();
    const host = new NativeHost();
    expect(host.currentState).toBe('UNINITIALIZED');
    const hello = await host.connect();
    expect(hello.protocol).toBe(1);
    expect(host.currentState).toBe('CONNECTED');
    const tokens = await host.listTokens();
    expect(tokens.map((t) => t.label).sort()).toEqual(['Tokensign Test 1', 'Tokensign Test 2']);
    await expect(host.listCertificates('no-such-token')).rejects.toSatisfy((e) => codeOf(e) === 'TOKEN_NOT_FOUND');
    expect(connectNative).toHaveBeenCalledTimes(1);
    host.disconnect();
  });

  it('sends a reading command right behind a hello still in flight (one round trip less at start)', async () => {
    // The real host; the port records what was posted before the hello's reply came back.
    const postedBeforeHello: string[] = [];
    let helloAnswered = false;
    connectNative.mockImplementation(() => {
      const { port, child } = realHostPort(pki.env);
      children.push(child);
      const post = port.postMessage.bind(port);
      port.postMessage = (message: unknown) => {
        if (!helloAnswered) postedBeforeHello.push((message as { command: string }).command);
        post(message);
      };
      port.onMessage.addListener(() => (helloAnswered = true));
      return port;
    });
    const host = new NativeHost();
    const tokens = await host.listTokens();
    expect(postedBeforeHello).toEqual(['hello', 'list-tokens']);
    expect(tokens.map((t) => t.label).sort()).toEqual(['Tokensign Test 1', 'Tokensign Test 2']);
    expect(connectNative).toHaveBeenCalledTimes(1);
    host.disconnect();
  });

  it('behind a hello that fails, a reading command gets the hello\'s error, and nothing with a PIN goes out before the hello checked out', async () => {
    // A host of a future protocol cannot be had here: the port answers hello itself, and records the rest.
    const posted: string[] = [];
    let port!: FakePort;
    connectNative.mockImplementation(() => {
      port = new FakePort((m) => {
        const { id, command } = m as { id: number; command: string };
        posted.push(command);
        if (command === 'hello') setTimeout(() => port.deliver({ id, ok: true, result: { protocol: 2, version: '9.0.0', modules: [] } }), 5);
      });
      return port;
    });
    const host = new NativeHost();
    const listed = host.listTokens();
    const signed = host.authenticate({ certificateId: 'c', pin: '1234', origin: 'https://example.org', challenge: 'x'.repeat(43) });
    await expect(listed).rejects.toSatisfy((e) => codeOf(e) === 'VERSION_MISMATCH');
    await expect(signed).rejects.toSatisfy((e) => codeOf(e) === 'VERSION_MISMATCH');
    expect(posted).toEqual(['hello', 'list-tokens']);
  });

  it('answers HOST_UNAVAILABLE when the host dies with a request pending, and starts a new host on the next request', async () => {
    useRealHost();
    const host = new NativeHost();
    await host.connect();
    const pending = host.listCertificates();
    children.at(-1)!.kill('SIGKILL');
    await expect(pending).rejects.toSatisfy((e) => codeOf(e) === 'HOST_UNAVAILABLE');
    expect(host.currentState).toBe('DISCONNECTED');
    const certificates = await host.listCertificates();
    expect(certificates).toHaveLength(6);
    expect(connectNative).toHaveBeenCalledTimes(2);
    host.disconnect();
  });

  it('answers HOST_UNAVAILABLE when the host is not installed', async () => {
    // What the browser does when no manifest names the host: the port drops at once.
    connectNative.mockImplementation(() => {
      const port = new FakePort(() => undefined);
      setTimeout(() => port.drop('Specified native messaging host not found.'), 5);
      return port;
    });
    const host = new NativeHost();
    await expect(host.connect()).rejects.toSatisfy((e) => codeOf(e) === 'HOST_UNAVAILABLE' && String((e as Error).message).includes('not found'));
  });

  it('refuses a host that speaks another protocol version (VERSION_MISMATCH)', async () => {
    // A host of a future protocol cannot be had here: the port answers hello itself.
    let port!: FakePort;
    connectNative.mockImplementation(() => {
      port = new FakePort((m) => {
        const { id } = m as { id: number };
        setTimeout(() => port.deliver({ id, ok: true, result: { protocol: 2, version: '9.0.0', modules: [] } }), 1);
      });
      return port;
    });
    const host = new NativeHost();
    await expect(host.connect()).rejects.toSatisfy((e) => codeOf(e) === 'VERSION_MISMATCH');
    expect(port.disconnected).toBe(true);
  });

  it('times a silent command out with TIMEOUT and drops the connection', async () => {
    // A host that answers hello and then hangs: the port answers hello itself and nothing after.
    let port!: FakePort;
    connectNative.mockImplementation(() => {
      port = new FakePort((m) => {
        const { id, command } = m as { id: number; command: string };
        if (command === 'hello') setTimeout(() => port.deliver({ id, ok: true, result: { protocol: 1, version: '0.1.0', modules: [] } }), 1);
      });
      return port;
    });
    const host = new NativeHost(undefined, { listMs: 200 });
    await expect(host.listTokens()).rejects.toSatisfy((e) => codeOf(e) === 'TIMEOUT');
    expect(port.disconnected).toBe(true);
    expect(host.currentState).toBe('DISCONNECTED');
  });

  it('refuses a result of the wrong shape with INTERNAL, naming the field, and keeps the connection', async () => {
    // A host that lists a token without its PIN flags: the port answers itself.
    let port!: FakePort;
    connectNative.mockImplementation(() => {
      port = new FakePort((m) => {
        const { id, command } = m as { id: number; command: string };
        const result = command === 'hello' ? { protocol: 1, version: '0.1.0', modules: [] } : { tokens: [{ id: 't', module: 'm', slot: 0, label: 'L', manufacturer: '', model: '', serial: '' }] };
        setTimeout(() => port.deliver({ id, ok: true, result }), 1);
      });
      return port;
    });
    const host = new NativeHost();
    await expect(host.listTokens()).rejects.toSatisfy((e) => codeOf(e) === 'INTERNAL' && String((e as Error).message).includes('list-tokens.tokens[0].pin'));
    expect(host.currentState).toBe('CONNECTED');
    host.disconnect();
  });
});
