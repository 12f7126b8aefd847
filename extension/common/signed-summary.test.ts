// What the window shows as signed (issue 14 items 2, 7): every invisible or reordering character gets
// a visible stand-in, line feeds stay, nothing is cut; size and SHA-256 are of the exact bytes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS, summarizeContent, summarizeHash, textLength, visibleSegments } from './signed-summary';

const shown = (text: string): string => visibleSegments(text).map((s) => s.text).join('');

describe('visible text', () => {
  it('a right-to-left override cannot turn 00001 into 10000', () => {
    expect(shown('\u202E00001')).toBe('[RLO]00001');
    expect(shown('a\u2066b\u2069c\u200Bd\u200Fe')).toBe('a[LRI]b[PDI]c[ZWSP]d[RLM]e');
  });

  it('controls are marked, line feeds kept, tabs and carriage returns named', () => {
    expect(shown('a\u0007b\r\n\tc\u0000')).toBe('a[U+0007]b[CR]\n[TAB]c[U+0000]');
    expect(shown('\u{E0041}x')).toBe('[U+E0041]x');
    expect(visibleSegments('ok\u202E').map((s) => s.control)).toEqual([false, true]);
  });

  it('states characters and lines, blank lines included', () => {
    expect(textLength(`a${'\n'.repeat(80)}b`)).toEqual({ characters: 82, lines: 81 });
  });
});

describe('summaries', () => {
  it('text: whole, with its size and SHA-256', async () => {
    const bytes = new TextEncoder().encode(`Договор${'x'.repeat(5000)}`);
    const summary = await summarizeContent(bytes, 'contract.txt');
    expect(summary).toMatchObject({ name: 'contract.txt', size: bytes.length, textTooLong: false, hash: null });
    expect(summary.text).toHaveLength(5007);
    expect(summary.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('binary, too long, or only a hash: no text; a raw signature over a hash is flagged', async () => {
    expect((await summarizeContent(Uint8Array.of(0xff, 0xfe, 0x00))).text).toBeNull();
    const long = await summarizeContent(new Uint8Array(MAX_TEXT_CHARS + 1).fill(0x41));
    expect(long).toMatchObject({ text: null, textTooLong: true });
    expect(summarizeHash(new Uint8Array(32).fill(1), true).hash).toEqual({ hex: '01'.repeat(32), raw: true });
  });
});
