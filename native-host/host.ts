// Native messaging host mode: frames in on stdin, one reply per request on stdout, in order.
import type { Readable, Writable } from 'node:stream';
import { MAX_REQUEST_BYTES, TokensignError, type HostReply, type RequestId } from '../shared/protocol';
import { encodeReply, FrameReader, type FrameEvent } from './framing';
import { log } from './log';
import { BadRequest, parseRequest, readId, type Command } from './schema';
import { TokenService } from './service';

/** Stop reading stdin while this many requests wait, so a flood cannot exhaust memory. */
const MAX_QUEUED = 32;

export interface HostOptions {
  input?: Readable;
  output?: Writable;
  service?: TokenService;
}

async function execute(service: TokenService, command: Command): Promise<unknown> {
  switch (command.command) {
    case 'hello':
      return service.hello();
    case 'list-tokens':
      return service.listTokens();
    case 'list-certificates':
      return service.listCertificates(command.tokenId);
    case 'sign':
      if (command.format === 'raw' || command.hashed) {
        return service.signCompat(command.certificateId, command.pin, command.data, command);
      }
      return service.sign(command.certificateId, command.pin, command.data, command.detached);
    case 'authenticate':
      return service.authenticate(command.certificateId, command.pin, command.origin, command.challenge);
  }
}

function errorReply(id: RequestId | null, error: TokensignError): HostReply {
  return { id, ok: false, error: error.toJSON() };
}

/** Strict UTF-8 (one decoder for the host: decoding without `stream` keeps no state between calls). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A reply, and its log line to write once the reply is on its way (logging is kept off the reply's path). */
export interface Answer {
  reply: HostReply;
  logLine(): void;
}

const noLogLine = (): void => undefined;

/** Answers one frame body. Never throws. */
export async function answerFrame(service: TokenService, body: Buffer): Promise<Answer> {
  let message: unknown;
  try {
    message = JSON.parse(utf8.decode(body));
  } catch {
    // Never echo the parser's message: it quotes the input, which may hold a PIN.
    return { reply: errorReply(null, new BadRequest(body.length === 0 ? 'empty frame: expected a JSON request' : 'the frame is not valid UTF-8 JSON')), logLine: noLogLine };
  } finally {
    // The frame is the host's own copy; wipe it so the PIN's bytes do not linger in it.
    body.fill(0);
  }
  const id = readId(message);
  let command: Command;
  try {
    command = parseRequest(message);
  } catch (e) {
    return { reply: errorReply(id, e instanceof TokensignError ? e : new TokensignError('INTERNAL', 'request parsing failed')), logLine: noLogLine };
  }
  const name = command.command;
  const started = Date.now();
  try {
    const result = await execute(service, command);
    const ms = Date.now() - started;
    return { reply: { id: id as RequestId, ok: true, result }, logLine: () => log('info', 'host', 'request', { id, command: name, ok: true, ms }) };
  } catch (e) {
    const ms = Date.now() - started;
    if (e instanceof TokensignError) {
      return { reply: errorReply(id, e), logLine: () => log('info', 'host', 'request', { id, command: name, ok: false, code: e.code, ms }) };
    }
    const error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    return {
      reply: errorReply(id, new TokensignError('INTERNAL', `internal error while running ${name}`)),
      logLine: () => log('error', 'host', 'internal-error', { id, command: name, error }),
    };
  }
}

/** Runs the host until stdin ends; resolves after every reply has been flushed. */
export function runHost(options: HostOptions = {}): Promise<void> {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const service = options.service ?? new TokenService();
  const reader = new FrameReader(MAX_REQUEST_BYTES);
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  let outputClosed = false;
  let lastWrite: Promise<void> = Promise.resolve();

  const write = (reply: HostReply): Promise<void> => {
    if (outputClosed) return Promise.resolve();
    let frame = encodeReply(reply);
    if (!frame) {
      log('warn', 'host', 'result-too-large', { id: reply.id });
      frame = encodeReply(errorReply(reply.id, new TokensignError('RESULT_TOO_LARGE', 'The result is larger than the 1 MiB a browser accepts from a native host.')));
    }
    if (!frame) return Promise.resolve();
    const bytes = frame;
    // Resolves once the frame is handed to the OS; the dispatcher awaits it, so replies stay
    // in order and at most one is buffered when the browser reads slowly.
    lastWrite = new Promise<void>((resolve) => {
      output.write(bytes, () => resolve());
    });
    return lastWrite;
  };

  const handle = async (event: FrameEvent): Promise<void> => {
    if (event.kind === 'too-large') {
      log('warn', 'host', 'message-too-large', { declared: event.declared });
      await write(
        errorReply(null, new TokensignError('MESSAGE_TOO_LARGE', `The request declares ${event.declared} bytes; the limit is ${MAX_REQUEST_BYTES} bytes (64 MiB).`)),
      );
      return;
    }
    const answer = await answerFrame(service, event.body);
    const written = write(answer.reply);
    answer.logLine();
    await written;
  };

  const enqueue = (task: () => Promise<void>): void => {
    queued++;
    if (queued >= MAX_QUEUED) input.pause();
    queue = queue.then(async () => {
      try {
        await task();
      } catch (e) {
        log('error', 'host', 'dispatch-failed', { error: (e as Error).message });
      } finally {
        queued--;
        if (queued < MAX_QUEUED && input.isPaused()) input.resume();
      }
    });
  };

  if (!options.input) {
    // Every request's failure is already an error reply; anything escaping that is a bug, and a
    // host that dies takes the user's pending request with it: log it and keep serving.
    process.on('uncaughtException', (e) => log('error', 'host', 'uncaught-exception', { error: e.stack ?? e.message }));
    process.on('unhandledRejection', (e) => log('error', 'host', 'unhandled-rejection', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
  }

  output.on('error', (e: NodeJS.ErrnoException) => {
    // The browser closed the pipe: no one is listening, finish quietly.
    outputClosed = true;
    log('info', 'host', 'stdout-closed', { code: e.code });
    input.destroy();
  });

  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      enqueue(async () => {
        if (reader.midFrame) log('warn', 'host', 'truncated-frame-at-eof');
        await lastWrite;
        await service.close();
        log('info', 'host', 'exit');
        resolve();
      });
    };
    input.on('data', (chunk: Buffer) => {
      const events = reader.push(chunk);
      // The reader copied what it keeps; the chunk's request bytes (a PIN among them) are wiped.
      chunk.fill(0);
      for (const event of events) enqueue(() => handle(event));
    });
    input.on('end', finish);
    input.on('close', finish);
    input.on('error', (e: Error) => {
      log('warn', 'host', 'stdin-error', { error: e.message });
      finish();
    });
    log('info', 'host', 'start', { pid: process.pid, args: process.argv.slice(2).map((a) => a.slice(0, 200)) });
  });
}
