// describeCertificate against OpenSSL's own reading of the same certificates.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../test/fixtures/pki';
import {
  CertificateParseError,
  certificateStatus,
  describeCertificate,
  escapeDnValue,
  expiresInDays,
} from './certificate';

let pki: TestPki;
let dir: string;

function openssl(args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A self-signed certificate made by OpenSSL in the test folder, as DER. */
function selfSigned(name: string, keyArgs: string[], extra: string[] = [], engine = false): Buffer {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const eng = engine ? ['-engine', 'gost'] : [];
  openssl(['genpkey', ...eng, ...keyArgs, '-out', key]);
  openssl(['req', ...eng, '-x509', '-new', '-key', key, '-days', '30', '-out', pem, ...extra]);
  const der = join(dir, `${name}.der`);
  openssl(['x509', '-in', pem, '-outform', 'DER', '-out', der]);
  return readFileSync(der);
}

beforeAll(() => {
  pki = createTestPki({ noTokens: true });
  dir = mkdtempSync(join(tmpdir(), 'tokensign-cert-test-'));
});
afterAll(() => {
  pki?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('describeCertificate', () => {
  it('reads the Russian subject fields of the director certificate', () => {
    const d = describeCertificate(readFileSync(pki.certs.rsa!.certDer));
    expect(d.subject).toEqual({
      commonName: 'Иванов Иван Иванович',
      surname: 'Иванов',
      givenName: 'Иван Иванович',
      title: 'Генеральный директор',
      organization: 'ООО "Ромашка"',
      inn: '007701234567',
      innle: '7701234567',
      ogrn: '1027700132195',
      snils: '11223344595',
      email: 'ivanov@romashka.example',
    });
    expect(d.subjectDN).toBe(
      'emailAddress=ivanov@romashka.example,SNILS=11223344595,OGRN=1027700132195,INNLE=7701234567,INN=007701234567,' +
        'L=Москва,C=RU,O=ООО \\"Ромашка\\",title=Генеральный директор,GN=Иван Иванович,SN=Иванов,CN=Иванов Иван Иванович',
    );
    expect(d.keyAlgorithm).toBe('RSA-2048');
    expect(d.keyUsage).toEqual(['digitalSignature', 'nonRepudiation']);
  });

  it('reads OGRNIP and leaves absent fields out', () => {
    const d = describeCertificate(readFileSync(pki.certs.p384!.certDer));
    expect(d.subject).toEqual({ commonName: 'Smith John', surname: 'Smith', givenName: 'John', title: 'Engineer', organization: 'Example Ltd', ogrnip: '304500116000157' });
    expect(d.keyAlgorithm).toBe('ECDSA-P384');
  });

  it('matches OpenSSL for DNs, serial, dates and fingerprint of every fixture certificate', () => {
    for (const c of Object.values(pki.certs)) {
      const d = describeCertificate(readFileSync(c.certDer));
      const out = openssl(['x509', '-in', c.certPem, '-noout', '-subject', '-issuer', '-serial', '-startdate', '-enddate', '-fingerprint', '-sha256', '-nameopt', 'RFC2253,-esc_msb']);
      const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(out)?.[1] ?? '';
      // OpenSSL 3.0 has no name for INNLE and dumps it as an OID: only compare where it knows every type.
      if (!c.subject.includes('INNLE')) expect(d.subjectDN, c.name).toBe(field('subject'));
      expect(d.issuerDN).toBe(field('issuer'));
      expect(d.issuerCommonName).toBe('Tokensign Test CA');
      expect(d.serialNumber).toBe(field('serial').toLowerCase().replace(/^0+/, ''));
      expect(new Date(d.notBefore).getTime()).toBe(new Date(field('notBefore')).getTime());
      expect(new Date(d.notAfter).getTime()).toBe(new Date(field('notAfter')).getTime());
      expect(d.thumbprint).toBe(field('sha256 Fingerprint').replace(/:/g, '').toLowerCase());
      expect(d.thumbprint).toBe(createHash('sha256').update(readFileSync(c.certDer)).digest('hex'));
      expect(d.status).toBe(c.expected);
      expect(Buffer.from(d.der, 'base64').equals(readFileSync(c.certDer))).toBe(true);
    }
  });

  it('names the key algorithms: RSA sizes, P-256/384/521, GOST 2012 256/512, else the OID', () => {
    expect(describeCertificate(selfSigned('rsa3072', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'], ['-subj', '/CN=r'])).keyAlgorithm).toBe('RSA-3072');
    expect(describeCertificate(readFileSync(pki.certs.p256!.certDer)).keyAlgorithm).toBe('ECDSA-P256');
    expect(describeCertificate(selfSigned('p521', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], ['-subj', '/CN=e'])).keyAlgorithm).toBe('ECDSA-P521');
    expect(describeCertificate(selfSigned('ed', ['-algorithm', 'ED25519'], ['-subj', '/CN=ed'])).keyAlgorithm).toBe('1.3.101.112');
    const g256 = selfSigned('g256', ['-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A'], ['-subj', '/CN=g', '-md_gost12_256'], true);
    expect(describeCertificate(g256).keyAlgorithm).toBe('GOST-2012-256');
    const g512 = selfSigned('g512', ['-algorithm', 'gost2012_512', '-pkeyopt', 'paramset:A'], ['-subj', '/CN=g', '-md_gost12_512'], true);
    expect(describeCertificate(g512).keyAlgorithm).toBe('GOST-2012-512');
  });

  it('names every key usage bit and returns [] without the extension', () => {
    const all = selfSigned('ku', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], [
      '-subj', '/CN=k',
      '-addext', 'keyUsage=digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,cRLSign,encipherOnly,decipherOnly',
    ]);
    expect(describeCertificate(all).keyUsage).toEqual([
      'digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly',
    ]);
    expect(describeCertificate(readFileSync(pki.caCertDer)).keyUsage).toEqual(['keyCertSign', 'cRLSign']);
    const none = selfSigned('noku', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['-subj', '/CN=n', '-config', '/dev/null', '-addext', 'basicConstraints=CA:FALSE']);
    expect(describeCertificate(none).keyUsage).toEqual([]);
  });

  it('escapes RFC 4514 specials and keeps multi-valued RDNs together', () => {
    const der = selfSigned('esc', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], [
      '-utf8', '-multivalue-rdn', '-subj', '/CN=#a\\,b;c<d>e\\+f\\\\g "q" +UID=u1/O= lead and trail /C=RU',
    ]);
    const d = describeCertificate(der);
    // Inside a multi-valued RDN the attributes keep their DER SET order (UID's OID sorts first).
    expect(d.subjectDN).toBe('C=RU,O=\\ lead and trail\\ ,UID=u1+CN=\\#a\\,b\\;c\\<d\\>e\\+f\\\\g \\"q\\"\\ ');
    expect(d.subject.commonName).toBe('#a,b;c<d>e+f\\g "q"');
  });

  it('refuses what is not a certificate with CertificateParseError', () => {
    expect(() => describeCertificate(new Uint8Array(0))).toThrow(CertificateParseError);
    expect(() => describeCertificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(CertificateParseError);
    expect(() => describeCertificate(Uint8Array.of(0xff, 0xff))).toThrow(CertificateParseError);
    const der = readFileSync(pki.certs.p256!.certDer);
    expect(() => describeCertificate(Buffer.concat([der, Buffer.from([0])]))).toThrow(CertificateParseError);
  });
});

describe('status and expiresInDays', () => {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2026-12-31T00:00:00Z');
  const at = (ms: number) => new Date(ms);

  it('is valid on both boundaries, expired a millisecond after, not yet valid a millisecond before', () => {
    expect(certificateStatus(notBefore, notAfter, notBefore)).toBe('valid');
    expect(certificateStatus(notBefore, notAfter, notAfter)).toBe('valid');
    expect(certificateStatus(notBefore, notAfter, at(notAfter.getTime() + 1))).toBe('expired');
    expect(certificateStatus(notBefore, notAfter, at(notBefore.getTime() - 1))).toBe('not-yet-valid');
  });

  it('floors (notAfter - now) / 1 day, negative once expired', () => {
    const day = 86_400_000;
    expect(expiresInDays(notAfter, at(notAfter.getTime() - day))).toBe(1);
    expect(expiresInDays(notAfter, at(notAfter.getTime() - day + 1))).toBe(0);
    expect(expiresInDays(notAfter, at(notAfter.getTime() - 1.5 * day))).toBe(1);
    expect(expiresInDays(notAfter, notAfter)).toBe(0);
    expect(expiresInDays(notAfter, at(notAfter.getTime() + 1))).toBe(-1);
    expect(expiresInDays(notAfter, at(notAfter.getTime() + 10 * day))).toBe(-10);
  });

  it('uses the given now for a real certificate', () => {
    const der = readFileSync(pki.certs.expired!.certDer); // 2024-01-01 .. 2025-12-31
    expect(describeCertificate(der, new Date('2023-06-01T00:00:00Z')).status).toBe('not-yet-valid');
    const inside = describeCertificate(der, new Date('2025-12-01T00:00:00Z'));
    expect(inside.status).toBe('valid');
    expect(inside.expiresInDays).toBe(30);
    const after = describeCertificate(der, new Date('2026-01-02T00:00:00Z'));
    expect(after.status).toBe('expired');
    expect(after.expiresInDays).toBe(-2);
  });
});

describe('escapeDnValue', () => {
  it('escapes per RFC 4514 §2.4', () => {
    expect(escapeDnValue('a,b+c"d\\e<f>g;h')).toBe('a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h');
    expect(escapeDnValue('#x')).toBe('\\#x');
    expect(escapeDnValue('x#')).toBe('x#');
    expect(escapeDnValue(' x ')).toBe('\\ x\\ ');
    expect(escapeDnValue('a\0b')).toBe('a\\00b');
    expect(escapeDnValue('Ёлка')).toBe('Ёлка');
  });
});

describe('browser safety', () => {
  it('imports nothing from node: (the extension and the relying party use it too)', () => {
    for (const file of ['certificate.ts', 'encoding.ts', 'sha256.ts']) {
      const text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:|require\(/);
      expect(text, file).not.toMatch(/\bBuffer\.(from|alloc|concat|isBuffer)/);
    }
  });
});
