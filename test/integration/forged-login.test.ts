// Issue 14 item 1: a page allowed to use the IFCPlugin adapter must not be able to make a login for
// another site out of `sign`. Two real forgeries are tried against the built host on SoftHSM (RSA and
// P-256) and the relying party's verifyAuthentication:
//  - raw `sign` over the DER SET of signed attributes a login to https://victim.example would carry;
//  - `hashed` CMS over the SHA-256 of the victim's login payload.
// Both must be refused by the host or fail verification for the victim.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as protocol from '../../shared/protocol';
import type { CertificateInfo } from '../../shared/protocol';
import { buildSignedData } from '../../native-host/cms/signed-data';
import { algorithmForKey } from '../../native-host/pkcs11/algorithms';
import { createChallengeStore, VerificationError, verifyAuthentication } from '../../relying-party/index';
import { ecdsaDer } from '../helpers/ecdsa-der';
import type { HostProcess } from '../helpers/host-process';
import { startHostWithPki, stopHostWithPki, type HostWithPki } from '../helpers/host-with-pki';

const VICTIM = 'https://victim.example';
const OID_DATA = '1.2.840.113549.1.7.1';
// The test CA publishes no revocation service; revocation is not what these tests are about.
const NO_REVOCATION = { mode: 'off' } as const;
let fixture: HostWithPki | undefined;
let host: HostProcess;
let certificates: CertificateInfo[];
let caPem: string;

beforeAll(async () => {
  fixture = await startHostWithPki();
  ({ host, certificates, caPem } = fixture);
});

afterAll(() => stopHostWithPki(fixture));

const CASES = [
  ['Director RSA', 'RSA-2048'],
  ['Director P-256', 'ECDSA-P256'],
] as const;

function certificateOf(label: string): CertificateInfo {
  const found = certificates.find((c) => c.label === label);
  if (!found) throw new Error(`the host lists no certificate "${label}"`);
  return found;
}

/** Outcome of verifying a response as a login to the victim: its error code, or ACCEPTED. */
async function verdict(response: unknown, challenge: string): Promise<string> {
  try {
    await verifyAuthentication({ response: response as protocol.AuthenticateResult, challenge, origin: VICTIM, trustedCertificates: [caPem], revocation: NO_REVOCATION });
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
  return 'ACCEPTED';
}

/** The attacker's content types: the one logins carried before the fix, and the one they carry now. */
function contentTypes(): string[] {
  const authType = (protocol as Record<string, unknown>).AUTH_CONTENT_TYPE_OID;
  return typeof authType === 'string' ? [OID_DATA, authType] : [OID_DATA];
}

describe('a login for another site cannot be forged through sign', () => {
  it.each(CASES)('raw sign over a login\'s signed attributes (%s) is refused or does not verify', async (label, keyAlgorithm) => {
    const cert = certificateOf(label);
    const algorithm = algorithmForKey(keyAlgorithm)!;
    const challenge = await createChallengeStore().issue();
    const payload = protocol.authPayload(VICTIM, challenge);
    const certificateDer = Buffer.from(cert.der, 'base64');
    for (const contentType of contentTypes()) {
      const signingTime = new Date();
      const build = (sign: (tbs: Uint8Array) => Uint8Array) =>
        buildSignedData({ certificateDer, content: payload, detached: true, algorithm, sign, signingTime, contentType } as Parameters<typeof buildSignedData>[0]);
      const { signedAttributes } = await build(() => new Uint8Array(1));
      const reply = await host.request<{ signature?: string }>('sign', {
        certificateId: cert.id,
        pin: '123456',
        data: Buffer.from(signedAttributes).toString('base64'),
        format: 'raw',
      });
      if (!reply.ok) {
        expect(reply.error.code).toBe('BAD_REQUEST');
        expect(reply.error.message).toMatch(/signed attributes/);
        continue;
      }
      const raw = Buffer.from(reply.result.signature!, 'base64');
      const signature = keyAlgorithm.startsWith('ECDSA') ? ecdsaDer(raw) : raw;
      const { cms } = await build(() => signature);
      const response = { format: protocol.AUTH_FORMAT, origin: VICTIM, cms: Buffer.from(cms).toString('base64'), certificate: cert.der };
      expect(await verdict(response, challenge)).not.toBe('ACCEPTED');
    }
  });

  it.each(CASES)('a hashed CMS over a login payload\'s digest (%s) does not verify as a login', async (label) => {
    const cert = certificateOf(label);
    const challenge = await createChallengeStore().issue();
    const digest = createHash('sha256').update(protocol.authPayload(VICTIM, challenge)).digest();
    const reply = await host.call<{ cms: string; certificate: string }>('sign', {
      certificateId: cert.id,
      pin: '123456',
      data: digest.toString('base64'),
      format: 'cms',
      hashed: true,
    });
    const response = { format: protocol.AUTH_FORMAT, origin: VICTIM, cms: reply.cms, certificate: reply.certificate };
    expect(await verdict(response, challenge)).toBe('FORMAT');
  });

  it.each(CASES)('a real login (%s) still verifies and is refused for another origin', async (label) => {
    const cert = certificateOf(label);
    const challenge = await createChallengeStore().issue();
    const response = await host.call<protocol.AuthenticateResult>('authenticate', { certificateId: cert.id, pin: '123456', origin: VICTIM, challenge });
    expect(await verdict(response, challenge)).toBe('ACCEPTED');
    await expect(verifyAuthentication({ response, challenge, origin: 'https://other.example', trustedCertificates: [caPem], revocation: NO_REVOCATION })).rejects.toThrow(VerificationError);
  });
});
