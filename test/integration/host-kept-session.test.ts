// The warm path trusts the token's kept session instead of reading the token info before each
// operation: C_Login in that session fails once the token was removed or replaced (PKCS#11 closes
// every session of a removed token; the emulated token models this with a generation per slot).
// What must never happen then is the PIN reaching the token now in the slot: when the kept session
// is gone, the token's serial and label are checked before any login in a new session.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../native-host/service';
import { createGostPki, readPinState, type GostPki } from '../fixtures/gost';

const ORIGIN = 'https://esia.gosuslugi.ru';
const LABEL = 'Tokensign Swap';
const PIN = '11112222';
const OTHER_SERIAL = 'TS00000002';
const challenge = () => randomBytes(32).toString('base64url');

let pki: GostPki;
let service: TokenService;

beforeAll(() => {
  pki = createGostPki({
    tokens: [{ label: LABEL, serial: 'TS00000001', pin: PIN, maxPinTries: 5 }],
    certs: [{ name: 'swap', token: LABEL, key: 'p256', id: 'c1', label: 'Swap P-256', subject: '/CN=Подмена токена/C=RU' }],
  });
  // The module reads its configuration from the process environment (this file runs in its own process).
  process.env.TESTTOKEN_CONFIG = pki.env.TESTTOKEN_CONFIG;
  service = new TokenService({ resolution: { env: { ...pki.env } } });
}, 60_000);

afterAll(async () => {
  await service?.close();
  pki?.cleanup();
});

/** Puts another token (same label, other serial and PIN, same objects) in the slot, as a user swapping tokens would. */
function swapToken(): void {
  const config = JSON.parse(readFileSync(pki.configPath, 'utf8')) as { tokens: Array<{ serial: string; pin: string }> };
  config.tokens[0]!.serial = OTHER_SERIAL;
  config.tokens[0]!.pin = '99998888';
  writeFileSync(`${pki.configPath}.tmp`, JSON.stringify(config));
  renameSync(`${pki.configPath}.tmp`, pki.configPath);
}

describe('kept session and a swapped token', () => {
  it('signs warm without reading the token info, and refuses the swapped token before sending it the PIN', async () => {
    const { certificates } = await service.listCertificates();
    const cert = certificates.find((c) => c.status === 'valid' && c.hasPrivateKey);
    expect(cert).toBeDefined();
    await service.authenticate(cert!.id, PIN, ORIGIN, challenge());

    const set = await service.modules();
    const api = set.modules[0]!.api as unknown as Record<string, (...args: unknown[]) => unknown>;
    const counts: Record<string, number> = {};
    for (const name of ['C_GetTokenInfo', 'C_Login', 'C_OpenSession']) {
      const original = api[name]!.bind(api);
      api[name] = (...args: unknown[]) => {
        counts[name] = (counts[name] ?? 0) + 1;
        return original(...args);
      };
    }
    const warm = await service.authenticate(cert!.id, PIN, ORIGIN, challenge());
    expect(warm.format).toBe('tokensign-auth:1');
    expect(counts).toEqual({ C_Login: 1 });

    swapToken();
    for (const name of Object.keys(counts)) counts[name] = 0;
    await expect(service.authenticate(cert!.id, PIN, ORIGIN, challenge())).rejects.toMatchObject({ code: 'TOKEN_REMOVED' });
    // One login, refused by the dead kept session; then the identity check, before any new session is
    // opened (issue 15: a card event handled during the check would close that session), and no login.
    expect(counts.C_Login).toBe(1);
    expect(counts.C_OpenSession ?? 0).toBe(0);
    expect(counts.C_GetTokenInfo).toBeGreaterThanOrEqual(1);
    expect(readPinState(pki)[OTHER_SERIAL]?.failures ?? 0).toBe(0);
  });
});
