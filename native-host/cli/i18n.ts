// Russian or English, chosen by the locale like any POSIX program: LC_ALL, then LC_MESSAGES, then LANG.
export type Language = 'en' | 'ru';

export function detectLanguage(env: Readonly<Record<string, string | undefined>>): Language {
  for (const name of ['LC_ALL', 'LC_MESSAGES', 'LANG'] as const) {
    const value = env[name];
    if (value !== undefined && value !== '') return value.toLowerCase().startsWith('ru') ? 'ru' : 'en';
  }
  return 'en';
}

/** A text in both languages. */
export interface Text {
  en: string;
  ru: string;
}

export function tr(lang: Language, text: Text): string {
  return text[lang];
}
