// The session kept on a token between operations (SoftHSM): closed after 30 s unused, each
// operation restarting that wait, and a new one opened for the next operation after it closed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestPki, type TestPki } from '../../test/fixtures/pki';
import { TokenService } from '../service';

const ORIGIN = 'https://esia.gosuslugi.ru';
let pki: TestPki;

beforeAll(() => {
  pki = createTestPki();
  // SoftHSM reads its configuration from the process environment (this file runs in its own process).
  process.env.SOFTHSM2_CONF = pki.env.SOFTHSM2_CONF;
}, 60_000);
afterAll(() => pki?.cleanup());

describe('kept session', () => {
  it('closes 30 s after the last operation, not 30 s after the first', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const service = new TokenService({ resolution: { env: { ...pki.env, TOKENSIGN_PKCS11_MODULES: pki.modulePath } } });
    try {
      const token = pki.tokens.find((t) => t.label === pki.certs.p256!.token)!;
      const { certificates } = await service.listCertificates();
      const cert = certificates.find((c) => c.keyAlgorithm === 'ECDSA-P256' && c.status === 'valid' && c.hasPrivateKey)!;
      const authenticate = () => service.authenticate(cert.id, token.pin, ORIGIN, randomBytes(32).toString('base64url'));
      await authenticate();

      const api = (await service.modules()).modules[0]!.api as unknown as Record<string, (...args: unknown[]) => unknown>;
      const counts = { C_OpenSession: 0, C_CloseSession: 0 };
      for (const name of ['C_OpenSession', 'C_CloseSession'] as const) {
        const original = api[name]!.bind(api);
        api[name] = (...args: unknown[]) => {
          counts[name]++;
          return original(...args);
        };
      }

      vi.advanceTimersByTime(20_000);
      await authenticate();
      vi.advanceTimersByTime(20_000);
      // 40 s after the first operation, 20 s after the last: still open, and no session was opened.
      expect(counts).toEqual({ C_OpenSession: 0, C_CloseSession: 0 });
      vi.advanceTimersByTime(10_001);
      expect(counts).toEqual({ C_OpenSession: 0, C_CloseSession: 1 });

      await authenticate();
      expect(counts).toEqual({ C_OpenSession: 1, C_CloseSession: 1 });
      vi.advanceTimersByTime(30_001);
      expect(counts).toEqual({ C_OpenSession: 1, C_CloseSession: 2 });
    } finally {
      await service.close();
      vi.useRealTimers();
    }
  });
});
