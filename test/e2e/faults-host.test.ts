// Token faults seen from the host itself (no browser), on the emulated test token that can be
// unplugged: a token taken out between listing and signing is reported as TOKEN_REMOVED (never
// signed on by mistake), vanishes from the lists, and works again under the same ids once it is back.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { createGostPki, type GostPki } from '../fixtures/gost';
import { startHost, type HostProcess } from '../helpers/host-process';

const origin = 'https://esia.gosuslugi.ru';
const challenge = () => randomBytes(32).toString('base64url');

describe('token faults at the host', () => {
  let gost: GostPki;
  let host: HostProcess;

  beforeAll(() => {
    gost = createGostPki();
    host = startHost({ env: gost.env });
  });

  afterAll(async () => {
    await host?.close().catch(() => host.kill());
    gost?.cleanup();
  });

  const certificates = async () => (await host.call<{ certificates: CertificateInfo[] }>('list-certificates', {})).certificates;
  const tokens = async () => (await host.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens;

  it('answers TOKEN_REMOVED when the token goes between listing and signing, and signs again once it is back', async () => {
    const spec = gost.certs.rsa!;
    const pin = gost.tokens.find((t) => t.label === spec.token)!.pin;
    const der = readFileSync(spec.certDer).toString('base64');
    const listed = (await certificates()).find((c) => c.der === der);
    expect(listed).toBeDefined();
    const tokenId = listed!.tokenId;

    gost.unplug(spec.token);
    try {
      for (const command of ['authenticate', 'sign'] as const) {
        const params = command === 'authenticate' ? { certificateId: listed!.id, pin, origin, challenge: challenge() } : { certificateId: listed!.id, pin, data: 'aGVsbG8=' };
        const reply = await host.request(command, params);
        expect(reply.ok).toBe(false);
        if (!reply.ok) expect(reply.error.code).toBe('TOKEN_REMOVED');
      }
      // Gone from both lists; asking for its certificates by token id is TOKEN_NOT_FOUND.
      expect((await tokens()).map((t) => t.id)).not.toContain(tokenId);
      expect((await certificates()).map((c) => c.id)).not.toContain(listed!.id);
      const byToken = await host.request('list-certificates', { tokenId });
      expect(byToken.ok ? 'ok' : byToken.error.code).toBe('TOKEN_NOT_FOUND');
    } finally {
      gost.replug(spec.token);
    }

    // Back in: the same token and certificate ids, and signing works.
    expect((await tokens()).map((t) => t.id)).toContain(tokenId);
    expect((await certificates()).map((c) => c.id)).toContain(listed!.id);
    const result = await host.call<{ format: string; cms: string }>('authenticate', { certificateId: listed!.id, pin, origin, challenge: challenge() });
    expect(result.format).toBe('tokensign-auth:1');
    expect(result.cms.length).toBeGreaterThan(100);
  });

  it('keeps serving the other token while one is out', async () => {
    const out = gost.certs.rsa!.token;
    const stays = Object.values(gost.certs).find((c) => c.token !== out && c.expected === 'valid' && !c.noKey)!;
    const pin = gost.tokens.find((t) => t.label === stays.token)!.pin;
    const der = readFileSync(stays.certDer).toString('base64');
    gost.unplug(out);
    try {
      const listed = (await certificates()).find((c) => c.der === der);
      expect(listed, 'the certificate of the token still in').toBeDefined();
      const reply = await host.request('authenticate', { certificateId: listed!.id, pin, origin, challenge: challenge() });
      expect(reply.ok, JSON.stringify(reply)).toBe(true);
    } finally {
      gost.replug(out);
    }
    expect(await host.close()).toBe(0);
  });
});
