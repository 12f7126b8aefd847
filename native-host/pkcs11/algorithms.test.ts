// The algorithm table: lookups, DigestInfo, raw ECDSA → DER against node:crypto.
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { algorithmForKey, chooseMechanism, digestInfo, ecdsaRawToDer, mechanismInput, SHA256 } from './algorithms';
import { CKM_ECDSA, CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS } from './constants';

describe('algorithm table', () => {
  it('finds entries by key algorithm, any RSA size, nothing for unknown keys', () => {
    for (const k of ['RSA-2048', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384', 'ECDSA-P521']) expect(algorithmForKey(k), k).toBeDefined();
    expect(algorithmForKey('ECDSA-P384')?.digest.name).toBe('SHA-384');
    expect(algorithmForKey('ECDSA-P521')?.signatureOid).toBe('1.2.840.10045.4.3.4');
    expect(algorithmForKey('1.3.101.112')).toBeUndefined();
  });

  it('prefers CKM_SHA256_RSA_PKCS and falls back to DigestInfo + CKM_RSA_PKCS', () => {
    const rsa = algorithmForKey('RSA-2048')!;
    expect(chooseMechanism(rsa, new Set([CKM_RSA_PKCS, CKM_SHA256_RSA_PKCS]))?.mechanism).toBe(CKM_SHA256_RSA_PKCS);
    const fallback = chooseMechanism(rsa, new Set([CKM_RSA_PKCS]))!;
    expect(fallback.mechanism).toBe(CKM_RSA_PKCS);
    const tbs = Buffer.from('to be signed');
    const input = mechanismInput(rsa, fallback, tbs);
    // What CKM_RSA_PKCS does to the DigestInfo (PKCS#1 v1.5 type 1 padding, private key
    // operation) gives exactly the sha256WithRSAEncryption signature of the message.
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const viaDigestInfo = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, input);
    expect(viaDigestInfo.equals(sign('sha256', tbs, privateKey))).toBe(true);
    expect(verify('sha256', tbs, publicKey, viaDigestInfo)).toBe(true);
    expect(chooseMechanism(rsa, new Set([CKM_ECDSA]))).toBeUndefined();
  });

  it('builds the RFC 8017 DigestInfo for SHA-256', () => {
    const hash = createHash('sha256').update('abc').digest();
    expect(Buffer.from(digestInfo(SHA256, hash)).toString('hex')).toBe(`3031300d060960864801650304020105000420${hash.toString('hex')}`);
  });

  it('turns raw r‖s into a DER signature node:crypto verifies, for every curve', () => {
    for (const [curve, hash] of [['P-256', 'sha256'], ['P-384', 'sha384'], ['P-521', 'sha512']] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      for (let i = 0; i < 20; i++) {
        const data = Buffer.from(`message ${i}`);
        const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
        const der = ecdsaRawToDer(new Uint8Array(raw));
        expect(verify(hash, data, { key: publicKey, dsaEncoding: 'der' }, der), `${curve} #${i}`).toBe(true);
      }
    }
    expect(() => ecdsaRawToDer(new Uint8Array(3))).toThrow();
  });

  it('writes minimal DER integers: leading zeros dropped, a 0x00 before a set top bit, zero as one byte', () => {
    const der = (hex: string) => Buffer.from(ecdsaRawToDer(Buffer.from(hex, 'hex'))).toString('hex');
    expect(der('0000017f' + '80000001')).toBe('300b' + '0202017f' + '02050080000001');
    expect(der('00000000' + '00ff0000')).toBe('3009' + '020100' + '020400ff0000');
    expect(der('0000' + '0000')).toBe('3006' + '020100' + '020100');
    // P-521 sized (66-byte halves, top bits set): the SEQUENCE length takes the 0x81 form.
    const big = der('ff'.repeat(66) + '01'.repeat(66));
    expect(big.slice(0, 10)).toBe('308189' + '0243');
    expect(big.length / 2).toBe(3 + 2 + 67 + 2 + 66);
  });
});
