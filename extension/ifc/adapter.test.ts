// Unit tests of the IFCPlugin translation layer. The backend is a plain object standing in for the
// host and the confirmation window (those are exercised for real in test/e2e/ifc-*.test.ts); the
// certificates are real, made by OpenSSL, and OpenSSL is the reference for DNs, dates and serials.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki, type TestPki } from '../../test/fixtures/pki';
import type { TokenInfo } from '../../shared/protocol';
import { TokensignError } from '../../shared/protocol';
import { toBase64 } from '../../shared/encoding';
import { IfcAdapter, cryptosFor, moduleAlias, type IfcBackend, type IfcHostCertificate, type IfcSignOrder } from './adapter';
import { DISCONNECT_MESSAGE, parsePageMessage, replyMessage, type IfcReply } from './envelope';
import { formatOpenSslDate, type IfcCertificateFields } from './x509';

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki({ noTokens: true });
});
afterAll(() => pki?.cleanup());

const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const pinState = { loginRequired: true, countLow: false, finalTry: false, locked: false, protectedPath: false };
const token1: TokenInfo = { id: 'tok1', module: MODULE, slot: 1234567, label: 'Tokensign Test 1', manufacturer: 'SoftHSM project', model: 'SoftHSM v2', serial: 'abc', pin: pinState };
const token2: TokenInfo = { ...token1, id: 'tok2', slot: 99, label: 'Tokensign Test 2', serial: 'def' };

function hostCert(name: string, tokenId: string, keyId: string, keyAlgorithm: string, hasPrivateKey = true): IfcHostCertificate {
  const der = readFileSync(pki.certs[name]!.certDer);
  return {
    id: `cert-${name}`, tokenId, label: name, der: toBase64(der), thumbprint: '', subject: { commonName: name }, subjectDN: '', issuerDN: '',
    issuerCommonName: '', serialNumber: '', notBefore: '', notAfter: '', status: 'valid', expiresInDays: 1, keyAlgorithm, keyUsage: [],
    hasPrivateKey, keyId,
  };
}

interface FakeBackend extends IfcBackend {
  tokens: TokenInfo[];
  certs: IfcHostCertificate[];
  orders: IfcSignOrder[];
  failWith?: Error;
}
function backend(): FakeBackend {
  const b: FakeBackend = {
    tokens: [token1, token2],
    certs: [],
    orders: [],
    hello: async () => ({ version: '0.1.0' }),
    listTokens: async () => b.tokens,
    listCertificates: async () => b.certs.filter((c) => b.tokens.some((t) => t.id === c.tokenId)),
    sign: async (order) => {
      b.orders.push(order);
      if (b.failWith) throw b.failWith;
      return new Uint8Array([1, 2, 3, 4]);
    },
    digest: async (alg, data) => new TextEncoder().encode(`${alg}:${data.length}`),
  };
  b.certs = [
    hostCert('rsa', 'tok1', '01', 'RSA-2048'),
    hostCert('p256', 'tok1', '02', 'ECDSA-P256'),
    hostCert('expired', 'tok1', '03', 'ECDSA-P256'),
    hostCert('p384', 'tok2', '11', 'ECDSA-P384'),
    hostCert('nokey', 'tok2', '13', 'ECDSA-P256', false),
  ];
  return b;
}

const call = (a: IfcAdapter, func_name: string, params: Record<string, unknown> = {}): Promise<IfcReply> => a.handle({ func_name, params });

/** OpenSSL's multi-line subject, turned into our key=value lines (the keys the page library maps). */
function opensslDn(pem: string, which: '-subject' | '-issuer'): string {
  const out = execFileSync('openssl', ['x509', '-in', pem, '-noout', which, '-nameopt', 'multiline,utf8,-esc_msb'], { encoding: 'utf8' });
  const names: Record<string, string> = {
    commonName: 'CN', surname: 'surname', givenName: 'givenName', title: 'title', organizationName: 'O', countryName: 'C',
    localityName: 'L', INN: 'INN', OGRN: 'OGRN', SNILS: 'SNILS', emailAddress: 'emailAddress', OGRNIP: '1.2.643.100.5',
    organizationalUnitName: 'OU',
  };
  return out
    .split('\n')
    .slice(1)
    .filter((l) => l.includes('='))
    .map((l) => {
      const [k, ...v] = l.split('=');
      const key = k!.trim();
      return `${names[key] ?? key}=${v.join('=').trim()}`;
    })
    .join('\n');
}

