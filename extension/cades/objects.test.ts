// The page-side object model without a browser: what a page sees of the proxies (promises, setters,
// errors of the plug-in's form), what goes over the bridge for a signature, and the bridge's schema.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseCadesCall, type CadesCall, type CadesCertificate } from './bridge';
import { certificatesObject, storeObject } from './certificates';
import { CADES_CONSTANTS as C } from './constants';
import { createRuntime } from './runtime';
import { hashedDataObject, signedDataObject, signerObject } from './signing';

type Obj = Record<string, (...args: unknown[]) => Promise<unknown>> & Record<string, Promise<unknown>>;

const certificate = (over: Partial<CadesCertificate> = {}): CadesCertificate => ({
  der: 'MAA=',
  thumbprint: 'A'.repeat(40),
  subjectName: 'CN=Иванов Иван, O="ООО ""Ромашка""", C=RU',
  issuerName: 'CN=Test CA, C=RU',
  subjectSimpleName: 'Иванов Иван',
  issuerSimpleName: 'Test CA',
  subjectEmail: '',
  serialNumber: '01',
  validFrom: '2026-01-01T00:00:00.000Z',
  validTo: '2027-01-01T00:00:00.000Z',
  status: 'valid',
  hasPrivateKey: true,
  keyAlgorithmOid: '1.2.643.7.1.1.1.1',
  keyAlgorithmName: 'GOST-2012-256',
  keyLength: 256,
  keyUsage: 128 | 64,
  ekus: ['1.3.6.1.5.5.7.3.2'],
  policies: [],
  ...over,
});

function setup(list: CadesCertificate[] = [certificate()]) {
  const calls: CadesCall[] = [];
  const rt = createRuntime(async (call) => {
    calls.push(call);
    return call.op === 'certificates' ? list : { cms: 'TUlJ' };
  });
  rt.texts = { INVALID_ARGUMENT: 'Параметр задан неверно', RELEASED: 'Объект был освобождён' };
  return { rt, calls };
}

describe('proxies', () => {
  it('are not thenables: awaiting an object gives the object; properties are promises; setters are propset_', async () => {
    const { rt } = setup();
    const signer = rt.wrap({ kind: 'X', get: { Value: () => 5 }, set: { Value: () => undefined } }) as Obj;
    expect(await signer).toBe(signer);
    expect(signer.Value).toBeInstanceOf(Promise);
    expect(await signer.Value).toBe(5);
    expect(typeof signer.propset_Value).toBe('function');
    expect(signer.NoSuchThing).toBeUndefined();
    expect('Value' in signer).toBe(true);
  });

  it('rejects wrong argument types with E_INVALIDARG naming the argument, and calls after ReleasePluginObjects', async () => {
    const { rt } = setup();
    const data = signedDataObject(rt) as Obj;
    await expect(data.propset_ContentEncoding!('1')).rejects.toThrow('Параметр задан неверно: ContentEncoding (0x80070057)');
    rt.release();
    await expect(data.Content).rejects.toThrow('Объект был освобождён (0x80010108)');
    const fresh = signedDataObject(rt) as Obj;
    await expect(fresh.Content).resolves.toBe('');
  });
});

