// How a certificate is judged and described to the user (picker and popup share this).
import { EXPIRY_WARNING_DAYS, type TokenInfo } from '../../shared/protocol';
import type { PickerAction, ShownCertificate } from './messages';

/** Why a certificate cannot be chosen, as a message key; null when it can. */
export type UnusableReason = 'reasonExpired' | 'reasonNotYetValid' | 'reasonNoKey' | 'reasonKeyUsage' | 'reasonPinLocked';

export function unusableReason(cert: ShownCertificate, token: TokenInfo | undefined, action: PickerAction): UnusableReason | null {
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

export function isExpiringSoon(cert: ShownCertificate): boolean {
  return cert.status === 'valid' && cert.expiresInDays < EXPIRY_WARNING_DAYS;
}

/** Owner's name as people write it: surname and given names when present, else the common name. */
export function ownerName(cert: ShownCertificate): string {
  const { surname, givenName, commonName } = cert.subject;
  if (surname && givenName) return `${surname} ${givenName}`;
  return commonName || cert.label || cert.subjectDN;
}

export interface IdentifierLine {
  key: 'labelInn' | 'labelInnLe' | 'labelOgrn' | 'labelOgrnip' | 'labelSnils';
  value: string;
}

/** Russian registry numbers that identify the owner and the organization. */
export function identifiers(cert: ShownCertificate): IdentifierLine[] {
  const s = cert.subject;
  const lines: IdentifierLine[] = [];
  if (s.inn) lines.push({ key: 'labelInn', value: s.inn });
  if (s.innle) lines.push({ key: 'labelInnLe', value: s.innle });
  if (s.ogrn) lines.push({ key: 'labelOgrn', value: s.ogrn });
  if (s.ogrnip) lines.push({ key: 'labelOgrnip', value: s.ogrnip });
  if (s.snils) lines.push({ key: 'labelSnils', value: s.snils });
  return lines;
}

/**
 * By usefulness: certificates that can be used first, the longest-valid first (one expiring in days
 * goes below the same person's certificate valid for years); then the ones that cannot be chosen.
 */
export function sortForDisplay<C extends ShownCertificate>(certificates: C[], tokens: TokenInfo[], action: PickerAction): C[] {
  const usable = (c: ShownCertificate) => unusableReason(c, tokens.find((t) => t.id === c.tokenId), action) === null;
  return [...certificates].sort((a, b) => Number(usable(b)) - Number(usable(a)) || byCodePoints(b.notAfter, a.notAfter) || byCodePoints(ownerName(a), ownerName(b)));
}

/**
 * Plain order, not localeCompare: that builds an ICU collator, which in a fresh window took longer
 * than the rest of its first list (bench "window wait"). The dates are ISO strings; owner names only
 * break ties between certificates that end in the same second, where any fixed order will do.
 */
function byCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
