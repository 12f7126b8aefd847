// OCSP answers and CRLs made by hand to be wrong in ways a seeded mutation rarely finds (fields missing by
// position): each is a RevocationUnavailable naming the problem, never a TypeError out of a login.
import { describe, expect, it } from 'vitest';
import { readCrl } from './crl';
import { RevocationUnavailable } from './fetch';
import { readOcspResponse } from './ocsp';
import type { ParsedCertificate } from '../x509';

const NO_CERTIFICATE = {} as ParsedCertificate;
/** A CA named by the empty Name (DER 30 00), as the hand-made CRLs name their issuer. */
const EMPTY_NAMED_CA = { subjectRaw: Buffer.from('3000', 'hex'), subjectLabel: '(empty name)' } as unknown as ParsedCertificate;

function reason(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e, (e as Error).stack).toBeInstanceOf(RevocationUnavailable);
    return (e as Error).message;
  }
  throw new Error('accepted');
}

describe('hand-made bad OCSP answers', () => {
  it.each([
    ['an empty ResponseBytes', '30070a0100a0023000', /responseType is missing/],
    ['no responseBytes', '30030a0100', /responseBytes is missing/],
    ['ResponseBytes without its response', '30110a0100a00c300a06092b0601050507300101', /malformed/],
    ['a BasicOCSPResponse with an empty ResponseData', '30150a0100a010300e06092b06010505073001010401' + '30', /malformed/],
    ['tryLater', '30030a0103', /answered tryLater/],
  ])('%s', (_, hex, message) => {
    const ctx = { cert: NO_CERTIFICATE, issuer: NO_CERTIFICATE, now: Date.now(), skew: 0 };
    expect(reason(() => readOcspResponse(Buffer.from(hex, 'hex'), ctx, new Uint8Array(32)))).toMatch(message);
  });

  it('a BasicOCSPResponse whose fields are all missing', () => {
    // ResponseData SEQUENCE {} inside BasicOCSPResponse SEQUENCE { SEQUENCE {} }
    const basic = Buffer.from('30023000', 'hex');
    const octets = Buffer.concat([Buffer.from([0x04, basic.length]), basic]);
    const bytes = Buffer.concat([Buffer.from('06092b0601050507300101', 'hex'), octets]);
    const responseBytes = Buffer.concat([Buffer.from([0x30, bytes.length]), bytes]);
    const wrapped = Buffer.concat([Buffer.from([0xa0, responseBytes.length]), responseBytes]);
    const der = Buffer.concat([Buffer.from([0x30, wrapped.length + 3, 0x0a, 0x01, 0x00]), wrapped]);
    const ctx = { cert: NO_CERTIFICATE, issuer: NO_CERTIFICATE, now: Date.now(), skew: 0 };
    expect(reason(() => readOcspResponse(der, ctx, new Uint8Array(32)))).toMatch(/responderID is missing/);
  });
});

describe('hand-made bad CRLs', () => {
  it.each([
    ['an empty CertificateList', '3000', /TBSCertList/],
    ['an empty TBSCertList', '30023000', /missing/],
    ['a TBSCertList with only a version', '30053003020101', /TBSCertList.signature is missing/],
    ['no signatureAlgorithm after the TBSCertList', '3020301e300b06092a864886f70d01010b3000170d3236313230343030303030305a', /CertificateList.signatureAlgorithm is missing/],
  ])('%s', (_, hex, message) => {
    expect(reason(() => readCrl(Buffer.from(hex, 'hex'), EMPTY_NAMED_CA, Date.now(), 0))).toMatch(message);
  });
});
