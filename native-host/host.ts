// Native messaging host mode: frames in on stdin, one reply per request on stdout, in order.
import { BadRequestError, InternalError, MessageTooLargeError, ResultTooLargeError } from '../shared/errors';
import { MAX_REQUEST_BYTES, TokensignError, type HostReply, type RequestId } from '../shared/protocol';
import { encodeReply, FrameReader, type FrameEvent } from './framing';
import { holdLinesFor, log } from './log';
import { parseRequest, readId, type Command } from './schema';
import { TokenService } from './service';
import { START_UP_MS, StdioChannel, type HostInput, type HostOutput } from './stdio';

/** Stop reading stdin while this many requests wait, so a flood cannot exhaust memory. */
const MAX_QUEUED = 32;

export interface HostOptions {
  /** Requests; with neither input nor output given, the process's stdin and stdout (stdio.ts). */
  input?: HostInput;
  output?: HostOutput;
  /** stdin and stdout (default: the process's own, when neither input nor output is given). */
  stdio?: StdioChannel;
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
    case 'wait-token-event':
      return service.waitTokenEvent(command.generation, command.timeoutMs);
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
    return { reply: errorReply(null, new BadRequestError(body.length === 0 ? 'empty frame: expected a JSON request' : 'the frame is not valid UTF-8 JSON')), logLine: noLogLine };
  } finally {
    // The frame is the host's own copy; wipe it so the PIN's bytes do not linger in it.
    body.fill(0);
  }
  const id = readId(message);
  let command: Command;
  try {
    command = parseRequest(message);
  } catch (e) {
    return { reply: errorReply(id, e instanceof TokensignError ? e : new InternalError('request parsing failed')), logLine: noLogLine };
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
      reply: errorReply(id, new InternalError(`internal error while running ${name}`)),
      logLine: () => log('error', 'host', 'internal-error', { id, command: name, error }),
    };
  }
}

/** Writes reply frames in order; one over the browser's limit becomes RESULT_TOO_LARGE; nothing once the pipe closed. */
class ReplyWriter {
  closed = false;
  /** Resolves once the last frame is handed to the OS. */
  last: Promise<void> = Promise.resolve();

  constructor(private readonly output: HostOutput) {}

  write(reply: HostReply): Promise<void> {
    if (this.closed) return Promise.resolve();
    let frame = encodeReply(reply);
    if (!frame) {
      log('warn', 'host', 'result-too-large', { id: reply.id });
      frame = encodeReply(errorReply(reply.id, new ResultTooLargeError('The result is larger than the 1 MiB a browser accepts from a native host.')));
    }
    if (!frame) return Promise.resolve();
    const bytes = frame;
    // The dispatcher awaits this, so replies stay in order and at most one is buffered when the
    // browser reads slowly.
    this.last = new Promise<void>((resolve) => {
      this.output.write(bytes, () => resolve());
    });
    return this.last;
  }
}

/** Answers one frame event: a too-large declaration or a request. */
async function answerEvent(service: TokenService, writer: ReplyWriter, event: FrameEvent): Promise<void> {
  if (event.kind === 'too-large') {
    log('warn', 'host', 'message-too-large', { declared: event.declared });
    await writer.write(
      errorReply(null, new MessageTooLargeError(`The request declares ${event.declared} bytes; the limit is ${MAX_REQUEST_BYTES} bytes (64 MiB).`)),
    );
    return;
  }
  const answer = await answerFrame(service, event.body);
  const written = writer.write(answer.reply);
  answer.logLine();
  await written;
}

/**
 * Every request's failure is already an error reply; anything escaping that is a bug, and a host
 * that dies takes the user's pending request with it: log it and keep serving.
 */
function logEscapedErrors(): void {
  process.on('uncaughtException', (e) => log('error', 'host', 'uncaught-exception', { error: e.stack ?? e.message }));
  process.on('unhandledRejection', (e) => log('error', 'host', 'unhandled-rejection', { error: e instanceof Error ? (e.stack ?? e.message) : String(e) }));
}

/** Runs the host until stdin ends; resolves after every reply has been flushed. */
export function runHost(options: HostOptions = {}): Promise<void> {
  // The process's own stdio: blocking reads and writes for the first request, Node's streams after it.
  const stdio = options.stdio ?? (options.input || options.output ? undefined : new StdioChannel());
  const input: HostInput = options.input ?? stdio?.input ?? process.stdin;
  const output: HostOutput = options.output ?? stdio?.output ?? process.stdout;
  const service = options.service ?? new TokenService();
  const reader = new FrameReader(MAX_REQUEST_BYTES);
  let queue: Promise<void> = Promise.resolve();
  let queued = 0;
  /** Requests (and too-large declarations) read so far. */
  let framesRead = 0;
  const writer = new ReplyWriter(output);

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

  if (!options.input && !options.stdio) {
    logEscapedErrors();
    // The first replies go out before the first log line (log.ts, holdLinesFor).
    holdLinesFor(START_UP_MS);
  }
  output.on('error', (e: NodeJS.ErrnoException) => {
    // The browser closed the pipe: no one is listening, finish quietly.
    writer.closed = true;
    log('info', 'host', 'stdout-closed', { code: e.code });
    input.destroy();
  });

  return new Promise<void>((resolve) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      service.inputEnded();
      enqueue(async () => {
        if (reader.midFrame) log('warn', 'host', 'truncated-frame-at-eof');
        await writer.last;
        await service.close();
        log('info', 'host', 'exit');
        resolve();
      });
    };
    input.on('data', (chunk: Buffer) => {
      const events = reader.push(chunk);
      // The reader copied what it keeps; the chunk's request bytes (a PIN among them) are wiped.
      chunk.fill(0);
      framesRead += events.length;
      for (const event of events) {
        service.requestArrived();
        enqueue(() => {
          service.requestStarted();
          return answerEvent(service, writer, event);
        });
      }
    });
    input.on('end', finish);
    input.on('close', finish);
    input.on('error', (e: Error) => {
      log('warn', 'host', 'stdin-error', { error: e.message });
      finish();
    });
    log('info', 'host', 'start', { pid: process.pid, args: process.argv.slice(2).map((a) => a.slice(0, 200)) });
    stdio?.readFirst(() => framesRead > 0);
  });
}
