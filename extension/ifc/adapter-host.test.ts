// Issue 14 items 1 and 11, the adapter's part: create and version reach the host as the genuine
// plugin's do (so they fail without one), and a raw signature over CMS signed attributes is refused
// before any window. The backend is a plain object standing in for the host connection.
import { describe, expect, it } from 'vitest';
import { TokensignError, type TokenInfo } from '../../shared/protocol';
import { IfcAdapter, type IfcBackend, type IfcSignOrder } from './adapter';

const token: TokenInfo = {
  id: 't', module: '/usr/lib/softhsm/libsofthsm2.so', slot: 3, label: 'T', manufacturer: 'm', model: 'x', serial: 's',
  pin: { loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false },
};

function backend(hostUp: boolean, orders: IfcSignOrder[]): IfcBackend {
  return {
    hello: async () => {
      if (!hostUp) throw new TokensignError('HOST_UNAVAILABLE', 'no host');
      return {};
    },
    listTokens: async () => [token],
    listCertificates: async () => [{ id: 'c', tokenId: 't', keyId: '01', hasPrivateKey: true, keyAlgorithm: 'ECDSA-P256' } as never],
    sign: async (order) => {
      orders.push(order);
      return new Uint8Array(64);
    },
    digest: async () => new Uint8Array(32),
  };
}

describe('IFC adapter and the host', () => {
  it('without a host, create and version fail like the genuine plugin (256), with one they succeed', async () => {
    const down = new IfcAdapter(backend(false, []));
    expect(await down.handle({ func_name: 'create', params: {} })).toMatchObject({ error_code: 256 });
    expect(await down.handle({ func_name: 'version', params: {} })).toMatchObject({ error_code: 256 });
    const up = new IfcAdapter(backend(true, []));
    expect(await up.handle({ func_name: 'create', params: {} })).toEqual({ error_code: 0 });
    expect(await up.handle({ func_name: 'version', params: {} })).toMatchObject({ error_code: 0, version: expect.any(String) });
  });

  it('a raw signature over a SET naming messageDigest is refused before the window; other raw data goes on', async () => {
    const orders: IfcSignOrder[] = [];
    const adapter = new IfcAdapter(backend(true, orders));
    const set = Buffer.from('3118301606092a864886f70d010904310904070102030405060708', 'hex').toString('base64');
    const base = { containerId: 'softhsm2/3/01', userPin: '1', inDataType: 2, signType: 1, outDataType: 1 };
    expect(await adapter.handle({ func_name: 'sign', params: { ...base, data: set } })).toMatchObject({ error_code: 5 });
    expect(orders).toHaveLength(0);
    expect(await adapter.handle({ func_name: 'sign', params: { ...base, data: Buffer.from('plain data').toString('base64') } })).toMatchObject({ error_code: 0 });
    expect(orders).toHaveLength(1);
  });
});
