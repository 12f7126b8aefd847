// How the window names the requesting site, following the browsers' own address display: the
// registrable domain (public-suffix rules) stands out and the rest is muted; an IDN is shown in
// Unicode when a browser would show it so, and in punycode when its letters could pass for others.
import { toUnicode } from 'punycode/punycode.js';
import { registrableDomain } from './public-suffix';

export interface SiteParts {
  /** "https://" */
  scheme: string;
  /** Labels left of the registrable domain, with the trailing dot ("esia."). */
  subdomain: string;
  registrable: string;
  /** ":8443", or "" for the scheme's default port. */
  port: string;
  /** The other form of the host (punycode beside Unicode, or Unicode beside punycode); null for plain ASCII names. */
  other: string | null;
  /** True when the host is shown in punycode because its Unicode form could deceive. */
  deceptive: boolean;
}

// Cyrillic letters that pass for Latin ones in common fonts.
const CYRILLIC_LOOKALIKES = /^[аесорхуькмнтвгпіјѕһӏԁԛԝүъы0-9-]+$/u;
const CYRILLIC_TLDS = new Set(['рф', 'рус', 'москва', 'дети', 'онлайн', 'сайт', 'орг', 'ком', 'бел', 'укр', 'срб', 'мкд', 'қаз', 'мон', 'бг']);
const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Han', 'Hiragana', 'Katakana', 'Hangul', 'Thai', 'Devanagari'];
const SCRIPT_RES = SCRIPTS.map((name) => new RegExp(`\\p{Script=${name}}`, 'u'));

/** The scripts of a label's letters (digits, hyphens and marks belong to none). */
function scriptsOf(label: string): Set<number> {
  const found = new Set<number>();
  for (const ch of label) {
    const index = SCRIPT_RES.findIndex((re) => re.test(ch));
    if (index >= 0) found.add(index);
    else if (/\p{L}/u.test(ch)) found.add(-1);
  }
  return found;
}

const JAPANESE = new Set([SCRIPTS.indexOf('Han'), SCRIPTS.indexOf('Hiragana'), SCRIPTS.indexOf('Katakana'), SCRIPTS.indexOf('Latin')]);

/** Whether a browser would show this decoded label in Unicode next to the given top-level label. */
function labelIsSafe(label: string, tld: string): boolean {
  const scripts = scriptsOf(label);
  if (scripts.has(-1)) return false;
  if (scripts.size > 1 && ![...scripts].every((s) => JAPANESE.has(s))) return false;
  if (scripts.has(SCRIPTS.indexOf('Cyrillic')) && CYRILLIC_LOOKALIKES.test(label) && !CYRILLIC_TLDS.has(tld)) return false;
  return true;
}

/** The host as a browser would display it, and whether its Unicode form was held back. */
export function displayHost(asciiHost: string): { shown: string; other: string | null; deceptive: boolean } {
  if (!asciiHost.split('.').some((l) => l.startsWith('xn--'))) return { shown: asciiHost, other: null, deceptive: false };
  let unicode: string;
  try {
    unicode = toUnicode(asciiHost);
  } catch {
    return { shown: asciiHost, other: null, deceptive: true };
  }
  const labels = unicode.split('.');
  const tld = labels.at(-1) ?? '';
  const safe = labels.every((label) => labelIsSafe(label, tld));
  return safe ? { shown: unicode, other: asciiHost, deceptive: false } : { shown: asciiHost, other: unicode, deceptive: true };
}

export function siteParts(origin: string): SiteParts {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { scheme: '', subdomain: '', registrable: origin, port: '', other: null, deceptive: false };
  }
  const host = url.hostname;
  const { shown, other, deceptive } = displayHost(host);
  const isIp = /^[\d.]+$/.test(host) || host.startsWith('[');
  const base = isIp ? null : registrableDomain(host);
  // The registrable domain in the shown form: as many trailing labels as it has.
  const count = base ? base.split('.').length : shown.split('.').length;
  const labels = shown.split('.');
  const registrable = labels.slice(-count).join('.');
  const subdomain = labels.length > count ? `${labels.slice(0, -count).join('.')}.` : '';
  return { scheme: `${url.protocol}//`, subdomain, registrable, port: url.port ? `:${url.port}` : '', other, deceptive };
}
