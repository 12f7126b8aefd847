// The SignedData builder with software keys (node:crypto), checked by OpenSSL and pkijs:
// the same builder serves every algorithm through its sign() callback.
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../test/fixtures/pki';
import { isDerSorted, opensslVerify, pkijsVerify, readCms, REQUIRED_SIGNED_ATTRIBUTES } from '../../test/helpers/cms-verify';
import { algorithmForKey, ecdsaRawToDer } from '../pkcs11/algorithms';
import { buildSignedData } from './signed-data';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki({ noTokens: true });
});
afterAll(() => pki?.cleanup());

function softwareSigner(name: 'rsa' | 'p256' | 'p384') {
  const key = createPrivateKey(readFileSync(pki.certs[name]!.keyPem));
  const hash = name === 'p384' ? 'sha384' : 'sha256';
  // Like the token: RSA PKCS#1 v1.5 over the message; ECDSA raw r‖s then converted to DER.
  return (tbs: Uint8Array) =>
    name === 'rsa' ? new Uint8Array(cryptoSign(hash, tbs, key)) : ecdsaRawToDer(new Uint8Array(cryptoSign(hash, tbs, { key, dsaEncoding: 'ieee-p1363' })));
}

/** A detached RSA-2048 CMS over "x", signed now or at `signingTime`. */
function signRsaDetached(signingTime?: Date) {
  return buildSignedData({
    certificateDer: readFileSync(pki.certs.rsa!.certDer),
    content: Buffer.from('x'),
    detached: true,
    algorithm: algorithmForKey('RSA-2048')!,
    sign: softwareSigner('rsa'),
    ...(signingTime ? { signingTime } : {}),
  });
}

