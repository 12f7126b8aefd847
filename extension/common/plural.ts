// Counted phrases in the message language with the right plural form (Intl.PluralRules): a message
// key has one variant per CLDR category, e.g. signedBytes_one, signedBytes_few, signedBytes_many,
// signedBytes_other, each with $1 for the number.
import { uiLanguage } from './i18n';

export function plural(t: (key: string, substitutions?: string | string[]) => string, key: string, count: number): string {
  const category = new Intl.PluralRules(uiLanguage()).select(count);
  const text = t(`${key}_${category}`, String(count));
  return text === `${key}_${category}` ? t(`${key}_other`, String(count)) : text;
}
