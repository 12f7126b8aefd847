// A date in full in the messages' language, local time: "12 марта 2028 г.", "March 12, 2028", what
// Intl's long date writes in ru and en (long-date.test.ts holds them to it). Not Intl.DateTimeFormat:
// a fresh window's first one loads ICU's date data, 7 to 21 ms measured on the way to its first
// certificate list (bench "window wait"). Month names and order come from the messages (dateMonths,
// dateLong), so the words stay in _locales.

/** browser.i18n.getMessage's shape (i18n.ts `t`). */
export type MessageLookup = (key: string, substitutions?: string | string[]) => string;

export function longDate(iso: string, message: MessageLookup): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const month = message('dateMonths').split(',')[date.getMonth()];
  if (month === undefined) return date.toISOString().slice(0, 10);
  return message('dateLong', [String(date.getDate()), month, String(date.getFullYear())]);
}
