// verifyAuthentication on logins made by the real native host on SoftHSM tokens (RSA-2048, P-256, P-384),
// with the challenge from the relying party's store; then the same answers altered, each refused.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticateResult, CertificateInfo } from '../../shared/protocol';
import { createChallengeStore, VerificationError, verifyAuthentication } from '../../relying-party/index';
import { createTestPki, type TestPki } from '../fixtures/pki';
import type { HostProcess } from '../helpers/host-process';
import { startHostWithPki, stopHostWithPki, type HostWithPki } from '../helpers/host-with-pki';

const ORIGIN = 'https://esia.gosuslugi.ru';
let fixture: HostWithPki | undefined;
let pki: TestPki;
let host: HostProcess;
let certificates: CertificateInfo[];
let caPem: string;

beforeAll(async () => {
  fixture = await startHostWithPki();
  ({ pki, host, certificates, caPem } = fixture);
});

afterAll(() => stopHostWithPki(fixture));

function certificateId(label: string): string {
  const found = certificates.find((c) => c.label === label);
  if (!found) throw new Error(`the host lists no certificate "${label}"`);
  return found.id;
}

async function hostLogin(label: string, pin: string, challenge: string, origin = ORIGIN): Promise<AuthenticateResult> {
  return host.call<AuthenticateResult>('authenticate', { certificateId: certificateId(label), pin, origin, challenge });
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
  return 'ACCEPTED';
}

// The test CA publishes no revocation service (test/integration/rp-revocation.test.ts covers revocation).
const NO_REVOCATION = { mode: 'off' } as const;

describe('logins signed by the host on SoftHSM', () => {
  it.each([
    ['Director RSA', '123456', 'RSA-2048', 'Иванов Иван Иванович'],
    ['Director P-256', '123456', 'ECDSA-P256', 'Петрова Анна Сергеевна'],
    ['Engineer P-384', '654321', 'ECDSA-P384', 'Smith John'],
  ])('%s verifies and names its owner', async (label, pin, keyAlgorithm, name) => {
    const store = createChallengeStore();
    const challenge = await store.issue();
    const response = await hostLogin(label, pin, challenge);
    expect(await store.consume(challenge)).toBe(true);
    const before = Date.now();
    const { certificate, signedAt } = await verifyAuthentication({ response, challenge, origin: ORIGIN, trustedCertificates: [caPem], revocation: NO_REVOCATION });
    expect(certificate.keyAlgorithm).toBe(keyAlgorithm);
    expect(certificate.subject.commonName).toBe(name);
    expect(certificate.der).toBe(response.certificate);
    expect(certificate.thumbprint).toBe(certificates.find((c) => c.label === label)!.thumbprint);
    expect(Math.abs(signedAt.getTime() - before)).toBeLessThan(60_000);
  });

  it('the director login carries the organization fields the portal shows', async () => {
    const challenge = await createChallengeStore().issue();
    const response = await hostLogin('Director RSA', '123456', challenge);
    const { certificate } = await verifyAuthentication({ response, challenge, origin: ORIGIN, trustedCertificates: [readFileSync(pki.caCertDer)], revocation: NO_REVOCATION });
    expect(certificate.subject).toMatchObject({
      organization: 'ООО "Ромашка"',
      title: 'Генеральный директор',
      inn: '007701234567',
      innle: '7701234567',
      ogrn: '1027700132195',
      snils: '11223344595',
    });
    expect(certificate.status).toBe('valid');
  });

  it('refuses host-made answers that do not fit: other origin, other challenge, altered, untrusted, stale', async () => {
    const challenge = await createChallengeStore().issue();
    const other = await createChallengeStore().issue();
    const response = await hostLogin('Director P-256', '123456', challenge);
    const verify = (extra: Partial<Parameters<typeof verifyAuthentication>[0]> = {}) =>
      codeOf(() => verifyAuthentication({ response, challenge, origin: ORIGIN, trustedCertificates: [caPem], revocation: NO_REVOCATION, ...extra }));
    expect(await verify()).toBe('ACCEPTED');
    expect(await verify({ origin: 'https://esia.gosuslugi.ru.evil.example' })).toBe('CONTENT_MISMATCH');
    expect(await verify({ challenge: other })).toBe('CONTENT_MISMATCH');
    expect(await verify({ now: Date.now() + 10 * 60_000 })).toBe('SIGNING_TIME');
    const foreignCa = createTestPki({ noTokens: true, certs: [] });
    try {
      expect(await verify({ trustedCertificates: [readFileSync(foreignCa.caCertPem, 'utf8')] })).toBe('CHAIN_UNTRUSTED');
    } finally {
      foreignCa.cleanup();
    }
    const cms = Buffer.from(response.cms, 'base64');
    cms[cms.length - 2] = cms[cms.length - 2]! ^ 0x40;
    expect(await verify({ response: { ...response, cms: cms.toString('base64') } })).toBe('SIGNATURE_INVALID');
    const rsaCert = readFileSync(pki.certs.rsa!.certDer).toString('base64');
    expect(await verify({ response: { ...response, certificate: rsaCert } })).toBe('SIGNATURE_INVALID');
  });
});
