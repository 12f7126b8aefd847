// Every user-facing string exists in English and Russian, with the same placeholders,
// and every key the code or the pages use is defined.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../manifest';

const extensionDir = join(dirname(fileURLToPath(import.meta.url)), '..');
type Messages = Record<string, { message: string; placeholders?: Record<string, { content: string }> }>;
const load = (lang: string): Messages => JSON.parse(readFileSync(join(extensionDir, '_locales', lang, 'messages.json'), 'utf8')) as Messages;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'ifc' || name === '_locales' ? [] : sources(path);
    return /\.(ts|html)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('locales', () => {
  const en = load('en');
  const ru = load('ru');

  it('ru and en define the same keys with the same placeholders', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en)) {
      expect(Object.keys(ru[key]!.placeholders ?? {}).sort(), key).toEqual(Object.keys(en[key]!.placeholders ?? {}).sort());
      expect(ru[key]!.message.trim().length, key).toBeGreaterThan(0);
      for (const name of Object.keys(en[key]!.placeholders ?? {})) {
        expect(en[key]!.message, key).toContain(`$${name.toUpperCase()}$`);
        expect(ru[key]!.message, key).toContain(`$${name.toUpperCase()}$`);
      }
    }
  });

  it('the Russian strings are Russian where the English ones are words', () => {
    const cyrillic = /[а-яё]/i;
    const sameOk = new Set(['dateLocale']);
    for (const key of Object.keys(en)) {
      // Single-word strings the same in both (a name, an example address) need no translation.
      const single = !/\s/.test(en[key]!.message.trim()) && en[key]!.message === ru[key]!.message;
      if (!sameOk.has(key) && !single) expect(ru[key]!.message, key).toMatch(cyrillic);
    }
    expect(ru.confirmAuthenticate!.message).toBe('Войти');
    expect(ru.confirmSign!.message).toBe('Подписать');
    expect(en.confirmAuthenticate!.message).toBe('Sign in');
    expect(en.confirmSign!.message).toBe('Sign');
  });

  it('every key used by the code, the pages and the manifest is defined', () => {
    const used = new Set<string>();
    for (const file of sources(extensionDir)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([A-Za-z]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/data-i18n(?:-title)?="([A-Za-z]+)"/g)) used.add(m[1]!);
      for (const m of text.matchAll(/'(reason[A-Z][A-Za-z]+|label[A-Z][A-Za-z]+)'/g)) used.add(m[1]!);
    }
    for (const target of ['chrome', 'firefox'] as const) {
      for (const m of JSON.stringify(buildManifest(target, '0.0.0')).matchAll(/__MSG_([A-Za-z]+)__/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(30);
    const missing = [...used].filter((key) => !(key in en));
    expect(missing).toEqual([]);
  });
});
