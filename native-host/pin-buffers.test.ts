// Issue 14 item 6: the request bytes that carry a PIN do not stay in buffers the host holds. The
// host is run in-process on a stream the test feeds (the real TokenService over the machine's
// modules); the chunks it was handed, and the frame it assembled, are zeroed once it has parsed them.
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runHost } from './host';

const PIN = '7413852';

function frame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE(body.length, 0);
  body.copy(out, 4);
  return out;
}

const holdsPin = (b: Buffer): boolean => b.includes(Buffer.from(PIN));

describe('PIN bytes in the host', () => {
  it('the stdin chunks of a request with a PIN are wiped once read, split across chunks or not', async () => {
    const request = frame({ id: 1, command: 'authenticate', params: { certificateId: 'none', pin: PIN, origin: 'https://a.example', challenge: 'x'.repeat(43) } });
    const cut = request.indexOf(Buffer.from(PIN)) + 3;
    const chunks = [request.subarray(0, cut), request.subarray(cut), Buffer.from(frame({ id: 2, command: 'authenticate', params: { certificateId: 'none', pin: PIN, origin: 'https://a.example', challenge: 'y'.repeat(43) } }))];
    const copies = chunks.map((c) => Buffer.from(c));
    expect(copies.some(holdsPin)).toBe(true);
    const input = new Readable({ read() {} });
    const output = new PassThrough();
    const replies: Buffer[] = [];
    output.on('data', (b: Buffer) => replies.push(b));
    const done = runHost({ input, output });
    for (const c of copies) input.push(c);
    input.push(null);
    await done;
    expect(Buffer.concat(replies).toString('utf8')).toContain('CERTIFICATE_NOT_FOUND');
    expect(copies.filter(holdsPin)).toEqual([]);
  });

});