describe('Store and Certificates', () => {
  it('lists through the bridge once per Open, 1-based Item, Find by SHA-1 (any case), subject and validity', async () => {
    const expired = certificate({ thumbprint: 'B'.repeat(40), status: 'expired', validTo: '2020-01-01T00:00:00.000Z', subjectName: 'CN=Петров' });
    const { rt, calls } = setup([certificate(), expired]);
    const store = storeObject(rt) as Obj;
    await expect(store.Certificates).rejects.toThrow(/0x8000FFFF/);
    await store.Open!(C.CAPICOM_CURRENT_USER_STORE, C.CAPICOM_MY_STORE, C.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
    expect(calls).toEqual([{ op: 'certificates', params: {} }]);
    const all = (await store.Certificates) as Obj;
    expect(await all.Count).toBe(2);
    await expect(all.Item!(0)).rejects.toThrow(/0x80070057/);
    expect(await ((await all.Item!(2)) as Obj).Thumbprint).toBe('B'.repeat(40));
    const bySha = (await all.Find!(C.CAPICOM_CERTIFICATE_FIND_SHA1_HASH, 'b'.repeat(40))) as Obj;
    expect(await bySha.Count).toBe(1);
    expect(await ((await all.Find!(C.CAPICOM_CERTIFICATE_FIND_SUBJECT_NAME, 'ромашка')) as Obj).Count).toBe(1);
    expect(await ((await all.Find!(C.CAPICOM_CERTIFICATE_FIND_TIME_VALID)) as Obj).Count).toBe(1);
    expect(await ((await all.Find!(C.CAPICOM_CERTIFICATE_FIND_TIME_EXPIRED)) as Obj).Count).toBe(1);
    expect(await ((await all.Find!(C.CAPICOM_CERTIFICATE_FIND_KEY_USAGE, 128)) as Obj).Count).toBe(2);
    await expect(all.Find!(C.CAPICOM_CERTIFICATE_FIND_EXTENSION, '2.5.29.15')).rejects.toThrow(/0x80004001/);
    const other = storeObject(rt) as Obj;
    await other.Open!(C.CAPICOM_CURRENT_USER_STORE, 'Root');
    expect(await ((await other.Certificates) as Obj).Count).toBe(0);
  });

  it('a Certificate answers the properties and methods page libraries read', async () => {
    const { rt } = setup();
    const cert = (await (certificatesObject(rt, [certificate()]) as Obj).Item!(1)) as Obj;
    expect(await cert.HasPrivateKey!()).toBe(true);
    expect(await ((await cert.IsValid!()) as Obj).Result).toBe(true);
    expect(await cert.GetInfo!(C.CAPICOM_CERT_INFO_SUBJECT_SIMPLE_NAME)).toBe('Иванов Иван');
    const algorithm = (await ((await cert.PublicKey!()) as Obj).Algorithm) as Obj;
    expect([await algorithm.Value, await algorithm.FriendlyName]).toEqual(['1.2.643.7.1.1.1.1', 'ГОСТ Р 34.10-2012 256 бит']);
    const ekus = (await ((await cert.ExtendedKeyUsage!()) as Obj).EKUs) as Obj;
    expect(await ((await ekus.Item!(1)) as Obj).OID).toBe('1.3.6.1.5.5.7.3.2');
    expect(await ((await cert.PrivateKey) as Obj).ProviderName).toBe('Tokensign PKCS#11');
  });
});

describe('signing objects', () => {
  async function signerWith(rt: ReturnType<typeof setup>['rt']): Promise<Obj> {
    const cert = await (certificatesObject(rt, [certificate()]) as Obj).Item!(1);
    const signer = signerObject(rt) as Obj;
    await signer.propset_Certificate!(cert);
    await signer.propset_KeyPin!('1234');
    return signer;
  }

  it('SignCades sends the JS string as text (encoding 0) or canonical base64 (encoding 1); the PIN never leaves', async () => {
    const { rt, calls } = setup();
    const signer = await signerWith(rt);
    const data = signedDataObject(rt) as Obj;
    await data.propset_Content!('Привет');
    expect(await data.SignCades!(signer, C.CADESCOM_CADES_BES)).toBe('TUlJ');
    await data.propset_ContentEncoding!(C.CADESCOM_BASE64_TO_BINARY);
    await data.propset_Content!('0J/RgNC4\r\n0LLQtdGC');
    await data.SignCades!(signer, C.CADESCOM_PKCS7_TYPE, true);
    expect(calls).toEqual([
      { op: 'sign', params: { thumbprint: 'A'.repeat(40), content: { kind: 'text', text: 'Привет' }, detached: false } },
      { op: 'sign', params: { thumbprint: 'A'.repeat(40), content: { kind: 'bytes', base64: '0J/RgNC40LLQtdGC' }, detached: true } },
    ]);
    expect(JSON.stringify(calls)).not.toContain('1234');
    await expect(data.SignCades!(signer, C.CADESCOM_CADES_T)).rejects.toThrow(/0x80004001/);
    await expect(data.SignCades!({}, C.CADESCOM_CADES_BES)).rejects.toThrow(/Signer \(0x80070057\)/);
  });

  it('HashedData hashes UTF-16LE or base64 data in chunks (SHA-256 checked by Node), SetHashValue checks the length', async () => {
    const { rt, calls } = setup();
    const hashed = hashedDataObject(rt) as Obj;
    await expect(hashed.Hash!('x')).rejects.toThrow(/0x80090008/); // GOST R 34.11-94, the default, is not offered
    await hashed.propset_Algorithm!(C.CADESCOM_HASH_ALGORITHM_SHA_256);
    await hashed.Hash!('При');
    await hashed.Hash!('вет');
    expect(await hashed.Value).toBe(createHash('sha256').update(Buffer.from('Привет', 'utf16le')).digest('hex').toUpperCase());
    await expect(hashed.SetHashValue!('AB')).rejects.toThrow(/0x80090002/);
    await hashed.SetHashValue!('ab'.repeat(32));
    const data = signedDataObject(rt) as Obj;
    await data.SignHash!(hashed, await signerWith(rt), C.CADESCOM_CADES_BES);
    expect(calls.at(-1)).toEqual({ op: 'sign', params: { thumbprint: 'A'.repeat(40), content: { kind: 'hash', algorithm: 'SHA-256', hex: 'AB'.repeat(32) }, detached: true } });
  });
});

describe('parseCadesCall (both sides of the runtime boundary)', () => {
  const sign = (params: unknown) => () => parseCadesCall('sign', params);
  it('accepts the three shapes of content and lower-cases a hash', () => {
    expect(parseCadesCall('sign', { thumbprint: 'F'.repeat(40), detached: true, content: { kind: 'hash', algorithm: 'STREEBOG-512', hex: 'AB'.repeat(64) } })).toEqual({
      op: 'sign',
      params: { thumbprint: 'F'.repeat(40), detached: true, content: { kind: 'hash', algorithm: 'STREEBOG-512', hex: 'ab'.repeat(64) } },
    });
  });
  it('refuses unknown operations, bad thumbprints, wrong types, bad base64, short hashes and attached hashes', () => {
    expect(() => parseCadesCall('exec', {})).toThrow(/unknown operation/);
    expect(sign({ thumbprint: 'f'.repeat(40), detached: true, content: { kind: 'text', text: '' } })).toThrow(/thumbprint/);
    expect(sign({ thumbprint: 'F'.repeat(40), detached: 'yes', content: { kind: 'text', text: '' } })).toThrow(/detached/);
    expect(sign({ thumbprint: 'F'.repeat(40), detached: true, content: { kind: 'bytes', base64: 'a b=' } })).toThrow(/content/);
    expect(sign({ thumbprint: 'F'.repeat(40), detached: true, content: { kind: 'hash', algorithm: 'SHA-256', hex: 'AB' } })).toThrow(/content/);
    expect(sign({ thumbprint: 'F'.repeat(40), detached: false, content: { kind: 'hash', algorithm: 'SHA-256', hex: 'AB'.repeat(32) } })).toThrow(/detached/);
    expect(sign(null)).toThrow(/params/);
  });
});
