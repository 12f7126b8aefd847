// The emulated test token (test/testtoken) as a PKCS#11 module: loaded through pkcs11js like a vendor module and
// driven by OpenSC pkcs11-tool, checked for the PKCS#11 semantics a host relies on. Its signatures are checked by
// independent code: shared/gost (itself tested against RFC vectors and OpenSSL), node:crypto, and OpenSSL.
import { execFileSync } from 'node:child_process';
import { createPublicKey, createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gostPublicKeyFromSpki, streebog256, streebog512, verifyGostDigest, verifyGostSignature } from '../../shared/gost/index';
import { children, readOid, readRoot, tlv } from '../../shared/der';
import { createGostPki, GOST_TEST_TOKENS, readPinState, type GostPki } from '../fixtures/gost';

const CKK_GOSTR3410 = 0x30;
const CKK_GOSTR3410_512 = 0xd4321003;
const CKA_GOSTR3410_PARAMS = 0x250;
const CKA_GOSTR3411_PARAMS = 0x251;
const CKM_GOSTR3410 = 0x1201;
const CKM_GOSTR3410_512 = 0xd4321006;
const CKM_GOSTR3410_WITH_GOSTR3411_12_256 = 0xd4321008;
const CKM_GOSTR3410_WITH_GOSTR3411_12_512 = 0xd4321009;
const CKF_USER_PIN_COUNT_LOW = 0x10000;
const CKF_USER_PIN_FINAL_TRY = 0x20000;
const CKF_USER_PIN_LOCKED = 0x40000;
const CKF_TOKEN_PRESENT = 0x1;

const [T1, T2] = GOST_TEST_TOKENS as [(typeof GOST_TEST_TOKENS)[0], (typeof GOST_TEST_TOKENS)[0]];
let pki: GostPki;
let p11: pkcs11js.PKCS11;

beforeAll(() => {
  pki = createGostPki();
  process.env.TESTTOKEN_CONFIG = pki.configPath;
  p11 = new pkcs11js.PKCS11();
  p11.load(pki.modulePath);
  p11.C_Initialize();
}, 60_000);

afterAll(() => {
  try {
    p11?.C_Finalize();
  } catch {
    // already finalized by a test
  }
  pki?.cleanup();
});

function ckr(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    return (e as Error).message.split(':')[0]!.trim();
  }
  return 'CKR_OK';
}

function slotOf(label: string): Buffer {
  const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === label);
  if (!slot) throw new Error(`no slot with ${label}`);
  return slot;
}

function find(session: Buffer, template: pkcs11js.Template): Buffer[] {
  p11.C_FindObjectsInit(session, template);
  const out = p11.C_FindObjects(session, 100);
  p11.C_FindObjectsFinal(session);
  return out;
}

function attr(session: Buffer, handle: Buffer, type: number): Buffer {
  return p11.C_GetAttributeValue(session, handle, [{ type }])[0]!.value as Buffer;
}

function withSession<T>(label: string, pin: string | null, run: (s: Buffer) => T): T {
  const s = p11.C_OpenSession(slotOf(label), pkcs11js.CKF_SERIAL_SESSION);
  try {
    if (pin !== null) p11.C_Login(s, pkcs11js.CKU_USER, pin);
    return run(s);
  } finally {
    ckr(() => p11.C_CloseSession(s));
  }
}

/** SPKI param-set OID (first OID inside the algorithm parameters) of a certificate. */
function paramSetDer(certDer: Buffer): Buffer {
  const spki = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'der' });
  const [alg] = children(readRoot(spki));
  const [, params] = children(alg!);
  return Buffer.from(tlv(children(params!)[0]!));
}

function spkiOf(certDer: Buffer): Uint8Array {
  const [tbs] = children(readRoot(certDer));
  const fields = children(tbs!);
  return tlv(fields[(fields[0]!.tag === 0xa0 ? 1 : 0) + 5]!);
}

