// The seeded cases of the host fuzz test (test/integration/fuzz-host.test.ts): weighted generators of
// malformed and well-formed frames, each with the reply it must get.
import type { Rng } from '../../bench/prng';
import type { Id, Reply } from './fuzzed-host';

export interface FuzzCase {
  kind: string;
  body: Buffer;
  /** Returns what is wrong with the reply, or null when it is right. */
  check: (reply: Reply) => string | null;
}

/** A generator and its weight. */
type Generator = [number, () => FuzzCase];

const describeReply = (r: Reply) => JSON.stringify(r).slice(0, 300);

export function expectError(id: Id | null, codes: string[]): FuzzCase['check'] {
  return (r) =>
    r.ok === false && r.id === id && r.error !== undefined && codes.includes(r.error.code)
      ? null
      : `expected ${codes.join('|')} with id ${JSON.stringify(id)}, got ${describeReply(r)}`;
}
export function expectOk(id: Id, test: (result: Record<string, unknown>) => boolean = () => true): FuzzCase['check'] {
  return (r) =>
    r.ok === true && r.id === id && test(r.result as Record<string, unknown>) ? null : `expected ok with id ${JSON.stringify(id)}, got ${describeReply(r)}`;
}
export function expectOkOr(id: Id, codes: string[]): FuzzCase['check'] {
  return (r) => (r.ok === true ? expectOk(id)(r) : expectError(id, codes)(r));
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

export interface Known {
  certificateId: string;
  pin: string;
  tokenCount: number;
  certificateCount: number;
}


/** What every group of generators draws on: the seeded source, the host's known ids, and the PINs sent. */
interface FuzzContext {
  rng: Rng;
  known: Known;
  id(): Id;
  challenge(): string;
  junkValues(): unknown[];
  wrongPin(): string;
  validAuth(): Record<string, unknown> & { certificateId: string; pin: string };
  badOrigins: string[];
  badChallenges: string[];
  badBase64: string[];
}

/** `pinMarkers` collects every PIN sent, to look for in stderr. */
function fuzzContext(rng: Rng, known: Known, pinMarkers: string[]): FuzzContext {
  let nextId = 1;
  const id = (): Id => (rng.next() < 0.5 ? nextId++ : `f-${nextId++}`);
  const challenge = () => rng.string(43 + rng.int(40), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_');
  const junkValues = (): unknown[] => [null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], [1, 'a'], {}, { a: { b: [] } }, rng.string(20)];
  const wrongPin = () => {
    const pin = `9${rng.string(7, '0123456789')}`;
    pinMarkers.push(pin);
    return pin;
  };
  const validAuth = () => ({ certificateId: known.certificateId, pin: known.pin, origin: 'https://esia.gosuslugi.ru', challenge: challenge() });

  const badOrigins = [
    'http://evil.example', 'https://EXAMPLE.com', 'https://example.com/', 'https://example.com:443', 'https://example.com/path',
    'null', 'javascript:alert(1)', 'file:///etc/passwd', 'https://', 'chrome-extension://abc', `https://${'a'.repeat(260)}.com`,
    'https://user:pw@example.com', ' https://example.com', 'https://example.com\n', 'https://пример.рф', 'ftp://example.com', '',
  ];
  const badChallenges = ['', 'short', 'a'.repeat(42), 'a'.repeat(513), `${'a'.repeat(50)}!`, `${'a'.repeat(50)} `, `${'a'.repeat(50)}\u0000`, `${'я'.repeat(50)}`];
  const badBase64 = ['%%%%', 'abc$', 'Zm9v=YmFy', '====', 'Zm9v\u0000'];
  return { rng, known, id, challenge, junkValues, wrongPin, validAuth, badOrigins, badChallenges, badBase64 };
}

/** Frames that are not a readable request object, or whose id is odd. */
function envelopeCases(ctx: FuzzContext): Generator[] {
  const { rng, id } = ctx;
  return [
    [10, () => ({ kind: 'random bytes', body: rng.bytes(rng.int(200)), check: expectError(null, ['BAD_REQUEST']) })],
    [3, () => {
      const i = id();
      // A truncated well-formed request: not JSON.
      const full = JSON.stringify({ id: i, command: 'hello' });
      return { kind: 'truncated JSON', body: Buffer.from(full.slice(0, 1 + rng.int(full.length - 1))), check: expectError(null, ['BAD_REQUEST']) };
    }],
    [3, () => ({ kind: 'not an object', body: json(rng.pick<unknown>([null, true, 5, 'hello', [], [{ id: 1, command: 'hello' }]])), check: expectError(null, ['BAD_REQUEST']) })],
    [4, () => ({
      kind: 'unreadable id',
      body: json({ id: rng.pick<unknown>([null, true, false, [], {}, [1], { id: 1 }]), command: 'hello' }),
      check: expectError(null, ['BAD_REQUEST']),
    })],
    [2, () => ({ kind: 'missing id', body: json({ command: rng.pick(['hello', 'list-tokens']) }), check: expectError(null, ['BAD_REQUEST']) })],
    [4, () => {
      const i = rng.pick<Id>([-1, 0, 1.5, 1e21, Number.MAX_SAFE_INTEGER, '', ' ', 'идентификатор', '😀🔑', 'x'.repeat(rng.int(10_000)), '"\\\u0001']);
      return { kind: 'odd but readable id', body: json({ id: i, command: 'hello' }), check: expectOk(i, (r) => r.protocol === 1) };
    }],
  ];
}

/** Unknown or mistyped commands and params. */
function commandCases(ctx: FuzzContext): Generator[] {
  const { rng, id, junkValues, validAuth } = ctx;
  return [
    [5, () => {
      const i = id();
      const body = { id: i } as Record<string, unknown>;
      if (rng.next() < 0.8) body.command = rng.pick(junkValues().filter((v) => typeof v !== 'string'));
      return { kind: 'bad command type', body: json(body), check: expectError(i, ['BAD_REQUEST']) };
    }],
    [8, () => {
      const i = id();
      const command = rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'HELLO', ' hello', 'hello ', 'hello\u0000',
        'list_tokens', 'sign ', 'install', 'doctor', '', rng.string(1 + rng.int(30))]);
      return { kind: 'unknown command', body: json({ id: i, command }), check: expectError(i, ['UNKNOWN_COMMAND']) };
    }],
    [5, () => {
      const i = id();
      const command = rng.pick(['sign', 'authenticate']);
      const params = rng.pick<unknown>([null, 5, 'x', [], true, [validAuth()]]);
      return { kind: 'params not an object', body: json({ id: i, command, params }), check: expectError(i, ['BAD_REQUEST']) };
    }],
    [3, () => {
      const i = id();
      const command = rng.pick(['hello', 'list-tokens', 'list-certificates']);
      const params = rng.pick<unknown>([null, 5, 'x', [], true]);
      // Commands without required params may ignore them or refuse them; either way one reply.
      return { kind: 'optional params of a wrong type', body: json({ id: i, command, params }), check: expectOkOr(i, ['BAD_REQUEST']) };
    }],
  ];
}

