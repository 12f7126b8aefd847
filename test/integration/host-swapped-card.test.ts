// A card swapped under a module that keeps its view of the old one (issue 15, defect 2; OpenSC does
// this after a card reset), modelled in the emulated token: same serial, label and objects, and
// signatures made with another key ("signingKey" in its config). Nothing readable through PKCS#11
// shows the swap; the host must still never hand out such a signature.
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo } from '../../shared/protocol';
import { TokenService } from '../../native-host/service';
import { createGostPki, type GostPki } from '../fixtures/gost';

const ORIGIN = 'https://esia.gosuslugi.ru';
const LABEL = 'Tokensign Swapped';
const PIN = '13572468';
const challenge = () => randomBytes(32).toString('base64url');

let pki: GostPki;
let service: TokenService;

beforeAll(() => {
  const cert = (name: string, key: 'gost256-TCA' | 'rsa2048' | 'p256' | 'p521', id: string) => ({ name, token: LABEL, key, id, label: name, subject: `/CN=${name}/C=RU` });
  pki = createGostPki({
    tokens: [{ label: LABEL, serial: 'TS00000077', pin: PIN, maxPinTries: 5 }],
    certs: [
      cert('mine-gost', 'gost256-TCA', 'c1'),
      cert('mine-rsa', 'rsa2048', 'c2'),
      cert('mine-p256', 'p256', 'c3'),
      cert('other-gost', 'gost256-TCA', 'd1'),
      cert('other-rsa', 'rsa2048', 'd2'),
      cert('other-p256', 'p256', 'd3'),
      cert('plain-p521', 'p521', 'e1'),
    ],
  });
  // The module reads its configuration from the process environment (this file runs in its own process).
  process.env.TESTTOKEN_CONFIG = pki.env.TESTTOKEN_CONFIG;
  service = new TokenService({ resolution: { env: { ...pki.env } } });
}, 120_000);

afterAll(async () => {
  await service?.close();
  pki?.cleanup();
});

type Config = { tokens: Array<{ objects: Array<{ label: string; signingKey?: string }> }> };

/** Every "mine-*" object now signs with the "other-*" key of its kind (or with its own again). */
function swapKeys(swapped: boolean): void {
  const config = JSON.parse(readFileSync(pki.configPath, 'utf8')) as Config;
  for (const object of config.tokens[0]!.objects) {
    const other = pki.certs[object.label.replace('mine-', 'other-')];
    if (swapped && object.label.startsWith('mine-') && other) object.signingKey = other.keyPem;
    else delete object.signingKey;
  }
  writeFileSync(`${pki.configPath}.tmp`, JSON.stringify(config));
  renameSync(`${pki.configPath}.tmp`, pki.configPath);
}

describe('a card swapped under a module that does not see it', () => {
  it('refuses every signature that does not match the certificate (GOST, RSA, P-256, raw over a hash) with TOKEN_REMOVED', async () => {
    const { certificates } = await service.listCertificates();
    const mine = (name: string) => certificates.find((c: CertificateInfo) => c.label === name)!;
    for (const name of ['mine-gost', 'mine-rsa', 'mine-p256']) await service.authenticate(mine(name).id, PIN, ORIGIN, challenge());

    swapKeys(true);
    for (const name of ['mine-gost', 'mine-rsa', 'mine-p256']) {
      await expect(service.authenticate(mine(name).id, PIN, ORIGIN, challenge()), name).rejects.toMatchObject({ code: 'TOKEN_REMOVED' });
    }
    const digest = randomBytes(32);
    await expect(
      service.signCompat(mine('mine-p256').id, PIN, digest, { format: 'raw', hashed: true, reverse: false, detached: true }),
    ).rejects.toMatchObject({ code: 'TOKEN_REMOVED' });

    // The card "taken back out": signing works again once the module was re-initialized.
    swapKeys(false);
    const again = await service.listCertificates();
    const ok = await service.authenticate(again.certificates.find((c) => c.label === 'mine-p256')!.id, PIN, ORIGIN, challenge());
    expect(ok.format).toBe('tokensign-auth:1');
  });

  it('signs with P-521 (checked by node:crypto), and refuses a P-521 signature over a given hash it could not check', async () => {
    const { certificates } = await service.listCertificates();
    const p521 = certificates.find((c: CertificateInfo) => c.label === 'plain-p521')!;
    expect(p521.keyAlgorithm).toBe('ECDSA-P521');
    expect((await service.authenticate(p521.id, PIN, ORIGIN, challenge())).format).toBe('tokensign-auth:1');
    await expect(
      service.signCompat(p521.id, PIN, randomBytes(64), { format: 'raw', hashed: true, reverse: false, detached: true }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ALGORITHM' });
  });
});
