// The window's dates, written from the messages without Intl.DateTimeFormat (long-date.ts), read as
// Intl's long date does in both languages: every month, single- and double-digit days, local time.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { longDate, type MessageLookup } from './long-date';

type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const localesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '_locales');

/** browser.i18n.getMessage over a messages.json: named placeholders, then $1…$9 (the key itself when missing, as i18n.ts's t). */
function lookup(lang: string): MessageLookup {
  const messages = JSON.parse(readFileSync(join(localesDir, lang, 'messages.json'), 'utf8')) as Messages;
  return (key, substitutions) => {
    const entry = messages[key];
    if (!entry) return key;
    const subs = substitutions === undefined ? [] : Array.isArray(substitutions) ? substitutions : [substitutions];
    let text = entry.message;
    for (const [name, { content }] of Object.entries(entry.placeholders ?? {})) text = text.split(`$${name.toUpperCase()}$`).join(content);
    return text.replace(/\$([1-9])/g, (_, n: string) => subs[Number(n) - 1] ?? '');
  };
}

describe('longDate', () => {
  for (const lang of ['ru', 'en']) {
    it(`writes dates as Intl's long date in ${lang}`, () => {
      const intl = new Intl.DateTimeFormat(lang, { year: 'numeric', month: 'long', day: 'numeric' });
      const message = lookup(lang);
      for (let month = 0; month < 12; month++) {
        for (const day of [1, 9, 28]) {
          const date = new Date(2024 + month, month, day, 23, 59, 59);
          expect(longDate(date.toISOString(), message)).toBe(intl.format(date));
        }
      }
    });
  }

  it('reads the day in local time, like the window', () => {
    const date = new Date(2030, 11, 31, 0, 30);
    expect(longDate(date.toISOString(), lookup('ru'))).toBe('31 декабря 2030 г.');
    expect(longDate(date.toISOString(), lookup('en'))).toBe('December 31, 2030');
  });

  it('gives back what is not a date, and the ISO day when the messages lack the months', () => {
    expect(longDate('not a date', lookup('ru'))).toBe('not a date');
    expect(longDate('2031-05-17T12:00:00.000Z', (key) => key)).toBe('2031-05-17');
  });
});