/** One wrong field in an otherwise valid signing or listing request. */
function parameterCases(ctx: FuzzContext): Generator[] {
  const { rng, known, id, junkValues, wrongPin, validAuth, badOrigins, badChallenges, badBase64 } = ctx;
  return [
    [12, () => {
      const i = id();
      const params: Record<string, unknown> = validAuth();
      const field = rng.pick(['certificateId', 'pin', 'origin', 'challenge', 'origin', 'challenge']);
      if (field === 'origin') params.origin = rng.next() < 0.7 ? rng.pick(badOrigins) : rng.pick(junkValues().filter((v) => typeof v !== 'string'));
      else if (field === 'challenge') params.challenge = rng.next() < 0.7 ? rng.pick(badChallenges) : rng.pick(junkValues().filter((v) => typeof v !== 'string'));
      else if (field === 'certificateId') {
        if (rng.next() < 0.3) delete params.certificateId;
        else params.certificateId = rng.pick(junkValues().filter((v) => typeof v !== 'string'));
      } else params.pin = rng.pick<unknown>([123456, [], {}, true]);
      return { kind: `authenticate with a bad ${field}`, body: json({ id: i, command: 'authenticate', params }), check: expectError(i, ['BAD_REQUEST']) };
    }],
    [6, () => {
      const i = id();
      const params: Record<string, unknown> = { certificateId: known.certificateId, pin: known.pin, data: 'aGVsbG8=' };
      const field = rng.pick(['data', 'data', 'detached', 'certificateId']);
      if (field === 'data') params.data = rng.next() < 0.6 ? rng.pick(badBase64) : rng.pick([null, 5, [], {}, true]);
      else if (field === 'detached') params.detached = rng.pick<unknown>(['yes', 1, 0, [], {}]); // null reads as absent
      else params.certificateId = rng.pick([5, null, [], {}]);
      return { kind: `sign with a bad ${field}`, body: json({ id: i, command: 'sign', params }), check: expectError(i, ['BAD_REQUEST']) };
    }],
    [4, () => {
      const i = id();
      const command = rng.pick(['sign', 'authenticate']);
      const params: Record<string, unknown> = { ...validAuth(), data: 'aGVsbG8=', certificateId: rng.pick(['', 'nope', rng.string(64, '0123456789abcdef'), 'x'.repeat(5000)]) };
      return { kind: 'unknown certificate', body: json({ id: i, command, params }), check: expectError(i, ['CERTIFICATE_NOT_FOUND', 'BAD_REQUEST']) };
    }],
    [2, () => {
      const i = id();
      return { kind: 'list-certificates of an unknown token', body: json({ id: i, command: 'list-certificates', params: { tokenId: rng.string(16) } }), check: expectError(i, ['TOKEN_NOT_FOUND']) };
    }],
    [1, () => {
      const i = id();
      return { kind: 'wrong PIN', body: json({ id: i, command: 'authenticate', params: { ...validAuth(), pin: wrongPin() } }), check: expectError(i, ['PIN_INCORRECT']) };
    }],
    [1, () => {
      const i = id();
      return { kind: 'empty PIN', body: json({ id: i, command: 'authenticate', params: { ...validAuth(), pin: '' } }), check: expectError(i, ['PIN_REQUIRED']) };
    }],
  ];
}

