// Tokens and certificates as the host lists them, for the background's unit tests (scripted hosts).
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';

export const DAY_MS = 86_400_000;

/** A token with a PIN, in slot 0 of module "m". */
export function testToken(serial: string, id = 'slot-0'): TokenInfo {
  return {
    id,
    module: 'm',
    slot: 0,
    label: `Token ${serial}`,
    manufacturer: 'maker',
    model: 'model',
    serial,
    pin: { loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false },
  };
}

/** A certificate with its key, valid from ten days ago until `notAfter` (400 days on). */
export function testCertificate(name: string, tokenId = 'slot-0', notAfter = new Date(Date.now() + 400 * DAY_MS)): CertificateInfo {
  return {
    id: name,
    tokenId,
    label: name,
    hasPrivateKey: true,
    der: '',
    thumbprint: name,
    subject: { commonName: name },
    subjectDN: `CN=${name}`,
    issuerDN: 'CN=CA',
    issuerCommonName: 'CA',
    serialNumber: '01',
    notBefore: new Date(Date.now() - 10 * DAY_MS).toISOString(),
    notAfter: notAfter.toISOString(),
    status: 'valid',
    expiresInDays: Math.floor((notAfter.getTime() - Date.now()) / DAY_MS),
    keyAlgorithm: 'ECDSA-P256',
    keyUsage: ['digitalSignature'],
  };
}
