// PKCS#11 calls of list-certificates, counted in process on SoftHSM by wrapping the loaded module's
// functions: one C_GetAttributeValue per certificate (not one per attribute), key ids read once per
// token, private keys searched only where a certificate has no public key; and, for a module that
// refuses reading several attributes at once, the same listing read one attribute at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../native-host/service';
import { createTestPki, type TestPki } from '../fixtures/pki';

const COUNTED = ['C_FindObjectsInit', 'C_GetAttributeValue'] as const;
type Api = Record<string, (...args: unknown[]) => unknown>;

let pki: TestPki;
const services: TokenService[] = [];

beforeAll(() => {
  pki = createTestPki();
  // SoftHSM reads its configuration from the process environment (this file runs in its own process).
  process.env.SOFTHSM2_CONF = pki.env.SOFTHSM2_CONF;
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.close();
  pki?.cleanup();
});

async function serviceWithApi(): Promise<{ service: TokenService; api: Api }> {
  const service = new TokenService({ resolution: { env: { ...pki.env } } });
  services.push(service);
  await service.listTokens();
  const set = await service.modules();
  return { service, api: set.modules[0]!.api as unknown as Api };
}

function templateTypes(args: unknown[]): number[] {
  return (args[2] as Array<{ type: number }>).map((a) => a.type);
}

describe('PKCS#11 calls of list-certificates', () => {
  it('reads each certificate in one call and each key id once', async () => {
    const { service, api } = await serviceWithApi();
    const calls: Record<string, number[][]> = { C_FindObjectsInit: [], C_GetAttributeValue: [] };
    for (const name of COUNTED) {
      const original = api[name]!.bind(api);
      api[name] = (...args: unknown[]) => {
        calls[name]!.push(name === 'C_GetAttributeValue' ? templateTypes(args) : []);
        return original(...args);
      };
    }
    const { certificates } = await service.listCertificates();
    const fixtureCerts = Object.keys(pki.certs).length;
    expect(certificates).toHaveLength(fixtureCerts);
    const reads = calls.C_GetAttributeValue!;
    const certificateReads = reads.filter((types) => types.length === 4);
    const keyReads = reads.filter((types) => types.length === 1);
    expect(certificateReads).toHaveLength(fixtureCerts);
    expect(keyReads.length + certificateReads.length).toBe(reads.length);
    // Each key id is read once: the fixture has one public key per keyed certificate, and no private
    // key is visible before login (SoftHSM keeps them private).
    expect(keyReads.length).toBe(certificates.filter((c) => c.hasPrivateKey).length);
    // Per token: the certificate search, the public keys, and the private keys only for a token with a
    // certificate that has no public key (the fixture's key-less certificate is on the second token).
    expect(calls.C_FindObjectsInit!.length).toBe(2 * pki.tokens.length + 1);
    expect(certificates.find((c) => c.label === 'nokey' || c.keyId === pki.certs.nokey!.id)?.hasPrivateKey).toBe(false);
  });

  it('gives the same listing when the module refuses several attributes in one call', async () => {
    const reference = await (await serviceWithApi()).service.listCertificates();
    const { service, api } = await serviceWithApi();
    // Stand-in for modules that fail a whole template when one attribute is unknown or sensitive: SoftHSM
    // itself answers such templates attribute by attribute, so the refusal is simulated here.
    const original = api.C_GetAttributeValue!.bind(api);
    let refused = 0;
    api.C_GetAttributeValue = (...args: unknown[]) => {
      if (templateTypes(args).length > 1) {
        refused++;
        throw new Error('CKR_ATTRIBUTE_TYPE_INVALID:18');
      }
      return original(...args);
    };
    const listed = await service.listCertificates();
    expect(refused).toBe(reference.certificates.length);
    const sorted = (list: typeof listed) => [...list.certificates].sort((a, b) => a.id.localeCompare(b.id));
    expect(sorted(listed)).toEqual(sorted(reference));
    expect(listed.certificates.filter((c) => c.hasPrivateKey)).toHaveLength(reference.certificates.length - 1);
  });
});