/** Deep nesting, prototype keys, broken UTF-8, a BOM, duplicate keys. */
function hostileEncodingCases(ctx: FuzzContext): Generator[] {
  const { rng, known, id, challenge } = ctx;
  return [
    [2, () => {
      const i = id();
      const depth = 10 + rng.int(rng.next() < 0.2 ? 100_000 : 500);
      const nested = rng.next() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      const where = rng.int(3);
      if (where === 0) return { kind: 'nested junk as the request', body: Buffer.from(nested), check: expectError(null, ['BAD_REQUEST']) };
      if (where === 1) return { kind: 'nested junk as params', body: Buffer.from(`{"id":${JSON.stringify(i)},"command":"hello","params":{"x":${nested}}}`), check: expectOkOr(i, ['BAD_REQUEST']) };
      return { kind: 'nested junk as a field', body: Buffer.from(`{"id":${JSON.stringify(i)},"command":"authenticate","params":{"certificateId":${nested},"origin":"https://a.example","challenge":"${challenge()}"}}`), check: expectError(i, ['BAD_REQUEST']) };
    }],
    [2, () => {
      const i = id();
      const variants: Array<[string, FuzzCase['check']]> = [
        [`{"id":${JSON.stringify(i)},"command":"hello","__proto__":{"ok":false,"command":"sign"}}`, expectOk(i, (r) => r.protocol === 1)],
        [`{"id":${JSON.stringify(i)},"command":"authenticate","params":{"__proto__":{"certificateId":"${known.certificateId}","pin":"${known.pin}"},"origin":"https://a.example","challenge":"${challenge()}"}}`, expectError(i, ['BAD_REQUEST'])],
        [`{"id":${JSON.stringify(i)},"command":"authenticate","params":{"constructor":{"prototype":{"pin":"1"}},"origin":"https://a.example","challenge":"${challenge()}"}}`, expectError(i, ['BAD_REQUEST'])],
      ];
      const [body, check] = rng.pick(variants);
      return { kind: 'prototype keys', body: Buffer.from(body), check };
    }],
    [2, () => {
      const i = id();
      const garbage = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]);
      const body = Buffer.concat([Buffer.from(`{"id":${JSON.stringify(i)},"command":"hello","params":{"x":"`), garbage, Buffer.from('"}}')]);
      // Invalid UTF-8 may be refused or decoded with replacement characters; never a crash.
      return {
        kind: 'invalid UTF-8',
        body,
        check: (r) => (r.ok ? expectOk(i)(r) : expectError(null, ['BAD_REQUEST'])(r) === null ? null : expectError(i, ['BAD_REQUEST'])(r)),
      };
    }],
    [1, () => {
      const i = id();
      return { kind: 'byte order mark', body: Buffer.from(`\ufeff{"id":${JSON.stringify(i)},"command":"hello"}`), check: (r) => (r.ok ? expectOk(i)(r) : expectError(null, ['BAD_REQUEST'])(r)) };
    }],
    [1, () => ({ kind: 'empty frame', body: Buffer.alloc(0), check: expectError(null, ['BAD_REQUEST']) })],
    [1, () => ({ kind: 'duplicate keys', body: Buffer.from('{"id":1,"id":"last","command":"nope","command":"hello"}'), check: expectOk('last') })],
  ];
}