describe('buildSignedData', () => {
  it.each([
    ['rsa', 'RSA-2048', '1.2.840.113549.1.1.11'],
    ['p256', 'ECDSA-P256', '1.2.840.10045.4.3.2'],
    ['p384', 'ECDSA-P384', '1.2.840.10045.4.3.3'],
  ] as const)('signs %s detached and attached; OpenSSL and pkijs verify', async (name, keyAlgorithm, sigOid) => {
    const algorithm = algorithmForKey(keyAlgorithm)!;
    const certificateDer = readFileSync(pki.certs[name]!.certDer);
    const content = Buffer.from(`content for ${name}`);
    let signedBytes: Uint8Array | undefined;
    const sign = softwareSigner(name);
    for (const detached of [true, false]) {
      const { cms, signedAttributes } = await buildSignedData({
        certificateDer,
        content,
        detached,
        algorithm,
        sign: (tbs) => {
          signedBytes = tbs;
          return sign(tbs);
        },
        signingTime: new Date('2026-03-04T05:06:07.890Z'),
      });
      // sign() received exactly the SET-tagged DER of the signed attributes.
      expect(signedBytes?.[0]).toBe(0x31);
      expect(Buffer.from(signedBytes!).equals(Buffer.from(signedAttributes))).toBe(true);
      const s = readCms(cms);
      expect(s.signatureAlgorithm).toBe(sigOid);
      expect(s.signedAttributeOids.slice().sort()).toEqual(REQUIRED_SIGNED_ATTRIBUTES.slice().sort());
      expect(isDerSorted(s.signedAttributeDers)).toBe(true);
      // The [0] IMPLICIT attributes in the SignerInfo are the very bytes that were signed.
      expect(Buffer.concat(s.signedAttributeDers).equals(Buffer.from(signedAttributes).subarray(signedAttributes.length - Buffer.concat(s.signedAttributeDers).length))).toBe(true);
      expect(s.signingTime?.toISOString()).toBe('2026-03-04T05:06:07.000Z');
      expect(s.certificates[0]!.equals(certificateDer)).toBe(true);
      expect(s.essCertHash?.equals(createHash('sha256').update(certificateDer).digest())).toBe(true);
      expect(s.eContent === null).toBe(detached);
      const openssl = detached ? opensslVerify(cms, pki.caCertPem, content) : opensslVerify(cms, pki.caCertPem);
      expect(openssl.stderr).toBe('');
      expect(openssl.content.equals(content)).toBe(true);
      expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), detached ? content : undefined)).toBe(true);
    }
  });

  it('writes attached content over 64 KiB as one primitive OCTET STRING (DER, not BER pieces)', async () => {
    const content = Buffer.alloc(200_000, 0x5a);
    const { cms } = await buildSignedData({
      certificateDer: readFileSync(pki.certs.p256!.certDer),
      content,
      detached: false,
      algorithm: algorithmForKey('ECDSA-P256')!,
      sign: softwareSigner('p256'),
    });
    const s = readCms(cms);
    expect(s.eContentPrimitive).toBe(true);
    expect(s.eContent?.equals(content)).toBe(true);
    expect(opensslVerify(cms, pki.caCertPem).ok).toBe(true);
  });

  it('produces a CMS OpenSSL reads with the attributes and algorithms of §2', async () => {
    const { cms } = await signRsaDetached();
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms, encoding: 'utf8' });
    expect(printed).toMatch(/version: 1/);
    expect(printed).toMatch(/eContent: <ABSENT>/);
    expect(printed).toMatch(/d\.issuerAndSerialNumber/);
    for (const attr of ['contentType', 'signingTime', 'messageDigest', 'id-smime-aa-signingCertificateV2']) expect(printed).toContain(attr);
  });

  it('a signature from the wrong key does not verify', async () => {
    const { cms } = await buildSignedData({
      certificateDer: readFileSync(pki.certs.p256!.certDer),
      content: Buffer.from('x'),
      detached: true,
      algorithm: algorithmForKey('ECDSA-P256')!,
      sign: (tbs) => {
        const other = createPrivateKey(readFileSync(pki.certs.expired!.keyPem));
        return ecdsaRawToDer(new Uint8Array(cryptoSign('sha256', tbs, { key: other, dsaEncoding: 'ieee-p1363' })));
      },
    });
    expect(opensslVerify(cms, pki.caCertPem, Buffer.from('x')).ok).toBe(false);
    expect(await pkijsVerify(cms, readFileSync(pki.caCertDer), Buffer.from('x'))).toBe(false);
  });
  it('follows the certificate bytes, not the buffer: a buffer reused for another certificate names that one', async () => {
    const p256 = readFileSync(pki.certs.p256!.certDer);
    const p384 = readFileSync(pki.certs.p384!.certDer);
    const algorithm = algorithmForKey('ECDSA-P256')!;
    const buffer = Buffer.alloc(Math.max(p256.length, p384.length));
    const serialOf = (der: Buffer) => execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-serial'], { input: der, encoding: 'utf8' }).trim().split('=')[1]!.toLowerCase();
    for (const der of [p256, p384, p256]) {
      buffer.fill(0);
      der.copy(buffer);
      const certificateDer = buffer.subarray(0, der.length);
      const { cms } = await buildSignedData({ certificateDer, content: Buffer.from('x'), detached: true, algorithm, sign: () => new Uint8Array(8) });
      const s = readCms(cms);
      expect(s.certificates[0]!.equals(der)).toBe(true);
      expect(s.essCertHash?.equals(createHash('sha256').update(der).digest())).toBe(true);
      expect(s.sidSerialHex.replace(/^0+/, '')).toBe(serialOf(der).replace(/^0+/, ''));
    }
  });

  it.each([
    ['2049-12-31T23:59:59.999Z', '2049-12-31T23:59:59.000Z', 0x17],
    ['2050-01-01T00:00:00.000Z', '2050-01-01T00:00:00.000Z', 0x18],
    ['1949-12-31T23:59:59.000Z', '1949-12-31T23:59:59.000Z', 0x18],
  ])('writes signingTime %s as UTCTime before 2050 and GeneralizedTime otherwise (RFC 5652)', async (at, expected, tag) => {
    const { cms } = await signRsaDetached(new Date(at));
    const s = readCms(cms);
    expect(s.signingTime?.toISOString()).toBe(expected);
    const attribute = s.signedAttributeDers.find((d) => d.includes(Buffer.from('06092a864886f70d010905', 'hex')))!;
    // SEQUENCE { OID signingTime, SET { time } }: the time's tag follows the SET header.
    expect(attribute[attribute.length - (tag === 0x17 ? 15 : 17)]).toBe(tag);
    expect(opensslVerify(cms, pki.caCertPem, Buffer.from('x')).ok).toBe(true);
  });
});
