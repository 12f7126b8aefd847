// verifyAuthentication against CMS made by OpenSSL: every accepted shape, every §4 error code
// reached by a real input (OpenSSL-made, then tampered where the case needs it).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCertificate } from '../shared/certificate';
import { authPayload } from '../shared/protocol';
import { VerificationError, verifyAuthentication, type VerificationErrorCode, type VerifyAuthenticationOptions } from './index';
import {
  DIRECTOR_SUBJECT,
  QUALIFIED_EXTENSIONS,
  createOpensslPki,
  opensslSign,
  opensslVerify,
  type IssuedCertificate,
  type OpensslPki,
  type OpensslSignOptions,
} from './testing/openssl-pki';

const ORIGIN = 'https://esia.gosuslugi.ru';
const CHALLENGE = 'q3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg';
let pki: OpensslPki;
let rootPem: string;

beforeAll(() => {
  pki = createOpensslPki();
  rootPem = readFileSync(pki.root.certPem, 'utf8');
});
afterAll(() => pki?.cleanup());

function sign(signer: IssuedCertificate, opts: Partial<OpensslSignOptions> = {}, origin = ORIGIN, challenge = CHALLENGE): Buffer {
  return opensslSign(pki, { signer, content: authPayload(origin, challenge), ...opts });
}

function responseOf(cms: Uint8Array, cert: IssuedCertificate): { format: string; cms: string; certificate: string } {
  return { format: 'tokensign-auth:1', cms: Buffer.from(cms).toString('base64'), certificate: cert.der.toString('base64') };
}

// This PKI publishes no OCSP responder or CRL: revocation has its own tests (test/integration/rp-revocation.test.ts).
const NO_REVOCATION = { mode: 'off' } as const;

function verify(response: unknown, extra: Partial<VerifyAuthenticationOptions> = {}) {
  return verifyAuthentication({ response, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [rootPem], revocation: NO_REVOCATION, ...extra });
}