describe('slots and tokens', () => {
  it('lists both tokens with PKCS#11 flags and space-padded strings', () => {
    expect(p11.C_GetInfo().manufacturerID.trim()).toBe('Tokensign test');
    const slots = p11.C_GetSlotList(true);
    expect(slots.length).toBe(2);
    const info = p11.C_GetTokenInfo(slotOf(T1.label));
    expect(info.serialNumber.trim()).toBe(T1.serial);
    expect(info.flags & pkcs11js.CKF_LOGIN_REQUIRED).toBeTruthy();
    expect(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED).toBeTruthy();
    expect(info.flags & pkcs11js.CKF_USER_PIN_INITIALIZED).toBeTruthy();
    expect(info.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)).toBe(0);
    const mechs = p11.C_GetMechanismList(slots[0]!);
    for (const m of [CKM_GOSTR3410, CKM_GOSTR3410_512, CKM_GOSTR3410_WITH_GOSTR3411_12_256, CKM_GOSTR3410_WITH_GOSTR3411_12_512,
      pkcs11js.CKM_RSA_PKCS, pkcs11js.CKM_SHA256_RSA_PKCS, pkcs11js.CKM_ECDSA]) expect(mechs).toContain(m);
  });
});

describe('objects and attributes', () => {
  it('hides private keys before login and shows them after', () => {
    withSession(T1.label, null, (s) => {
      expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }]).length).toBe(3);
      expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }]).length).toBe(3);
      expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).length).toBe(0);
      p11.C_Login(s, pkcs11js.CKU_USER, T1.pin);
      expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).length).toBe(3);
      p11.C_Logout(s);
      expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).length).toBe(0);
    });
  });

  it('describes GOST keys: key type, parameter OIDs, public value, sensitive private value', () => {
    withSession(T1.label, T1.pin, (s) => {
      for (const [name, keyType, hashOid] of [
        ['gost256', CKK_GOSTR3410, '06082a85030701010202'],
        ['gost256cp', CKK_GOSTR3410, '06082a85030701010202'],
        ['gost512', CKK_GOSTR3410_512, '06082a85030701010203'],
      ] as const) {
        const cert = pki.certs[name]!;
        const der = readFileSync(cert.certDer);
        const id = Buffer.from(cert.id, 'hex');
        const [priv] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: id }]);
        const [pub] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_KEY_TYPE, value: keyType }, { type: pkcs11js.CKA_ID, value: id }]);
        const [certObj] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE }, { type: pkcs11js.CKA_LABEL, value: cert.label }]);
        expect(priv && pub && certObj, name).toBeTruthy();
        expect(attr(s, certObj!, pkcs11js.CKA_VALUE).equals(der)).toBe(true);
        expect(attr(s, priv!, pkcs11js.CKA_KEY_TYPE).readUInt32LE(0)).toBe(keyType);
        expect(attr(s, priv!, CKA_GOSTR3410_PARAMS).equals(paramSetDer(der))).toBe(true);
        expect(attr(s, priv!, CKA_GOSTR3411_PARAMS).toString('hex')).toBe(hashOid);
        expect(attr(s, priv!, pkcs11js.CKA_SIGN)[0]).toBe(1);
        expect(attr(s, priv!, pkcs11js.CKA_SENSITIVE)[0]).toBe(1);
        expect(ckr(() => attr(s, priv!, pkcs11js.CKA_VALUE))).toBe('CKR_ATTRIBUTE_SENSITIVE');
        const spkiKey = gostPublicKeyFromSpki(spkiOf(der));
        const value = attr(s, pub!, pkcs11js.CKA_VALUE);
        const n = spkiKey.size / 8;
        expect(BigInt('0x' + Buffer.from(value.subarray(0, n)).reverse().toString('hex'))).toBe(spkiKey.point.x);
        expect(readOid(readRoot(attr(s, pub!, CKA_GOSTR3410_PARAMS)))).toBe(spkiKey.paramSetOid);
      }
    });
  });

  it('describes RSA and EC keys as the certificate has them', () => {
    withSession(T2.label, T2.pin, (s) => {
      const rsaCert = new X509Certificate(readFileSync(pki.certs.rsa!.certDer));
      const [rsaKey] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA }]);
      const jwk = rsaCert.publicKey.export({ format: 'jwk' });
      expect(attr(s, rsaKey!, pkcs11js.CKA_MODULUS).toString('base64url')).toBe(jwk.n);
      const [ecKey] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_EC }]);
      expect(attr(s, ecKey!, pkcs11js.CKA_EC_PARAMS).toString('hex')).toBe('06082a8648ce3d030107'); // P-256
      expect(attr(s, ecKey!, pkcs11js.CKA_EC_POINT).subarray(0, 3).toString('hex')).toBe('044104');
    });
  });
});

