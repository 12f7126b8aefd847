// Every user-facing string comes from _locales through browser.i18n (the browser's language).
import browser from 'webextension-polyfill';

export function t(key: string, substitutions?: string | string[]): string {
  return browser.i18n.getMessage(key, substitutions) || key;
}

/** The language the messages are shown in (also used for dates), e.g. "ru" or "en". */
export function uiLanguage(): string {
  // Taken from the messages themselves: the browser may pick a message language other than its UI one.
  return browser.i18n.getMessage('dateLocale') || browser.i18n.getUILanguage() || 'en';
}

/**
 * A counted phrase: `<base>_<category>` by the language's plural rules (ru: one/few/many/other;
 * en: one/other). Every key exists in both languages (locales.test.ts), so any category resolves.
 */
export function plural(base: string, count: number): string {
  const category = pluralRules(uiLanguage()).select(count);
  return t(`${base}_${category}`, String(count));
}

/** One Intl.PluralRules per language (a window shows a counted phrase per certificate). */
const rulesByLanguage = new Map<string, Intl.PluralRules>();
function pluralRules(language: string): Intl.PluralRules {
  let rules = rulesByLanguage.get(language);
  if (!rules) {
    rules = new Intl.PluralRules(language);
    rulesByLanguage.set(language, rules);
  }
  return rules;
}

/** Fills every element with data-i18n="<message key>" and sets the document language. */
export function localizeDocument(doc: Document): void {
  doc.documentElement.lang = uiLanguage();
  for (const el of doc.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const key = el.dataset.i18n;
    if (key) el.textContent = t(key);
  }
  for (const el of doc.querySelectorAll<HTMLElement>('[data-i18n-title]')) {
    const key = el.dataset.i18nTitle;
    if (key) el.title = t(key);
  }
}

/** Shorthand for building DOM without innerHTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}
