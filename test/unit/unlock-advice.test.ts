// A locked PIN is explained with the same words in the picker window, the popup and the demo portal's page:
// a short line, then the advice.
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
    // The window's locked-PIN lines are short: the window says the advice after them, in plain type
    // (extension/picker/pin-texts.ts), rather than a paragraph all in bold red.
    for (const key of ['pinHintLocked', 'errorPinLocked', 'statePinLockedTitle']) {
      expect(m[key]!.message).not.toContain(m.unlockAdvice!.message);
      expect(m[key]!.message.length).toBeLessThan(40);
    }
  });
});