describe('signing', () => {
  const data = Buffer.from('tokensign-auth:1\nhttps://esia.gosuslugi.ru\nchallenge');

  function keyFor(s: Buffer, name: string): Buffer {
    const [key] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, { type: pkcs11js.CKA_ID, value: Buffer.from(pki.certs[name]!.id, 'hex') }]);
    if (!key) throw new Error(`no key ${name}`);
    return key;
  }

  it('GOST hash-and-sign and hash-in mechanisms give s‖r that shared/gost verifies', () => {
    withSession(T1.label, T1.pin, (s) => {
      for (const [name, size] of [['gost256', 256], ['gost256cp', 256], ['gost512', 512]] as const) {
        const key = keyFor(s, name);
        const pub = gostPublicKeyFromSpki(spkiOf(readFileSync(pki.certs[name]!.certDer)));
        p11.C_SignInit(s, { mechanism: size === 256 ? CKM_GOSTR3410_WITH_GOSTR3411_12_256 : CKM_GOSTR3410_WITH_GOSTR3411_12_512 }, key);
        const sig = p11.C_Sign(s, data, Buffer.alloc(256));
        expect(sig.length).toBe(size / 4);
        expect(verifyGostSignature(pub, data, sig)).toBe(true);
        const digest = size === 256 ? streebog256(data) : streebog512(data);
        p11.C_SignInit(s, { mechanism: size === 256 ? CKM_GOSTR3410 : CKM_GOSTR3410_512 }, key);
        const raw = p11.C_Sign(s, Buffer.from(digest), Buffer.alloc(256));
        expect(verifyGostDigest(pub, digest, raw)).toBe(true);
        expect(verifyGostSignature(pub, Buffer.from('other'), raw)).toBe(false);
      }
    });
  });

  it('multi-part hash-and-sign equals signing the whole message', () => {
    withSession(T1.label, T1.pin, (s) => {
      const key = keyFor(s, 'gost512');
      const pub = gostPublicKeyFromSpki(spkiOf(readFileSync(pki.certs.gost512!.certDer)));
      p11.C_SignInit(s, { mechanism: CKM_GOSTR3410_WITH_GOSTR3411_12_512 }, key);
      p11.C_SignUpdate(s, data.subarray(0, 10));
      p11.C_SignUpdate(s, data.subarray(10));
      expect(verifyGostSignature(pub, data, p11.C_SignFinal(s, Buffer.alloc(128)))).toBe(true);
    });
  });

  it('RSA and ECDSA signatures verify with node:crypto', () => {
    withSession(T2.label, T2.pin, (s) => {
      const rsaPub = createPublicKey(new X509Certificate(readFileSync(pki.certs.rsa!.certDer)).publicKey.export({ type: 'spki', format: 'pem' }));
      p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, keyFor(s, 'rsa'));
      expect(cryptoVerify('sha256', data, rsaPub, p11.C_Sign(s, data, Buffer.alloc(256)))).toBe(true);
      const digestInfo = Buffer.concat([Buffer.from('3031300d060960864801650304020105000420', 'hex'), createHash('sha256').update(data).digest()]);
      p11.C_SignInit(s, { mechanism: pkcs11js.CKM_RSA_PKCS }, keyFor(s, 'rsa'));
      expect(cryptoVerify('sha256', data, rsaPub, p11.C_Sign(s, digestInfo, Buffer.alloc(256)))).toBe(true);
      const ecPub = new X509Certificate(readFileSync(pki.certs.p256!.certDer)).publicKey;
      p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, keyFor(s, 'p256'));
      const raw = p11.C_Sign(s, createHash('sha256').update(data).digest(), Buffer.alloc(64));
      expect(raw.length).toBe(64);
      expect(cryptoVerify('sha256', data, { key: ecPub, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    });
  });

  it('keeps the operation after CKR_BUFFER_TOO_SMALL and refuses wrong inputs with the PKCS#11 codes', () => {
    withSession(T1.label, T1.pin, (s) => {
      const key = keyFor(s, 'gost256');
      p11.C_SignInit(s, { mechanism: CKM_GOSTR3410_WITH_GOSTR3411_12_256 }, key);
      expect(ckr(() => p11.C_Sign(s, data, Buffer.alloc(10)))).toBe('CKR_BUFFER_TOO_SMALL');
      expect(p11.C_Sign(s, data, Buffer.alloc(64)).length).toBe(64);
      expect(ckr(() => p11.C_Sign(s, data, Buffer.alloc(64)))).toBe('CKR_OPERATION_NOT_INITIALIZED');
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_GOSTR3410_512 }, key))).toBe('CKR_KEY_TYPE_INCONSISTENT');
      expect(ckr(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA1_RSA_PKCS }, key))).toBe('CKR_MECHANISM_INVALID');
      p11.C_SignInit(s, { mechanism: CKM_GOSTR3410 }, key);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_GOSTR3410 }, key))).toBe('CKR_OPERATION_ACTIVE');
      expect(ckr(() => p11.C_Sign(s, Buffer.alloc(31), Buffer.alloc(64)))).toBe('CKR_DATA_LEN_RANGE');
      const [pub] = find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }]);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_GOSTR3410 }, pub!))).toBe('CKR_KEY_FUNCTION_NOT_PERMITTED');
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_GOSTR3410 }, Buffer.from([1, 2, 3, 4, 0, 0, 0, 0])))).toBe('CKR_KEY_HANDLE_INVALID');
      p11.C_Logout(s);
      expect(ckr(() => p11.C_SignInit(s, { mechanism: CKM_GOSTR3410 }, key))).toBe('CKR_USER_NOT_LOGGED_IN');
    });
  });
});