async function expectCode(run: () => Promise<unknown>, code: VerificationErrorCode, message?: RegExp): Promise<VerificationError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected VerificationError ${code}`).toBeInstanceOf(VerificationError);
  const err = caught as VerificationError;
  expect(err.code, err.message).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

describe('accepts what OpenSSL signs correctly', () => {
  it('RSA PKCS#1 v1.5, SHA-256: returns the certificate fields of §2 and signingTime', async () => {
    const before = Date.now();
    const cms = sign(pki.leaves.rsa);
    expect(opensslVerify(pki, cms, authPayload(ORIGIN, CHALLENGE), pki.root)).toBe(true);
    const { certificate, signedAt, revocation } = await verify(responseOf(cms, pki.leaves.rsa));
    const described = describeCertificate(pki.leaves.rsa.der);
    // The §2 description, plus what the certificate says about its signer: this one carries none of the
    // qualified-certificate facts, and names an organization (INNLE and OGRN).
    expect(certificate).toEqual({
      ...described,
      qualified: false,
      qualification: {
        subjectSignTool: null,
        issuerSignTool: null,
        protectionClasses: [],
        missing: ['subjectSignTool (1.2.643.100.111)', 'issuerSignTool (1.2.643.100.112)', 'a protection class policy (1.2.643.100.113.x)'],
      },
      holder: 'legal-entity',
    });
    expect(revocation).toEqual({ status: 'not-checked', source: null, checkedAt: null });
    expect(certificate.subject.commonName).toBe('Иванов Иван Иванович');
    expect(certificate.subject.organization).toBe('ООО "Ромашка"');
    expect(certificate.subject.title).toBe('Генеральный директор');
    expect(certificate.subject.inn).toBe('007701234567');
    expect(certificate.subject.ogrn).toBe('1027700132195');
    expect(certificate.status).toBe('valid');
    expect(certificate.keyAlgorithm).toBe('RSA-2048');
    expect(certificate.keyUsage).toContain('digitalSignature');
    const serial = execFileSync('openssl', ['x509', '-in', pki.leaves.rsa.certPem, '-noout', '-serial'], { encoding: 'utf8' });
    expect(certificate.serialNumber).toBe(serial.trim().replace(/^serial=0*/, '').toLowerCase());
    // openssl writes signingTime with second precision
    expect(signedAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(signedAt.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('RSA-PSS (salt 32 and the OpenSSL default)', async () => {
    for (const saltlen of ['32', 'digest', 'max']) {
      const cms = sign(pki.leaves.rsa, { extra: ['-keyopt', 'rsa_padding_mode:pss', '-keyopt', `rsa_pss_saltlen:${saltlen}`] });
      expect(execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], { input: cms, encoding: 'utf8' })).toMatch(/rsassaPss/);
      expect((await verify(responseOf(cms, pki.leaves.rsa))).certificate.subject.inn).toBe('007701234567');
    }
  });

  it('ECDSA P-256 / SHA-256, P-384 / SHA-384, P-521 / SHA-512', async () => {
    const cases: [IssuedCertificate, OpensslSignOptions['md'], string][] = [
      [pki.leaves.p256, 'sha256', 'ECDSA-P256'],
      [pki.leaves.p384, 'sha384', 'ECDSA-P384'],
      [pki.leaves.p521, 'sha512', 'ECDSA-P521'],
    ];
    for (const [leaf, md, keyAlgorithm] of cases) {
      const cms = sign(leaf, { md });
      expect((await verify(responseOf(cms, leaf))).certificate.keyAlgorithm).toBe(keyAlgorithm);
    }
  });

  it('signer named by subject key identifier (-keyid), CAdES attributes (-cades), attached content (-nodetach), no certificates (-nocerts)', async () => {
    for (const extra of [['-keyid'], ['-cades'], ['-nodetach'], ['-nodetach', '-keyid', '-cades'], ['-nocerts']]) {
      const cms = sign(pki.leaves.p256, { extra });
      expect((await verify(responseOf(cms, pki.leaves.p256))).certificate.subject.commonName).toBe('Петрова Анна Сергеевна');
    }
  });

  it('chains through an intermediate carried in the CMS, trusting DER bytes as well as PEM', async () => {
    const cms = sign(pki.leaves.viaIntermediate, { certfile: [pki.intermediate] });
    expect((await verify(responseOf(cms, pki.leaves.viaIntermediate))).certificate.issuerCommonName).toBe('Tokensign RP Test Issuing CA');
    const result = await verify(responseOf(cms, pki.leaves.viaIntermediate), { trustedCertificates: [pki.otherRoot.der, pki.root.der] });
    expect(result.certificate.subject.commonName).toBe('Через Промежуточный');
    // trusting the issuing CA directly is enough
    const direct = await verify(responseOf(sign(pki.leaves.viaIntermediate), pki.leaves.viaIntermediate), {
      trustedCertificates: [readFileSync(pki.intermediate.certPem, 'utf8')],
    });
    expect(direct.certificate.subject.commonName).toBe('Через Промежуточный');
  });

  it('BER with indefinite lengths (openssl -stream), attached and detached', async () => {
    for (const extra of [['-stream'], ['-stream', '-nodetach']]) {
      const cms = sign(pki.leaves.rsa, { extra });
      expect(cms[1], 'openssl wrote indefinite length').toBe(0x80);
      expect((await verify(responseOf(cms, pki.leaves.rsa))).certificate.subject.commonName).toBe('Иванов Иван Иванович');
    }
  });

  it('takes the origin the page client added as information only', async () => {
    const cms = sign(pki.leaves.p256);
    const response = { ...responseOf(cms, pki.leaves.p256), origin: ORIGIN };
    expect((await verify(response)).certificate.subject.commonName).toBe('Петрова Анна Сергеевна');
  });
});

describe('what the certificate says about its signer', () => {
  const issueQualified = (name: string, subject: string) =>
    pki.issue(name, { key: 'p256', subject, issuer: pki.root, extensions: 'qualified', extfile: QUALIFIED_EXTENSIONS });

  it('qualified: both signing-tool extensions and a protection class policy, each fact named', async () => {
    const head = issueQualified('qualifiedHead', DIRECTOR_SUBJECT);
    const { certificate } = await verify(responseOf(sign(head), head));
    expect(certificate.qualified).toBe(true);
    expect(certificate.qualification).toEqual({
      subjectSignTool: 'Tokensign test signing tool',
      issuerSignTool: ['Tokensign test CA signing tool', 'Tokensign test CA software', 'Test conformity certificate 1', 'Test conformity certificate 2'],
      protectionClasses: ['KC1', 'KC2'],
      missing: [],
    });
    expect(certificate.holder).toBe('legal-entity');
    expect(certificate.subject.title).toBe('Генеральный директор');
  });

  it('holder: an organization (INNLE and OGRN), an individual entrepreneur (OGRNIP), a private person (SNILS/INN only)', async () => {
    const entrepreneur = issueQualified('entrepreneur', '/CN=Соколов Пётр/C=RU/INN=500100732259/OGRNIP=304500116000157/SNILS=12345678964');
    const person = issueQualified('person', '/CN=Морозова Ольга/C=RU/INN=500100732259/SNILS=12345678964');
    const innOnly = issueQualified('innOnly', '/CN=Без ОГРН/O=ООО "Без ОГРН"/C=RU/INNLE=7701234567');
    for (const [leaf, holder] of [[entrepreneur, 'entrepreneur'], [person, 'person'], [innOnly, 'person']] as const) {
      const { certificate } = await verify(responseOf(sign(leaf), leaf));
      expect(certificate.holder, leaf.name).toBe(holder);
      expect(certificate.qualified).toBe(true);
    }
  });

  it('not qualified: says which facts are missing', async () => {
    const { certificate } = await verify(responseOf(sign(pki.leaves.p256), pki.leaves.p256));
    expect(certificate.qualified).toBe(false);
    expect(certificate.qualification.missing).toHaveLength(3);
    expect(certificate.holder).toBe('person');
  });
});

describe('refuses, with the §4 code', () => {
  it('FORMAT: garbage, non-base64, a wrong format name, a truncated CMS, a non-object', async () => {
    const good = responseOf(sign(pki.leaves.p256), pki.leaves.p256);
    await expectCode(() => verify({ ...good, cms: Buffer.from('hello, not a CMS').toString('base64') }), 'FORMAT', /CMS/);
    await expectCode(() => verify({ ...good, cms: '%%% not base64 %%%' }), 'FORMAT', /base64/);
    await expectCode(() => verify({ ...good, format: 'webeid:1' }), 'FORMAT', /format/);
    await expectCode(() => verify({ ...good, cms: Buffer.from(good.cms, 'base64').subarray(0, 200).toString('base64') }), 'FORMAT');
    await expectCode(() => verify({ ...good, certificate: Buffer.from('not a certificate').toString('base64') }), 'FORMAT', /certificate/);
    await expectCode(() => verify(null), 'FORMAT');
    await expectCode(() => verify('a string'), 'FORMAT');
    await expectCode(() => verify({ format: 'tokensign-auth:1' }), 'FORMAT', /cms/);
  });

  it('FORMAT: two signers', async () => {
    const cms = sign(pki.leaves.p256, { secondSigner: pki.leaves.p384 });
    await expectCode(() => verify(responseOf(cms, pki.leaves.p256)), 'FORMAT', /2 signers/);
  });

  it('FORMAT: a SHA-1 digest is not accepted', async () => {
    for (const leaf of [pki.leaves.p256, pki.leaves.rsa]) {
      const cms = sign(leaf, { md: 'sha1' });
      await expectCode(() => verify(responseOf(cms, leaf)), 'FORMAT', /SHA-1.*not accepted/);
    }
  });

  it('SIGNATURE_INVALID: one byte of the signature changed', async () => {
    for (const leaf of [pki.leaves.rsa, pki.leaves.p256]) {
      const cms = Buffer.from(sign(leaf));
      cms[cms.length - 3] = cms[cms.length - 3]! ^ 0x01; // the signature value is the last field of the DER
      expect(opensslVerify(pki, cms, authPayload(ORIGIN, CHALLENGE), pki.root)).toBe(false);
      await expectCode(() => verify(responseOf(cms, leaf)), 'SIGNATURE_INVALID');
    }
  });

  it('SIGNATURE_INVALID: a signed attribute changed (signingTime moved by one second)', async () => {
    const cms = Buffer.from(sign(pki.leaves.p256));
    // signingTime is UTCTime "YYMMDDHHMMSSZ" after its OID 1.2.840.113549.1.9.5
    const oid = Buffer.from('06092a864886f70d010905', 'hex');
    const at = cms.indexOf(oid);
    expect(at).toBeGreaterThan(0);
    const secondsDigit = at + oid.length + 2 + 2 + 11; // SET header, UTCTime header, then YYMMDDHHMMS|S
    cms[secondsDigit] = cms[secondsDigit] === 0x30 ? 0x31 : 0x30;
    await expectCode(() => verify(responseOf(cms, pki.leaves.p256)), 'SIGNATURE_INVALID', /does not verify/);
  });

  it('SIGNATURE_INVALID: response.certificate is not the signer', async () => {
    const cms = sign(pki.leaves.p256);
    await expectCode(() => verify(responseOf(cms, pki.leaves.p384)), 'SIGNATURE_INVALID', /not response\.certificate/);
    const noattr = sign(pki.leaves.p256, { extra: ['-keyid'] });
    await expectCode(() => verify(responseOf(noattr, pki.leaves.p384)), 'SIGNATURE_INVALID', /subject key identifier/);
  });

  it('CONTENT_MISMATCH: another origin, another challenge, attached content that differs', async () => {
    const phished = sign(pki.leaves.p256, {}, 'https://esia.gosuslugi.ru.evil.example');
    await expectCode(() => verify(responseOf(phished, pki.leaves.p256)), 'CONTENT_MISMATCH', /another site/);
    const relayed = { ...responseOf(phished, pki.leaves.p256), origin: 'https://esia.gosuslugi.ru.evil.example' };
    await expectCode(() => verify(relayed), 'CONTENT_MISMATCH', /evil\.example/);
    const otherChallenge = sign(pki.leaves.p256, {}, ORIGIN, 'A'.repeat(43));
    await expectCode(() => verify(responseOf(otherChallenge, pki.leaves.p256)), 'CONTENT_MISMATCH');
    const attached = sign(pki.leaves.rsa, { extra: ['-nodetach'] }, ORIGIN, 'B'.repeat(43));
    await expectCode(() => verify(responseOf(attached, pki.leaves.rsa)), 'CONTENT_MISMATCH');
  });

  it('CERTIFICATE_EXPIRED and CERTIFICATE_NOT_YET_VALID', async () => {
    await expectCode(() => verify(responseOf(sign(pki.leaves.expired), pki.leaves.expired)), 'CERTIFICATE_EXPIRED', /2021-12-31/);
    await expectCode(() => verify(responseOf(sign(pki.leaves.notYet), pki.leaves.notYet)), 'CERTIFICATE_NOT_YET_VALID', /2040-01-01/);
  });

  it('CHAIN_UNTRUSTED: another root, a missing intermediate, an intermediate without keyCertSign', async () => {
    await expectCode(() => verify(responseOf(sign(pki.leaves.untrusted), pki.leaves.untrusted)), 'CHAIN_UNTRUSTED', /Somebody Else Root/);
    await expectCode(() => verify(responseOf(sign(pki.leaves.viaIntermediate), pki.leaves.viaIntermediate)), 'CHAIN_UNTRUSTED', /Issuing CA/);
    const weak = sign(pki.leaves.viaWeakIntermediate, { certfile: [pki.weakIntermediate] });
    await expectCode(() => verify(responseOf(weak, pki.leaves.viaWeakIntermediate)), 'CHAIN_UNTRUSTED', /keyCertSign/);
    // trusting only a root that did not issue it
    expectCode(
      () => verify(responseOf(sign(pki.leaves.rsa), pki.leaves.rsa), { trustedCertificates: [pki.otherRoot.der] }),
      'CHAIN_UNTRUSTED',
    );
  });

  it('CHAIN_UNTRUSTED: an intermediate whose CA signature was altered', async () => {
    const forged = Buffer.from(pki.intermediate.der);
    forged[forged.length - 5] = forged[forged.length - 5]! ^ 0x01;
    const cms = sign(pki.leaves.viaIntermediate);
    // put the altered intermediate into the CMS by hand: same bytes length, so swap in place
    const withInter = Buffer.from(sign(pki.leaves.viaIntermediate, { certfile: [pki.intermediate] }));
    const at = withInter.indexOf(pki.intermediate.der);
    expect(at).toBeGreaterThan(0);
    forged.copy(withInter, at);
    expect(cms.length).toBeGreaterThan(0);
    await expectCode(() => verify(responseOf(withInter, pki.leaves.viaIntermediate)), 'CHAIN_UNTRUSTED', /does not verify/);
  });

  it('KEY_USAGE: a leaf without digitalSignature', async () => {
    await expectCode(() => verify(responseOf(sign(pki.leaves.noDigitalSignature), pki.leaves.noDigitalSignature)), 'KEY_USAGE', /digitalSignature/);
  });

  it('SIGNING_TIME: outside the allowed skew', async () => {
    const cms = sign(pki.leaves.p256);
    await expectCode(() => verify(responseOf(cms, pki.leaves.p256), { now: Date.now() + 10 * 60_000 }), 'SIGNING_TIME', /clock/);
    await expectCode(() => verify(responseOf(cms, pki.leaves.p256), { now: new Date(Date.now() - 10 * 60_000) }), 'SIGNING_TIME');
    await expectCode(() => verify(responseOf(cms, pki.leaves.p256), { now: Date.now() + 3000, maxClockSkewMs: 1000 }), 'SIGNING_TIME');
    expect((await verify(responseOf(cms, pki.leaves.p256), { now: Date.now() + 60_000, maxClockSkewMs: 120_000 })).signedAt).toBeInstanceOf(Date);
  });

  it('FORMAT: no signed attributes (-noattr), for this origin or another (a raw signature over a hash could make one)', async () => {
    await expectCode(() => verify(responseOf(sign(pki.leaves.p256, { extra: ['-noattr'] }), pki.leaves.p256)), 'FORMAT', /no signed attributes/);
    const other = sign(pki.leaves.rsa, { extra: ['-noattr'] }, 'https://evil.example');
    await expectCode(() => verify(responseOf(other, pki.leaves.rsa)), 'FORMAT', /no signed attributes/);
  });

  it('FORMAT: a document signature (id-data, what `sign` makes) over the very login payload is not a login', async () => {
    const document = sign(pki.leaves.p256, { contentType: '1.2.840.113549.1.7.1' });
    await expectCode(() => verify(responseOf(document, pki.leaves.p256)), 'FORMAT', /login content type/);
  });

  it("the relying party's own bad arguments are TypeErrors that say what to fix", async () => {
    const good = responseOf(sign(pki.leaves.p256), pki.leaves.p256);
    await expect(verify(good, { origin: 'https://esia.gosuslugi.ru/' })).rejects.toThrow(TypeError);
    await expect(verify(good, { challenge: 'short' })).rejects.toThrow(/challenge/);
    await expect(verify(good, { trustedCertificates: [] })).rejects.toThrow(/trustedCertificates/);
    await expect(verify(good, { trustedCertificates: ['not pem'] })).rejects.toThrow(/PEM/);
    await expect(verify(good, { trustedCertificates: [new Uint8Array([1, 2, 3])] })).rejects.toThrow(/X\.509/);
    await expect(verify(good, { now: new Date('nonsense') })).rejects.toThrow(/now/);
  });
});
