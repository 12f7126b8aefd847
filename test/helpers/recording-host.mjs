#!/usr/bin/env node
// A test-only native host wrapper: starts the real host (TOKENSIGN_REAL_HOST) with the same
// arguments, passes every frame through unchanged, and appends what it saw to a JSON-lines file
// (TOKENSIGN_RECORD_FILE): each request's id, command and params with the PIN left out (only
// whether one was present), and each reply's id, ok and error code. The host's stderr goes to
// TOKENSIGN_STDERR_FILE. If TOKENSIGN_STALL_FILE names a file holding a command name when that
// command arrives, the request is held back (never forwarded), so a test can kill the host mid-request.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const realHost = process.env.TOKENSIGN_REAL_HOST;
const recordFile = process.env.TOKENSIGN_RECORD_FILE;
const stderrFile = process.env.TOKENSIGN_STDERR_FILE;
const stallFile = process.env.TOKENSIGN_STALL_FILE;
if (!realHost || !recordFile) {
  process.stderr.write('recording-host: TOKENSIGN_REAL_HOST and TOKENSIGN_RECORD_FILE are required\n');
  process.exit(2);
}

const record = (entry) => appendFileSync(recordFile, JSON.stringify({ t: Date.now(), wrapper: process.pid, ...entry }) + '\n');

const child = spawn(process.execPath, [realHost, ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
record({ event: 'start', host: child.pid, args: process.argv.slice(2) });

/** Cuts a byte stream into frames; calls onFrame(bytesWithHeader, parsedBodyOrNull). */
function framer(onFrame) {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32LE(0);
      if (buffered.length < 4 + length) break;
      const frame = buffered.subarray(0, 4 + length);
      buffered = buffered.subarray(4 + length);
      let body = null;
      try {
        body = JSON.parse(frame.subarray(4).toString('utf8'));
      } catch {
        body = null;
      }
      onFrame(frame, body);
    }
  };
}

function withoutPin(params) {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  const { pin, data, ...rest } = params;
  const out = { ...rest, hasPin: pin !== undefined };
  if (typeof data === 'string') out.dataLength = data.length;
  return out;
}

function stalled(command) {
  if (!stallFile || !existsSync(stallFile)) return false;
  return readFileSync(stallFile, 'utf8').trim() === command;
}

process.stdin.on(
  'data',
  framer((frame, body) => {
    const command = body && typeof body === 'object' ? body.command : undefined;
    record({ event: 'request', id: body?.id ?? null, command: command ?? null, params: withoutPin(body?.params) });
    if (typeof command === 'string' && stalled(command)) {
      record({ event: 'stalled', id: body.id, command });
      return;
    }
    child.stdin.write(frame);
  }),
);
process.stdin.on('end', () => child.stdin.end());
child.stdin.on('error', () => undefined);

child.stdout.on(
  'data',
  framer((frame, body) => {
    record({ event: 'reply', id: body?.id ?? null, ok: body?.ok ?? null, code: body?.error?.code ?? null });
    process.stdout.write(frame);
  }),
);
child.stderr.on('data', (chunk) => {
  if (stderrFile) appendFileSync(stderrFile, chunk);
});
child.on('exit', (code, signal) => {
  record({ event: 'exit', code, signal });
  process.exitCode = code ?? 1;
});
