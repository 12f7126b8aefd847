// Talks to a host the way a browser does: start the launcher, write length-prefixed JSON frames to its
// stdin, read frames from its stdout. Used by doctor (and by tests) to prove the launcher really works.
import { spawn } from 'node:child_process';
import type { HostReply, HostRequest } from '../../shared/protocol';
import { encodeFrame, FrameReader, readMessages } from '../framing';

export interface HostExchange {
  /** Replies by request id (as a string), in arrival order. */
  replies: Map<string, HostReply>;
  /** Set when the host could not be started, died, timed out or wrote garbage. */
  failure: string | null;
  exitCode: number | null;
  stderr: string;
  elapsedMs: number;
}

export interface ExchangeOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  requests: HostRequest[];
  timeoutMs: number;
  /** Needed to start a .bat launcher on Windows. */
  shell?: boolean;
}

/** Sends every request, waits for every reply (or failure/timeout), then closes stdin and reaps the host. */
export function exchangeWithHost(options: ExchangeOptions): Promise<HostExchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const replies = new Map<string, HostReply>();
    let stderr = '';
    let failure: string | null = null;
    let settled = false;
    const child = spawn(options.command, options.args, {
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: options.shell ?? false,
      windowsHide: true,
    });
    const reader = new FrameReader();
    const finish = (exitCode: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (failure === null && replies.size < options.requests.length) {
        failure = `the host exited (status ${exitCode ?? 'none'}) after ${replies.size} of ${options.requests.length} replies`;
      }
      resolve({ replies, failure, exitCode, stderr: stderr.slice(-4000), elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => {
      failure = `no reply within ${Math.round(options.timeoutMs / 1000)} s`;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      failure = `could not start ${options.command}: ${error.message}`;
      finish(null);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout.on('data', (chunk: Buffer) => {
      let messages: unknown[];
      try {
        messages = readMessages(reader, chunk);
      } catch (error) {
        failure ??= `the host wrote something that is not a reply: ${(error as Error).message}`;
        return;
      }
      for (const message of messages) {
        const reply = message as Partial<HostReply>;
        if (typeof reply !== 'object' || reply === null || !('ok' in reply)) {
          failure ??= `the host wrote something that is not a reply: ${JSON.stringify(message).slice(0, 200)}`;
          continue;
        }
        replies.set(String(reply.id), reply as HostReply);
      }
      if (replies.size >= options.requests.length) child.stdin.end();
    });
    child.on('close', (code) => finish(code));
    child.stdin.on('error', () => {
      // EPIPE when the host died early: 'close' reports it.
    });
    for (const request of options.requests) child.stdin.write(encodeFrame(request));
  });
}
