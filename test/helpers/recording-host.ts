// A test-only native host wrapper, bundled to one .mjs by recorded-chromium.ts and started by the
// browser: it starts the real host (TOKENSIGN_REAL_HOST) with the same arguments, passes every frame
// through unchanged, and appends what it saw to a JSON-lines file (TOKENSIGN_RECORD_FILE): each
// request's id, command and params with the PIN left out (only whether one was present), each reply's
// id, ok and error code, and when the browser closed its input or terminated it. The host's stderr
// goes to TOKENSIGN_STDERR_FILE. If TOKENSIGN_STALL_FILE names a file holding a command name when that
// command arrives, the request is held back (never forwarded), so a test can kill the host mid-request.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { FrameReader, frameBytes } from '../../native-host/framing';

const realHost = process.env.TOKENSIGN_REAL_HOST;
const recordFile = process.env.TOKENSIGN_RECORD_FILE;
const stderrFile = process.env.TOKENSIGN_STDERR_FILE;
const stallFile = process.env.TOKENSIGN_STALL_FILE;
if (!realHost || !recordFile) {
  process.stderr.write('recording-host: TOKENSIGN_REAL_HOST and TOKENSIGN_RECORD_FILE are required\n');
  process.exit(2);
}

type Json = Record<string, unknown> | null;
const record = (entry: Record<string, unknown>): void =>
  appendFileSync(recordFile, JSON.stringify({ t: Date.now(), wrapper: process.pid, ...entry }) + '\n');

const child = spawn(process.execPath, [realHost, ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
record({ event: 'start', host: child.pid, args: process.argv.slice(2) });

/** Cuts a byte stream into frames (the host's own reader; no size limit here: it only passes them on). */
function framer(onFrame: (frame: Buffer, body: Json) => void): (chunk: Buffer) => void {
  const reader = new FrameReader(2 ** 32);
  return (chunk) => {
    for (const event of reader.push(chunk)) {
      if (event.kind !== 'frame') continue;
      let body: Json = null;
      try {
        const parsed: unknown = JSON.parse(event.body.toString('utf8'));
        body = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
      } catch {
        body = null;
      }
      onFrame(frameBytes(event.body), body);
    }
  };
}

function withoutPin(params: unknown): unknown {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  const { pin, data, ...rest } = params as Record<string, unknown>;
  const out: Record<string, unknown> = { ...rest, hasPin: pin !== undefined };
  if (typeof data === 'string') out.dataLength = data.length;
  return out;
}

function stalled(command: string): boolean {
  if (!stallFile || !existsSync(stallFile)) return false;
  return readFileSync(stallFile, 'utf8').trim() === command;
}

process.stdin.on(
  'data',
  framer((frame, body) => {
    const command = body?.command;
    record({ event: 'request', id: body?.id ?? null, command: command ?? null, params: withoutPin(body?.params) });
    if (typeof command === 'string' && stalled(command)) {
      record({ event: 'stalled', id: body?.id, command });
      return;
    }
    child.stdin.write(frame);
  }),
);
process.stdin.on('end', () => {
  // The browser closed the port: recorded at once, as the host's own exit may come after Chromium's
  // two seconds' grace, when it terminates this wrapper (EnsureProcessTerminated) and 'exit' is never written.
  record({ event: 'input-ended' });
  child.stdin.end();
});
process.on('SIGTERM', () => {
  record({ event: 'terminated' });
  process.exit(143);
});
child.stdin.on('error', () => undefined);

child.stdout.on(
  'data',
  framer((frame, body) => {
    const error = body?.error as { code?: unknown } | undefined;
    record({ event: 'reply', id: body?.id ?? null, ok: body?.ok ?? null, code: error?.code ?? null });
    process.stdout.write(frame);
  }),
);
child.stderr.on('data', (chunk: Buffer) => {
  if (stderrFile) appendFileSync(stderrFile, chunk);
});
child.on('exit', (code, signal) => {
  record({ event: 'exit', code, signal });
  process.exitCode = code ?? 1;
});