/** Fields of megabytes. */
function hugeFieldCases(ctx: FuzzContext): Generator[] {
  const { rng, known, id, challenge } = ctx;
  return [
    [1, () => {
      const i = id();
      const size = 200_000 + rng.int(1_800_000);
      const params = rng.pick([
        { certificateId: known.certificateId, pin: known.pin, origin: `https://${'a'.repeat(size)}.example`, challenge: challenge() },
        { certificateId: known.certificateId, pin: known.pin, origin: 'https://a.example', challenge: 'A'.repeat(size) },
        { certificateId: known.certificateId, pin: known.pin, origin: 'https://a.example', challenge: challenge(), junk: 'z'.repeat(size) },
      ]);
      const junkOnly = 'junk' in params;
      return {
        kind: 'huge string field',
        body: json({ id: i, command: 'authenticate', params }),
        // Extra fields are allowed (protocol §2): with a valid origin and challenge it signs.
        check: junkOnly ? expectOk(i, (r) => typeof r.cms === 'string') : expectError(i, ['BAD_REQUEST']),
      };
    }],
    [1, () => {
      const i = id();
      return { kind: 'huge unknown command', body: json({ id: i, command: 'c'.repeat(1_100_000) }), check: expectError(i, ['UNKNOWN_COMMAND']) };
    }],
  ];
}

/** Requests that must succeed. */
function wellFormedCases(ctx: FuzzContext): Generator[] {
  const { rng, known, id, validAuth } = ctx;
  return [
    [10, () => {
      const i = id();
      const which = rng.int(3);
      if (which === 0) return { kind: 'hello', body: json({ id: i, command: 'hello' }), check: expectOk(i, (r) => r.protocol === 1 && Array.isArray(r.modules)) };
      if (which === 1) return { kind: 'list-tokens', body: json({ id: i, command: 'list-tokens' }), check: expectOk(i, (r) => Array.isArray(r.tokens) && r.tokens.length === known.tokenCount) };
      return {
        kind: 'list-certificates',
        body: json({ id: i, command: 'list-certificates', params: {} }),
        check: expectOk(i, (r) => Array.isArray(r.certificates) && r.certificates.length === known.certificateCount),
      };
    }],
    [1, () => {
      const i = id();
      return { kind: 'authenticate', body: json({ id: i, command: 'authenticate', params: validAuth() }), check: expectOk(i, (r) => r.format === 'tokensign-auth:1' && typeof r.cms === 'string') };
    }],
  ];
}

/** The seeded case list: `count` cases drawn by weight from every group, in a fixed group order. */
export function makeCases(rng: Rng, known: Known, pinMarkers: string[], count: number): FuzzCase[] {
  const ctx = fuzzContext(rng, known, pinMarkers);
  const generators = [envelopeCases, commandCases, parameterCases, hostileEncodingCases, hugeFieldCases, wellFormedCases].flatMap((group) => group(ctx));
  const total = generators.reduce((s, [w]) => s + w, 0);
  const cases: FuzzCase[] = [];
  for (let n = 0; n < count; n++) {
    let roll = rng.int(total);
    for (const [weight, make] of generators) {
      if (roll < weight) {
        cases.push(make());
        break;
      }
      roll -= weight;
    }
  }
  return cases;
}
