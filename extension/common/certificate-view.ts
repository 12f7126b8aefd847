// How a certificate is judged and described to the user (picker and popup share this).
import { EXPIRY_WARNING_DAYS, type CertificateInfo, type TokenInfo } from '../../shared/protocol';
import type { PickerAction } from './messages';

/** Why a certificate cannot be chosen, as a message key; null when it can. */
export type UnusableReason = 'reasonExpired' | 'reasonNotYetValid' | 'reasonNoKey' | 'reasonKeyUsage' | 'reasonPinLocked';

export function unusableReason(cert: CertificateInfo, token: TokenInfo | undefined, action: PickerAction): UnusableReason | null {
  if (cert.status === 'expired') return 'reasonExpired';
  if (cert.status === 'not-yet-valid') return 'reasonNotYetValid';
  if (!cert.hasPrivateKey) return 'reasonNoKey';
  // An empty list means no keyUsage extension: any use is allowed.
  if (cert.keyUsage.length > 0) {
    const fits = action === 'authenticate'
      ? cert.keyUsage.includes('digitalSignature')
      : cert.keyUsage.includes('digitalSignature') || cert.keyUsage.includes('nonRepudiation');
    if (!fits) return 'reasonKeyUsage';
  }
  if (token?.pin.locked) return 'reasonPinLocked';
  return null;
}

export function isExpiringSoon(cert: CertificateInfo): boolean {
  return cert.status === 'valid' && cert.expiresInDays < EXPIRY_WARNING_DAYS;
}

/** Owner's name as people write it: surname and given names when present, else the common name. */
export function ownerName(cert: CertificateInfo): string {
  const { surname, givenName, commonName } = cert.subject;
  if (surname && givenName) return `${surname} ${givenName}`;
  return commonName || cert.label || cert.subjectDN;
}

export interface IdentifierLine {
  key: 'labelInn' | 'labelInnLe' | 'labelOgrn' | 'labelOgrnip' | 'labelSnils';
  value: string;
}

/** Russian registry numbers that identify the owner and the organization. */
export function identifiers(cert: CertificateInfo): IdentifierLine[] {
  const s = cert.subject;
  const lines: IdentifierLine[] = [];
  if (s.inn) lines.push({ key: 'labelInn', value: s.inn });
  if (s.innle) lines.push({ key: 'labelInnLe', value: s.innle });
  if (s.ogrn) lines.push({ key: 'labelOgrn', value: s.ogrn });
  if (s.ogrnip) lines.push({ key: 'labelOgrnip', value: s.ogrnip });
  if (s.snils) lines.push({ key: 'labelSnils', value: s.snils });
  return lines;
}

/** One date formatter per locale: toLocaleDateString with options builds a new one on every call
 * (~0.3 ms each; a window of six certificates formats twelve dates per update). */
const dateFormats = new Map<string, Intl.DateTimeFormat | null>();

function dateFormat(locale: string): Intl.DateTimeFormat | null {
  let format = dateFormats.get(locale);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric' });
    } catch {
      format = null; // not a locale the browser knows
    }
    dateFormats.set(locale, format);
  }
  return format;
}

export function formatDate(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(locale)?.format(date) ?? date.toISOString().slice(0, 10);
}

/**
 * By usefulness: certificates that can be used first, the longest-valid first (one expiring in days
 * goes below the same person's certificate valid for years); then the ones that cannot be chosen.
 */
export function sortForDisplay(certificates: CertificateInfo[], tokens: TokenInfo[], action: PickerAction): CertificateInfo[] {
  const usable = (c: CertificateInfo) => unusableReason(c, tokens.find((t) => t.id === c.tokenId), action) === null;
  return [...certificates].sort(
    (a, b) =>
      Number(usable(b)) - Number(usable(a)) ||
      b.notAfter.localeCompare(a.notAfter) ||
      ownerName(a).localeCompare(ownerName(b)),
  );
}