describe('login', () => {
  it('answers already-logged-in, not-logged-in, PIN length and user type like a real token', () => {
    withSession(T2.label, null, (s) => {
      expect(ckr(() => p11.C_Logout(s))).toBe('CKR_USER_NOT_LOGGED_IN');
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '12'))).toBe('CKR_PIN_LEN_RANGE');
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_SO, T2.pin))).toBe('CKR_USER_TYPE_INVALID');
      p11.C_Login(s, pkcs11js.CKU_USER, T2.pin);
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, T2.pin))).toBe('CKR_USER_ALREADY_LOGGED_IN');
      expect(p11.C_GetSessionInfo(s).state).toBe(1); // CKS_RO_USER_FUNCTIONS
    });
    expect(readPinState(pki)[T2.serial]).toBeUndefined(); // a too-short PIN costs no try
  });

  it('counts tries in token flags and the state file, locks, and stays locked for every process', () => {
    withSession(T1.label, null, (s) => {
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '00000000'))).toBe('CKR_PIN_INCORRECT');
      expect(p11.C_GetTokenInfo(slotOf(T1.label)).flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY)).toBe(CKF_USER_PIN_COUNT_LOW);
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '00000000'))).toBe('CKR_PIN_INCORRECT');
      expect(p11.C_GetTokenInfo(slotOf(T1.label)).flags & CKF_USER_PIN_FINAL_TRY).toBeTruthy();
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, '00000000'))).toBe('CKR_PIN_LOCKED');
      expect(p11.C_GetTokenInfo(slotOf(T1.label)).flags & CKF_USER_PIN_LOCKED).toBeTruthy();
      expect(ckr(() => p11.C_Login(s, pkcs11js.CKU_USER, T1.pin))).toBe('CKR_PIN_LOCKED');
    });
    // Another process (OpenSC) sees the same lock.
    const out = execFileSync('pkcs11-tool', ['--module', pki.modulePath, '-T'], { env: { ...process.env, TESTTOKEN_CONFIG: pki.configPath } }).toString();
    expect(out).toMatch(/user PIN locked/);
    pki.resetPins();
    expect(p11.C_GetTokenInfo(slotOf(T1.label)).flags & CKF_USER_PIN_LOCKED).toBe(0);
  });
});