function opensslField(pem: string, flag: string): string {
  return execFileSync('openssl', ['x509', '-in', pem, '-noout', flag], { encoding: 'utf8' }).trim().replace(/^[^=]+=/, '');
}

describe('envelope', () => {
  it('takes only JSON strings of type TO_IFC_EXT', () => {
    expect(parsePageMessage('{"type":"TO_IFC_EXT","msg_data":{"func_name":"version"}}')).toEqual({ func_name: 'version', params: {} });
    expect(parsePageMessage({ type: 'TO_IFC_EXT', msg_data: { func_name: 'version' } })).toBeNull();
    expect(parsePageMessage('{"type":"FROM_IFC_EXT","msg_data":{"error_code":0}}')).toBeNull();
    expect(parsePageMessage('not json')).toBeNull();
    expect(parsePageMessage('{"type":"TO_IFC_EXT","msg_data":"x"}')).toEqual({ func_name: '', params: {} });
  });
  it('answers with a string whose error_code is a number', () => {
    const text = replyMessage({ error_code: 0, version: '3' });
    expect(JSON.parse(text)).toEqual({ type: 'FROM_IFC_EXT', msg_data: { error_code: 0, version: '3' } });
    expect(JSON.parse(replyMessage({ error_code: Number.NaN })).msg_data.error_code).toBe(-1);
    expect(JSON.parse(DISCONNECT_MESSAGE)).toEqual({ type: 'IFC_EXT_DISCONNECT' });
  });
});

describe('crypto entries', () => {
  it('uses safe, stable aliases and slot numbers', () => {
    expect(moduleAlias('/usr/lib/librtpkcs11ecp.so')).toBe('ruTokenECP');
    expect(moduleAlias('/opt/cprocsp/lib/amd64/libCryptoProPkcs11.so')).toBe('Pkcs11');
    expect(moduleAlias('C:\\Windows\\System32\\eTPKCS11.dll')).toBe('eToken');
    expect(moduleAlias('/usr/lib/softhsm/libsofthsm2.so')).toBe('softhsm2');
    expect(moduleAlias('/x/lib a/b.so.2')).toBe('b');
    const other: TokenInfo = { ...token1, id: 'o', module: '/other/libsofthsm2.so', slot: 5 };
    const list = cryptosFor([token1, other, token2]);
    expect(list.map((c) => c.cryptoId).sort()).toEqual(['softhsm22/1234567', 'softhsm22/99', 'softhsm2/5'].sort());
    // order of the host's list does not change the ids
    expect(cryptosFor([token2, other, token1]).map((c) => c.cryptoId).sort()).toEqual(list.map((c) => c.cryptoId).sort());
  });

  it('create, version and get_list_info', async () => {
    const a = new IfcAdapter(backend());
    expect(await call(a, 'create', { file_config: '', config_string: '' })).toEqual({ error_code: 0 });
    expect(await call(a, 'version')).toMatchObject({ error_code: 0, version: expect.stringMatching(/^\d+\.\d+/) });
    const info = await call(a, 'get_list_info', { cryptoType: null });
    expect(info.error_code).toBe(0);
    const list = info.ifc_list as Record<string, string>[];
    expect(list).toHaveLength(2);
    expect(list[0]).toMatchObject({ type: 'pkcs11', alias: 'softhsm2', num: '99', name: 'Tokensign Test 2', serial_number: 'def', model: 'SoftHSM v2' });
    expect(await call(a, 'get_list_info', { cryptoType: 'capi' })).toEqual({ error_code: 0, ifc_list: [] });
  });

  it('no token: success with empty lists', async () => {
    const b = backend();
    b.tokens = [];
    const a = new IfcAdapter(b);
    expect(await call(a, 'get_list_info', { cryptoType: null })).toEqual({ error_code: 0, ifc_list: [] });
    expect(await call(a, 'get_list_certs_by_cryptoid_array', { cryptoID_array: [], show_progress: 0 })).toEqual({ error_code: 0, result_array: [] });
    expect(await call(a, 'get_list_certs', { cryptoID: 'softhsm2/99' })).toEqual({ error_code: 0, cert_list: [] });
  });
});

