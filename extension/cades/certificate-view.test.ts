// The certificate fields the page's objects report, read from a certificate OpenSSL made: the SHA-1
// thumbprint as OpenSSL prints it, CryptoAPI-style names with quoting, key usage bits, EKU and policies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../shared/protocol';
import { cadesCertificate } from './certificate-view';

function makeCertificate(): { der: Buffer; sha1: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-cades-view-'));
  try {
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-utf8',
      '-subj', '/C=RU/O=ООО "Ромашка", филиал/CN=Иванов Иван/INN=007701234567', '-set_serial', '0x00c0ffee', '-outform', 'DER',
      '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation', '-addext', 'extendedKeyUsage=clientAuth,1.2.643.2.2.34.6',
      '-addext', 'certificatePolicies=1.2.643.100.113.1']);
    const sha1 = run(['x509', '-inform', 'DER', '-in', 'c.pem', '-noout', '-fingerprint', '-sha1']).toString().split('=')[1]!.trim().replace(/:/g, '');
    return { der: readFileSync(join(dir, 'c.pem')), sha1 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('cadesCertificate', () => {
  it('reports what CryptoPro reports for the same certificate', async () => {
    const { der, sha1 } = makeCertificate();
    const info = {
      der: der.toString('base64'), notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z', status: 'valid', hasPrivateKey: true, keyAlgorithm: 'ECDSA-P256',
    } as CertificateInfo;
    const view = await cadesCertificate(info);
    expect(view.thumbprint).toBe(sha1);
    expect(view.subjectName).toBe('INN=007701234567, CN=Иванов Иван, O="ООО ""Ромашка"", филиал", C=RU');
    expect(view.subjectSimpleName).toBe('Иванов Иван');
    expect(view.serialNumber).toBe('00C0FFEE');
    expect(view.keyUsage).toBe(128 | 64);
    expect(view.ekus).toEqual(['1.3.6.1.5.5.7.3.2', '1.2.643.2.2.34.6']);
    expect(view.policies).toEqual(['1.2.643.100.113.1']);
    expect(view.keyAlgorithmOid).toBe('1.2.840.10045.2.1');
    expect(view.keyLength).toBe(256);
  });
});
