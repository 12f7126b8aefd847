// FrameReader in isolation: every way a pipe can cut frames.
import { describe, expect, it } from 'vitest';
import { encodeFrame, encodeReply, FrameReader, FrameStreamError, frameBytes, readMessages, type FrameEvent } from './framing';

const frame = (text: string) => frameBytes(Buffer.from(text));
const bodies = (events: FrameEvent[]) => events.map((e) => (e.kind === 'frame' ? e.body.toString() : `too-large:${e.declared}`));

describe('FrameReader', () => {
  it('reads frames byte by byte', () => {
    const reader = new FrameReader();
    const events: FrameEvent[] = [];
    for (const byte of Buffer.concat([frame('{"a":1}'), frame('{"b":2}')])) events.push(...reader.push(Buffer.from([byte])));
    expect(bodies(events)).toEqual(['{"a":1}', '{"b":2}']);
    expect(reader.midFrame).toBe(false);
  });

  it('reads several frames in one chunk, a zero-length frame, and a frame cut anywhere', () => {
    const all = Buffer.concat([frame('one'), frame(''), frame('three'), frame('Ёж')]);
    for (let cut = 0; cut <= all.length; cut++) {
      const reader = new FrameReader();
      const events = [...reader.push(all.subarray(0, cut)), ...reader.push(all.subarray(cut))];
      expect(bodies(events), `cut at ${cut}`).toEqual(['one', '', 'three', 'Ёж']);
    }
  });

  it('reports an oversized frame as soon as its header arrives and drops exactly its bytes', () => {
    const reader = new FrameReader(10);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(25);
    expect(bodies(reader.push(header))).toEqual(['too-large:25']);
    expect(reader.midFrame).toBe(true);
    expect(reader.push(Buffer.alloc(20, 0x41))).toEqual([]);
    expect(bodies(reader.push(Buffer.concat([Buffer.alloc(5, 0x41), frame('ok')])))).toEqual(['ok']);
    expect(reader.midFrame).toBe(false);
  });

  it('accepts a frame of exactly the limit', () => {
    const reader = new FrameReader(10);
    expect(bodies(reader.push(frame('0123456789')))).toEqual(['0123456789']);
  });

  it('copies bodies so a reused stream buffer cannot change them', () => {
    const reader = new FrameReader();
    const chunk = frame('abc');
    const [event] = reader.push(chunk);
    chunk.fill(0);
    expect(event?.kind === 'frame' && event.body.toString()).toBe('abc');
  });
});

describe('readMessages', () => {
  it('parses whole frames as JSON and keeps a cut frame for later', () => {
    const reader = new FrameReader();
    const bytes = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame(['b'])]);
    expect(readMessages(reader, bytes.subarray(0, 15))).toEqual([{ a: 1 }]);
    expect(reader.pendingBytes).toBe(15 - 11);
    expect(readMessages(reader, bytes.subarray(15))).toEqual([['b']]);
    expect(reader.pendingBytes).toBe(0);
  });

  it('throws FrameStreamError for a body that is not JSON and for a frame over the limit', () => {
    expect(() => readMessages(new FrameReader(), frame('{oops'))).toThrow(FrameStreamError);
    expect(() => readMessages(new FrameReader(4), frame('"12345"'))).toThrow(FrameStreamError);
  });
});

describe('encodeReply', () => {
  it('refuses a body over the limit and frames the rest with a native-endian length', () => {
    expect(encodeReply({ x: 'a'.repeat(100) }, 50)).toBeNull();
    const out = encodeReply({ x: 1 })!;
    expect(out.readUInt32LE(0)).toBe(out.length - 4);
    expect(JSON.parse(out.subarray(4).toString())).toEqual({ x: 1 });
  });

  it('writes exactly the UTF-8 of the JSON, and counts the limit in bytes, not characters', () => {
    for (const message of [{ s: 'Иванов Иван' }, { s: '😀 emoji', n: [1, 2] }, { s: 'lone \ud800 surrogate' }, { id: 'x', ok: true, result: { cms: 'A'.repeat(3000) } }]) {
      const body = Buffer.from(JSON.stringify(message), 'utf8');
      const out = encodeReply(message)!;
      expect(out.readUInt32LE(0)).toBe(body.length);
      expect(out.subarray(4).equals(body)).toBe(true);
    }
    // 20 Cyrillic letters: 28 characters of JSON, 48 bytes.
    const cyrillic = { s: 'я'.repeat(20) };
    expect(encodeReply(cyrillic, 47)).toBeNull();
    expect(encodeReply(cyrillic, 48)?.length).toBe(52);
  });
});
