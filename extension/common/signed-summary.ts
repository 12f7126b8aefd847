// What is signed, as the window shows it (issue 14 items 2 and 7): name, size, SHA-256, and the whole
// text when the content is text, with every control, format and bidi character made visible, so
// that what the person reads is what is signed ("\u202E00001" must not read "10000").
import { toHex } from '../../shared/encoding';

export interface SignedSummary {
  /** A name the page gave; shown as the page's word. */
  name: string | null;
  /** Bytes signed (the hash's length when only a hash is given). */
  size: number;
  /** SHA-256 of the content in hex; null when the page gave only a hash. */
  sha256: string | null;
  /** The whole content as text, when it is UTF-8 text of at most MAX_TEXT_CHARS characters. */
  text: string | null;
  /** Text too long to show: only its size and hash are shown. */
  textTooLong: boolean;
  /** The page gave only a hash: the window cannot show what it stands for. */
  hash: { hex: string; raw: boolean } | null;
}

/** Longest text the window shows whole (scrolling); longer text is summarized by size and hash. */
export const MAX_TEXT_CHARS = 2_000_000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });


/** `encodedText`: the text the bytes encode when the caller knows it (CAdES signs UTF-16LE); else UTF-8 is tried. */
export async function summarizeContent(bytes: Uint8Array, name: string | null = null, encodedText?: string): Promise<SignedSummary> {
  const sha256 = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(bytes))));
  let text: string | null = encodedText ?? null;
  try {
    text ??= strictUtf8.decode(bytes);
  } catch {
    // not UTF-8: size and hash only
  }
  const textTooLong = text !== null && text.length > MAX_TEXT_CHARS;
  return { name, size: bytes.length, sha256, text: textTooLong ? null : text, textTooLong, hash: null };
}

/** Only a hash is signed; `raw` when the result is a bare signature over it (it can sign anything). */
export function summarizeHash(hash: Uint8Array, raw: boolean): SignedSummary {
  return { name: null, size: hash.length, sha256: null, text: null, textTooLong: false, hash: { hex: toHex(hash), raw } };
}

/** A run of text: shown as is, or a visible stand-in for an invisible or reordering character. */
export interface TextSegment {
  text: string;
  control: boolean;
}

const NAMES: Record<number, string> = {
  0x09: 'TAB', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL', 0xad: 'SHY', 0x061c: 'ALM', 0x180e: 'MVS',
  0x200b: 'ZWSP', 0x200c: 'ZWNJ', 0x200d: 'ZWJ', 0x200e: 'LRM', 0x200f: 'RLM',
  0x2028: 'LS', 0x2029: 'PS', 0x202a: 'LRE', 0x202b: 'RLE', 0x202c: 'PDF', 0x202d: 'LRO', 0x202e: 'RLO',
  0x2060: 'WJ', 0x2066: 'LRI', 0x2067: 'RLI', 0x2068: 'FSI', 0x2069: 'PDI', 0xfeff: 'BOM',
};

/** Controls (but the line feed), format characters (bidi, zero-width, tags), separators, lone surrogates. */
const INVISIBLE = /(?:(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]|\p{Cs})/u;

function standIn(char: string): string {
  const code = char.codePointAt(0)!;
  return `[${NAMES[code] ?? `U+${code.toString(16).toUpperCase().padStart(4, '0')}`}]`;
}

/** Splits text into plain runs and visible stand-ins ("[RLO]", "[U+0007]"); line feeds stay line feeds. */
export function visibleSegments(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let plain = '';
  for (const char of text) {
    if (INVISIBLE.test(char)) {
      if (plain) out.push({ text: plain, control: false });
      plain = '';
      out.push({ text: standIn(char), control: true });
    } else {
      plain += char;
    }
  }
  if (plain) out.push({ text: plain, control: false });
  return out;
}

/** Characters and lines of the text, as the window states them. */
export function textLength(text: string): { characters: number; lines: number } {
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lines++;
  return { characters: text.length, lines };
}