describe('certificate list and x509 handles', () => {
  it('lists certificates with keys, in the formats OpenSSL prints', async () => {
    const a = new IfcAdapter(backend());
    const reply = await call(a, 'get_list_certs_by_cryptoid_array', { cryptoID_array: ['softhsm2/1234567', 'softhsm2/99', 'nope/1'], show_progress: 0 });
    expect(reply.error_code).toBe(0);
    const result = reply.result_array as { crypto_id: string; cert_list: (IfcCertificateFields & { id: string })[] }[];
    expect(result.map((r) => r.crypto_id)).toEqual(['softhsm2/1234567', 'softhsm2/99']);
    expect(result[0]!.cert_list.map((c) => c.id)).toEqual(['01', '02', '03']);
    expect(result[1]!.cert_list.map((c) => c.id)).toEqual(['11']); // the key-less certificate is not a container
    const rsa = result[0]!.cert_list[0]!;
    const pem = pki.certs.rsa!.certPem;
    expect(rsa.cert_subject).toBe(opensslDn(pem, '-subject'));
    expect(rsa.cert_subject.split('\n')[0]).toBe('CN=Иванов Иван Иванович');
    expect(rsa.cert_subject).toContain('\nsurname=Иванов\n');
    expect(rsa.cert_subject).toContain('\n1.2.643.100.4=7701234567\n');
    expect(rsa.cert_issuer).toBe(opensslDn(pem, '-issuer'));
    expect(rsa.cert_valid_from).toBe(opensslField(pem, '-startdate'));
    expect(rsa.cert_valid_to).toBe(opensslField(pem, '-enddate'));
    expect(rsa.cert_sn.toUpperCase()).toBe(opensslField(pem, '-serial').replace(/^0+/, ''));
    expect(rsa.cert_sign_alg).toBe('1.2.840.113549.1.1.1');
    expect(result[0]!.cert_list[1]!.cert_sign_alg).toBe('1.2.840.10045.2.1');
    const p384 = result[1]!.cert_list[0]!;
    expect(p384.cert_subject).toBe(opensslDn(pki.certs.p384!.certPem, '-subject'));
    const expired = result[0]!.cert_list[2]!;
    expect(expired.cert_valid_to).toBe('Dec 31 00:00:00 2025 GMT');
    expect(new Date(expired.cert_valid_to).getTime()).toBe(Date.UTC(2025, 11, 31));
  });

  it('pads the day with a space, like OpenSSL', () => {
    expect(formatOpenSslDate(new Date(Date.UTC(2024, 2, 5, 12, 34, 56)))).toBe('Mar  5 12:34:56 2024 GMT');
  });

  it('get_list_certs for one crypto', async () => {
    const a = new IfcAdapter(backend());
    const reply = await call(a, 'get_list_certs', { cryptoID: 'softhsm2/99' });
    expect((reply.cert_list as { id: string }[]).map((c) => c.id)).toEqual(['11']);
    expect(await call(a, 'get_list_certs', {})).toMatchObject({ error_code: 5 });
  });

  it('load, read and free a certificate handle', async () => {
    const a = new IfcAdapter(backend());
    const loaded = await call(a, 'load_x509_from_container', { containerId: 'softhsm2/1234567/01' });
    expect(loaded).toMatchObject({ error_code: 0, x509Handle: expect.any(Number) });
    const info = await call(a, 'get_x509_info', { x509Handle: loaded.x509Handle });
    const certInfo = info.cert_info as Record<string, unknown>;
    expect(certInfo.base64).toBe(toBase64(readFileSync(pki.certs.rsa!.certDer)));
    expect(certInfo.pem).toBe(readFileSync(pki.certs.rsa!.certPem, 'utf8'));
    expect(certInfo.version).toBe(3);
    expect(certInfo.extensions).toContain('X509v3 Key Usage: critical\n    Digital Signature, Non Repudiation');
    expect(certInfo.cert_subject).toBe(opensslDn(pki.certs.rsa!.certPem, '-subject'));
    expect(await call(a, 'free_x509', { x509Handle: loaded.x509Handle })).toEqual({ error_code: 0 });
    expect(await call(a, 'get_x509_info', { x509Handle: loaded.x509Handle })).toMatchObject({ error_code: 5 });
    expect(await call(a, 'free_x509', { x509Handle: loaded.x509Handle })).toMatchObject({ error_code: 5 });
  });

  it('unknown containers and absent tokens', async () => {
    const a = new IfcAdapter(backend());
    expect(await call(a, 'load_x509_from_container', { containerId: 'softhsm2/1234567/77' })).toMatchObject({ error_code: 10 });
    expect(await call(a, 'load_x509_from_container', { containerId: 'softhsm2/1/01' })).toMatchObject({ error_code: 25 });
    expect(await call(a, 'load_x509_from_container', { containerId: 'softhsm2/99/13' })).toMatchObject({ error_code: 10 });
    expect(await call(a, 'load_x509_from_container', { containerId: 42 })).toMatchObject({ error_code: 5 });
  });

  it('load_x509_from_data takes PEM, base64 and DER text', async () => {
    const a = new IfcAdapter(backend());
    const pem = readFileSync(pki.certs.p256!.certPem, 'utf8');
    const der = readFileSync(pki.certs.p256!.certDer);
    for (const [cert, type] of [[pem, 0], [pem, 3], [der.toString('base64'), 2], [der.toString('base64'), 0], [der.toString('latin1'), 1]] as const) {
      const r = await call(a, 'load_x509_from_data', { cert, cert_data_type: type });
      expect(r.error_code, `type ${type}`).toBe(0);
      const info = await call(a, 'get_x509_info', { x509Handle: r.x509Handle });
      expect((info.cert_info as { base64: string }).base64).toBe(der.toString('base64'));
    }
    expect(await call(a, 'load_x509_from_data', { cert: '!!!', cert_data_type: 2 })).toMatchObject({ error_code: 20 });
    expect(await call(a, 'load_x509_from_data', { cert: 'AAAA', cert_data_type: 0 })).toMatchObject({ error_code: 11 });
  });
});

