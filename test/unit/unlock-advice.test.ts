// A locked PIN is explained with the same words in the picker window, the popup and the demo portal's page.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEXTS } from '../../relying-party/demo/i18n';
import { PROJECT_ROOT } from '../helpers/browser';

const messages = (lang: string): Record<string, { message: string }> =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'extension', '_locales', lang, 'messages.json'), 'utf8')) as Record<string, { message: string }>;

describe('unlock advice', () => {
  it.each(['ru', 'en'] as const)('%s: the demo page says what the window and the popup say', (lang) => {
    const m = messages(lang);
    expect(TEXTS[lang].errors.PIN_LOCKED).toContain(m.unlockAdvice!.message);
    // The window's locked-PIN messages carry the same advice.
    for (const key of ['pinHintLocked', 'errorPinLocked']) expect(m[key]!.message).toContain(m.unlockAdvice!.message);
  });
});
