// PKCS#11 calls of a warm authenticate, counted in process on the real modules (SoftHSM and the emulated
// test token) by wrapping the loaded module's functions: no C_GetTokenInfo while the kept session lives
// (C_Login in it tells a removed token; host-kept-session.test.ts checks a swapped one), no slot rescan,
// one session for many operations, the certificate read back once per session, and the key handle reused
// where the module keeps it across logins (the emulated token) but found again where it does not (SoftHSM).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../native-host/service';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { createTestPki, type TestPki } from '../fixtures/pki';

const ORIGIN = 'https://esia.gosuslugi.ru';
const COUNTED = ['C_GetSlotList', 'C_GetTokenInfo', 'C_OpenSession', 'C_CloseSession', 'C_Login', 'C_Logout', 'C_FindObjectsInit', 'C_GetAttributeValue', 'C_SignInit', 'C_Sign', 'C_SignAsync'] as const;
type Counts = Partial<Record<(typeof COUNTED)[number], number>>;

let soft: TestPki;
let emulated: GostPki;
const services: TokenService[] = [];

beforeAll(() => {
  soft = createTestPki();
  emulated = createGostPki({
    tokens: [{ label: 'Tokensign Calls 1', serial: 'TC00000001', pin: '13571357', maxPinTries: 5 }],
    certs: [{ name: 'calls', token: 'Tokensign Calls 1', key: 'p256', id: 'e1', label: 'Calls P-256', subject: '/CN=Счёт вызовов/C=RU' }],
  });
  // The modules read their configuration from the process environment (this file runs in its own process).
  process.env.SOFTHSM2_CONF = soft.env.SOFTHSM2_CONF;
  process.env.TESTTOKEN_CONFIG = emulated.env.TESTTOKEN_CONFIG;
}, 60_000);

afterAll(async () => {
  for (const s of services) await s.close();
  soft?.cleanup();
  emulated?.cleanup();
});

/** Runs `warm` authenticates after one untimed first one, counting the module calls of the warm ones. */
async function countWarmCalls(modulePath: string, env: Record<string, string>, pin: string, warm: number): Promise<Counts> {
  const service = new TokenService({ resolution: { env: { ...env, TOKENSIGN_PKCS11_MODULES: modulePath } } });
  services.push(service);
  const { certificates } = await service.listCertificates();
  const cert = certificates.find((c) => c.status === 'valid' && c.hasPrivateKey && c.keyAlgorithm === 'ECDSA-P256');
  if (!cert) throw new Error('no valid P-256 certificate with a key');
  const challenge = () => randomBytes(32).toString('base64url');
  await service.authenticate(cert.id, pin, ORIGIN, challenge());
  const set = await service.modules();
  const api = set.modules[0]!.api as unknown as Record<string, (...args: unknown[]) => unknown>;
  const counts: Counts = {};
  for (const name of COUNTED) {
    const original = api[name]!.bind(api);
    api[name] = (...args: unknown[]) => {
      counts[name] = (counts[name] ?? 0) + 1;
      return original(...args);
    };
  }
  for (let i = 0; i < warm; i++) {
    const result = await service.authenticate(cert.id, pin, ORIGIN, challenge());
    expect(result.format).toBe('tokensign-auth:1');
  }
  return counts;
}

describe('PKCS#11 calls of a warm authenticate', () => {
  it('SoftHSM: login, find of the key, sign, logout per operation; no token info read, no new session', async () => {
    const token = soft.tokens.find((t) => t.label === soft.certs.p256!.token)!;
    const counts = await countWarmCalls(soft.modulePath, soft.env, token.pin, 5);
    expect(counts.C_GetSlotList ?? 0).toBe(0);
    expect(counts.C_GetTokenInfo ?? 0).toBe(0);
    expect(counts.C_OpenSession ?? 0).toBe(0);
    expect(counts.C_CloseSession ?? 0).toBe(0);
    expect(counts.C_Login).toBe(5);
    expect(counts.C_Logout).toBe(5);
    expect(counts.C_FindObjectsInit).toBe(5);
    expect(counts.C_SignInit).toBe(5);
    expect((counts.C_Sign ?? 0) + (counts.C_SignAsync ?? 0)).toBe(5);
    // At most one failed check of a kept key handle: SoftHSM renews private handles at each login.
    expect(counts.C_GetAttributeValue ?? 0).toBeLessThanOrEqual(1);
  });

  it('emulated token: the key handle of the kept session is checked, not searched for again', async () => {
    const counts = await countWarmCalls(emulated.modulePath, emulated.env, emulated.tokens[0]!.pin, 5);
    expect(counts.C_GetSlotList ?? 0).toBe(0);
    expect(counts.C_GetTokenInfo ?? 0).toBe(0);
    expect(counts.C_OpenSession ?? 0).toBe(0);
    expect(counts.C_FindObjectsInit ?? 0).toBe(0);
    expect(counts.C_GetAttributeValue).toBe(5);
    expect(counts.C_Login).toBe(5);
    expect(counts.C_Logout).toBe(5);
  });
});