describe('sign and hash', () => {
  const base = { containerId: 'softhsm2/1234567/01', userPin: '123456', hashType: 1, cspUI: 1, outDataType: 1 };

  it('login: data + CMS attached over the UTF-8 bytes', async () => {
    const b = backend();
    const a = new IfcAdapter(b);
    const reply = await call(a, 'sign', { ...base, inDataType: 1, data: 'вход 0a1b', signType: 3 });
    expect(reply).toEqual({ error_code: 0, sign_value: 'AQIDBA==' });
    const order = b.orders[0]!;
    expect(order.certificate.id).toBe('cert-rsa');
    expect(order.pin).toBe('123456');
    expect(Buffer.from(order.data).toString('utf8')).toBe('вход 0a1b');
    expect(order).toMatchObject({ format: 'cms', detached: false, hashed: false, reverse: false });
  });

  it('returns a large attached CMS as a binary string when outDataType is 0', async () => {
    const b = backend();
    const cms = new Uint8Array(1024 * 1024).map((_, i) => i & 0xff);
    b.sign = async () => cms;
    const reply = await call(new IfcAdapter(b), 'sign', { ...base, outDataType: 0, inDataType: 2, data: Buffer.alloc(700 * 1024).toString('base64'), signType: 3 });
    expect(reply.error_code).toBe(0);
    expect(Buffer.from(String(reply.sign_value), 'latin1').equals(Buffer.from(cms))).toBe(true);
  });

  it('every signType and inDataType maps to one host order', async () => {
    const b = backend();
    const a = new IfcAdapter(b);
    const hash = 'a'.repeat(64);
    const hash64 = Buffer.from(hash, 'hex').toString('base64');
    const cases: [number, number, string, Partial<IfcSignOrder>][] = [
      [1, 1, 'abc', { format: 'raw', reverse: false, hashed: false }],
      [1, 2, 'abc', { format: 'raw', reverse: true, hashed: false }],
      [2, 3, Buffer.from('xyz').toString('base64'), { format: 'cms', detached: false }],
      [2, 4, Buffer.from([0, 1, 255]).toString('base64'), { format: 'cms', detached: true }],
      [1, 5, 'abc', { format: 'cms', detached: false }],
      [1, 6, 'abc', { format: 'cms', detached: true }],
      [3, 4, hash, { format: 'cms', detached: true, hashed: true }],
      [4, 4, hash64, { format: 'cms', detached: true, hashed: true }],
      [4, 1, hash64, { format: 'raw', hashed: true, reverse: false }],
      [4, 2, hash64, { format: 'raw', hashed: true, reverse: true }],
    ];
    for (const [inDataType, signType, data, expected] of cases) {
      const r = await call(a, 'sign', { ...base, inDataType, data, signType });
      expect(r.error_code, `${inDataType}/${signType}`).toBe(0);
      expect(b.orders.at(-1), `${inDataType}/${signType}`).toMatchObject(expected);
    }
    expect(Buffer.from(b.orders[6]!.data).toString('hex')).toBe(hash);
    expect(Buffer.from(b.orders[7]!.data).toString('hex')).toBe(hash);
    const n = b.orders.length;
    expect(await call(a, 'sign', { ...base, inDataType: 4, data: hash64, signType: 3 })).toMatchObject({ error_code: 14 });
    expect(await call(a, 'sign', { ...base, inDataType: 1, data: 'x', signType: 7 })).toMatchObject({ error_code: 14 });
    expect(await call(a, 'sign', { ...base, inDataType: 9, data: 'x', signType: 3 })).toMatchObject({ error_code: 13 });
    expect(await call(a, 'sign', { ...base, inDataType: 5, data: '/etc/passwd', signType: 3 })).toMatchObject({ error_code: 17 });
    expect(await call(a, 'sign', { ...base, inDataType: 2, data: '%%%', signType: 3 })).toMatchObject({ error_code: 20 });
    expect(await call(a, 'sign', { ...base, inDataType: 1, data: 5, signType: 3 })).toMatchObject({ error_code: 5 });
    expect(b.orders.length).toBe(n); // none of the refusals reached the host
  });

  it('maps host and window errors to IFC numbers', async () => {
    const b = backend();
    const a = new IfcAdapter(b);
    const expectations: [string, number][] = [
      ['PIN_INCORRECT', 160], ['PIN_REQUIRED', 160], ['PIN_LOCKED', 23], ['USER_CANCELLED', 1], ['TOKEN_REMOVED', 25],
      ['KEY_NOT_FOUND', 12], ['TOKEN_ERROR', 23], ['HOST_UNAVAILABLE', 256],
    ];
    for (const [code, ifc] of expectations) {
      b.failWith = new TokensignError(code as never, `failed: ${code}`);
      expect(await call(a, 'sign', { ...base, inDataType: 1, data: 'x', signType: 3 }), code).toMatchObject({ error_code: ifc });
    }
    b.failWith = new Error('something odd');
    expect(await call(a, 'sign', { ...base, inDataType: 1, data: 'x', signType: 3 })).toMatchObject({ error_code: -1 });
    b.tokens = [];
    expect(await call(a, 'sign', { ...base, inDataType: 1, data: 'x', signType: 3 })).toMatchObject({ error_code: 25 });
  });

  it('an empty PIN on a token that needs one is 160 without asking the person', async () => {
    const b = backend();
    const a = new IfcAdapter(b);
    expect(await call(a, 'sign', { ...base, userPin: '', inDataType: 1, data: 'x', signType: 3 })).toMatchObject({ error_code: 160 });
    expect(b.orders).toHaveLength(0);
    b.tokens = [{ ...token1, pin: { ...pinState, protectedPath: true } }, token2];
    expect(await call(a, 'sign', { ...base, userPin: '', inDataType: 1, data: 'x', signType: 3 })).toMatchObject({ error_code: 0 });
    expect(b.orders).toHaveLength(1);
  });

  it('no loadable PKCS#11 module reads as no token', async () => {
    const b = backend();
    b.listTokens = async () => {
      throw new TokensignError('MODULE_LOAD_FAILED', 'none');
    };
    const a = new IfcAdapter(b);
    expect(await call(a, 'get_list_info', { cryptoType: null })).toEqual({ error_code: 0, ifc_list: [] });
    expect(await call(a, 'get_list_certs_by_cryptoid_array', { cryptoID_array: ['softhsm2/99'], show_progress: 0 })).toEqual({ error_code: 0, result_array: [] });
    b.listTokens = async () => {
      throw new TokensignError('HOST_UNAVAILABLE', 'gone');
    };
    expect(await call(a, 'get_list_info', { cryptoType: null })).toMatchObject({ error_code: 256 });
  });

  it('hash uses the digest of the key algorithm', async () => {
    const b = backend();
    const a = new IfcAdapter(b);
    const r = await call(a, 'hash', { containerId: 'softhsm2/99/11', inDataType: 1, data: 'abc', outDataType: 1 });
    expect(Buffer.from(r.hashValue as string, 'base64').toString()).toBe('SHA-384:3');
    const r2 = await call(a, 'hash', { containerId: 'softhsm2/1234567/01', inDataType: 2, data: 'AAAA', outDataType: 1 });
    expect(Buffer.from(r2.hashValue as string, 'base64').toString()).toBe('SHA-256:3');
    expect(await call(a, 'hash', { containerId: 'softhsm2/1234567/01', inDataType: 3, data: 'aa' })).toMatchObject({ error_code: 13 });
  });

  it('anything else is IFC_NOT_SUPPORTED', async () => {
    const a = new IfcAdapter(backend());
    expect(await call(a, 'get_guid', { prefix: 'x' })).toMatchObject({ error_code: 17 });
    expect(await call(a, '')).toMatchObject({ error_code: 17 });
    expect(await call(a, 'constructor')).toMatchObject({ error_code: 17 });
  });
});