describe('unplugging', () => {
  it('gives CKR_DEVICE_REMOVED to open sessions, CKR_TOKEN_NOT_PRESENT to the slot, and a fresh token on replug', () => {
    const slot = slotOf(T2.label);
    const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(s, pkcs11js.CKU_USER, T2.pin);
    pki.unplug(T2.label);
    expect(ckr(() => p11.C_GetSessionInfo(s))).toBe('CKR_DEVICE_REMOVED');
    expect(ckr(() => p11.C_FindObjectsInit(s, []))).toBe('CKR_DEVICE_REMOVED');
    expect(ckr(() => p11.C_GetTokenInfo(slot))).toBe('CKR_TOKEN_NOT_PRESENT');
    expect(ckr(() => p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION))).toBe('CKR_TOKEN_NOT_PRESENT');
    expect(p11.C_GetSlotList(true).length).toBe(1);
    expect(p11.C_GetSlotList(false).length).toBe(2);
    expect(p11.C_GetSlotInfo(slot).flags & CKF_TOKEN_PRESENT).toBe(0);
    expect(p11.C_GetSlotInfo(slotOf(T1.label)).flags & CKF_TOKEN_PRESENT).toBe(CKF_TOKEN_PRESENT);
    p11.C_CloseSession(s);
    expect(ckr(() => p11.C_GetSessionInfo(s))).toBe('CKR_SESSION_HANDLE_INVALID');

    pki.replug(T2.label);
    withSession(T2.label, null, (s2) => {
      expect(p11.C_GetSessionInfo(s2).state).toBe(0); // CKS_RO_PUBLIC_SESSION: the login went with the token
      expect(find(s2, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]).length).toBe(0);
    });
  });
});

describe('robustness and other clients', () => {
  it('OpenSC pkcs11-tool signs with it (size query, then sign) and OpenSSL verifies the GOST signature', () => {
    const input = join(pki.dir, 'tool-in.bin');
    const sig = join(pki.dir, 'tool.sig');
    const pub = join(pki.dir, 'tool-pub.pem');
    writeFileSync(input, 'signed by pkcs11-tool');
    const env = { ...process.env, TESTTOKEN_CONFIG: pki.configPath };
    execFileSync('pkcs11-tool', ['--module', pki.modulePath, '--token-label', T1.label, '--login', '--pin', T1.pin, '--sign',
      '-m', 'GOSTR3410-WITH-GOSTR3411-12-512', '--id', pki.certs.gost512!.id, '-i', input, '-o', sig], { env, stdio: 'pipe' });
    execFileSync('openssl', ['x509', '-engine', 'gost', '-in', pki.certs.gost512!.certPem, '-pubkey', '-noout', '-out', pub], { stdio: 'pipe' });
    const out = execFileSync('openssl', ['dgst', '-engine', 'gost', '-md_gost12_512', '-verify', pub, '-signature', sig, input], { stdio: 'pipe' });
    expect(out.toString()).toContain('Verified OK');
  });

  it('survives a broken configuration: no slots, no crash, and recovers when it is fixed', () => {
    const good = readFileSync(pki.configPath);
    const tmp = `${pki.configPath}.broken`;
    for (const broken of ['{"tokens": [ {"label": "x", ', 'null', '{"tokens": 5}', '{"tokens": [{"label": 1, "objects": [{"id": "zz"}]}]}']) {
      writeFileSync(tmp, broken);
      execFileSync('mv', [tmp, pki.configPath]);
      const present = p11.C_GetSlotList(true).map((s) => p11.C_GetTokenInfo(s).serialNumber.trim());
      expect(present).not.toContain(T1.serial);
    }
    writeFileSync(tmp, good);
    execFileSync('mv', [tmp, pki.configPath]);
    expect(p11.C_GetSlotList(true).length).toBe(2);
  });
});
