// Which pages get the IFCPlugin adapter: the Gosuslugi origins, plus portals the user added.
import { isValidOrigin } from '../../shared/protocol';

/** Manifest match patterns of the built-in portals. */
export const IFC_BUILTIN_MATCHES = ['https://*.gosuslugi.ru/*', 'https://gosuslugi.ru/*'];

function isGosuslugiHost(hostname: string): boolean {
  return hostname === 'gosuslugi.ru' || hostname.endsWith('.gosuslugi.ru');
}

/** One DNS label: letters, digits and inner hyphens (IDN labels arrive as punycode). */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * One specific host (issue 14 item 9): at least two labels, a top-level label that is not a number
 * (no IP address), no wildcard, no empty label (no trailing dot).
 */
function isSpecificHost(hostname: string): boolean {
  const labels = hostname.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && /[a-z]/.test(labels[labels.length - 1]!);
}

/**
 * Turns what a person typed in the options ("portal.example.ru", "https://portal.example.ru/login")
 * into a host name to allow, or null when it is not an https site.
 */
export function parseUserPortal(input: string): string | null {
  const text = input.trim();
  if (!text) return null;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `https://${text}`);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password || !isSpecificHost(url.hostname)) return null;
  if (!isValidOrigin(`https://${url.hostname}`)) return null;
  return url.hostname;
}

/** The match pattern (any port) for a user portal's host name. */
export function userPortalPattern(hostname: string): string {
  return `https://${hostname}/*`;
}

/** True when `origin` (as the browser reports it) may use the adapter. */
export function isIfcOrigin(origin: string, userHosts: readonly string[]): boolean {
  if (!isValidOrigin(origin)) return false;
  const url = new URL(origin);
  if (url.protocol !== 'https:') return false;
  return isGosuslugiHost(url.hostname) || userHosts.includes(url.hostname);
}
