// Streebog and GOST R 34.10-2012 verification against the published vectors (RFC 6986, RFC 7091 / GOST R 34.10-2012
// Appendix A) and against OpenSSL with the Debian gost engine as the independent implementation.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { doubleMultiply, invert, keyTableCount, reductionFor, uncheckedDoubleMultiply, type AffinePoint } from './gost3410.js';
import {
  GOST_CURVES,
  gostCurveByOid,
  gostPublicKeyFromSpki,
  isOnCurve,
  multiply,
  streebog256,
  streebog512,
  verifyGostDigest,
  verifyGostSignature,
  verifyNumber,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'tokensign-gost-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const big = (s: string) => BigInt('0x' + s);

function openssl(args: string[]): Buffer {
  const [sub, ...rest] = args;
  return execFileSync('openssl', [sub!, '-engine', 'gost', ...rest], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function opensslDigest(bits: 256 | 512, data: Uint8Array): string {
  const file = join(dir, `d-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, data);
  const out = openssl(['dgst', `-md_gost12_${bits}`, '-r', file]).toString();
  return out.split(' ')[0]!;
}

describe('Streebog (GOST R 34.11-2012)', () => {
  // RFC 6986 §10.1: M1 is the ASCII digits; the RFC prints messages as numbers, so M2 is its hex reversed.
  const m1 = new TextEncoder().encode('012345678901234567890123456789012345678901234567890123456789012');
  const m2 = Buffer.from(
    'fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1',
    'hex',
  ).reverse();

  it('matches the RFC 6986 examples', () => {
    expect(hex(streebog512(m1))).toBe(
      '1b54d01a4af5b9d5cc3d86d68d285462b19abc2475222f35c085122be4ba1ffa00ad30f8767b3a82384c6574f024c311e2a481332b08ef7f41797891c1646f48',
    );
    expect(hex(streebog256(m1))).toBe('9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500');
    expect(hex(streebog512(m2))).toBe(
      '1e88e62226bfca6f9994f1f2d51569e0daf8475a3b0fe61a5300eee46d961376035fe83549ada2b8620fcd7c496ce5b33f0cb9dddc2b6460143b03dabac9fb28',
    );
    expect(hex(streebog256(m2))).toBe('9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50');
  });

  it('agrees with OpenSSL md_gost12_256/512 at block boundaries and on long input', () => {
    for (const len of [0, 1, 31, 63, 64, 65, 127, 128, 129, 1000, 70_000]) {
      const data = randomBytes(len);
      expect(hex(streebog256(data)), `256, ${len} bytes`).toBe(opensslDigest(256, data));
      expect(hex(streebog512(data)), `512, ${len} bytes`).toBe(opensslDigest(512, data));
    }
  });

  it('carries the 512-bit counters (a message of 0xff blocks)', () => {
    const data = new Uint8Array(64 * 3 + 5).fill(0xff);
    expect(hex(streebog512(data))).toBe(opensslDigest(512, data));
  });
});

describe('GOST R 34.10-2012 parameter sets', () => {
  it.each(Object.entries(GOST_CURVES))('%s: base point on the curve, of order q', (_oid, curve) => {
    const G = { x: curve.x, y: curve.y };
    expect(isOnCurve(curve, G)).toBe(true);
    expect(multiply(curve, curve.q, G)).toBeNull();
    expect(multiply(curve, curve.q - 1n, G)).toEqual({ x: curve.x, y: curve.p - curve.y });
  });
});

describe('GOST R 34.10-2012 point arithmetic against a plain affine double-and-add', () => {
  // The reference: textbook affine formulas, one inversion per step, no tables, no lazy reduction.
  const m = (a: bigint, p: bigint) => ((a % p) + p) % p;
  const inv = (a: bigint, p: bigint) => {
    let [r0, r1, s0, s1] = [m(a, p), p, 1n, 0n];
    while (r1) [r0, r1, s0, s1] = [r1, r0 % r1, s1, s0 - (r0 / r1) * s1];
    return m(s0, p);
  };
  type Pt = AffinePoint | null;
  const add = (c: (typeof GOST_CURVES)[string], P: Pt, Q: Pt): Pt => {
    if (!P) return Q;
    if (!Q) return P;
    const { p } = c;
    if (P.x === Q.x && m(P.y + Q.y, p) === 0n) return null;
    const l = P.x === Q.x ? m((3n * P.x * P.x + c.a) * inv(2n * P.y, p), p) : m((Q.y - P.y) * inv(Q.x - P.x, p), p);
    const x = m(l * l - P.x - Q.x, p);
    return { x, y: m(l * (P.x - x) - P.y, p) };
  };
  const mul = (c: (typeof GOST_CURVES)[string], k: bigint, P: Pt): Pt => {
    let acc: Pt = null;
    for (const bit of k.toString(2)) {
      acc = add(c, acc, acc);
      if (bit === '1') acc = add(c, acc, P);
    }
    return acc;
  };
  const rnd = (q: bigint) => BigInt('0x' + randomBytes(80).toString('hex')) % q;

  it.each(Object.entries(GOST_CURVES))('%s: k1·G + k2·Q for random and edge scalars, first and cached key', (_oid, c) => {
    const G = { x: c.x, y: c.y };
    const Q = mul(c, rnd(c.q), G)!;
    const top = (1n << BigInt(c.q.toString(2).length - 1)) - 1n; // all ones below q's top bit: carries everywhere
    const pairs: Array<[bigint, bigint]> = [[1n, 0n], [0n, 1n], [2n, 3n], [c.q - 1n, c.q - 2n], [top, top], [0x7fn, 0xffn], [rnd(c.q), rnd(c.q)], [rnd(c.q), rnd(c.q)]];
    for (const [k1, k2] of pairs) {
      expect(doubleMultiply(c, k1, G, k2, Q), `k1=${k1} k2=${k2}`).toEqual(add(c, mul(c, k1, G), mul(c, k2, Q)));
    }
    // The key table is cached by point object after its second use: a point changed in place is not mistaken for it.
    const R = { ...Q };
    const k2 = rnd(c.q);
    for (let i = 0; i < 3; i++) expect(doubleMultiply(c, 3n, G, k2, R)).toEqual(add(c, mul(c, 3n, G), mul(c, k2, Q)));
    Object.assign(R, mul(c, 2n, Q));
    expect(doubleMultiply(c, 3n, G, k2, R)).toEqual(add(c, mul(c, 3n, G), mul(c, k2 * 2n, Q)));
    // Q = G: the table's and the wNAF's sums meet (P + P and P − P inside the mixed addition).
    expect(doubleMultiply(c, 1n, G, 1n, G)).toEqual(mul(c, 2n, G));
    expect(doubleMultiply(c, 5n, G, c.q - 5n, G)).toBeNull();
    // A point other than G in the first place takes the wNAF path for both scalars.
    const k = rnd(c.q);
    expect(doubleMultiply(c, k, Q, 7n, G)).toEqual(add(c, mul(c, k, Q), mul(c, 7n, G)));
    expect(multiply(c, 0n, G)).toBeNull();
    expect(() => multiply(c, -1n, G)).toThrow(RangeError);
  });
});

describe('GOST R 34.10-2012 arithmetic building blocks against the plain bigint operations', () => {
  const m = (a: bigint, p: bigint) => ((a % p) + p) % p;
  const rndBits = (bits: number) => BigInt('0x0' + randomBytes(Math.ceil(bits / 8)).toString('hex')) >> BigInt(8 * Math.ceil(bits / 8) - bits);
  const primes = [...new Set(Object.values(GOST_CURVES).flatMap((c) => [c.p]))];

  it.each(primes.map((p) => [p.toString(16).slice(0, 12) + '…', p] as const))('reduction for p = %s agrees with %% p', (_name, p) => {
    const { red, fold } = reductionFor(p);
    const n = p.toString(2).length;
    const edges = [0n, 1n, -1n, p, p - 1n, p + 1n, -p, 2n * p, p * p, (p - 1n) * (p - 1n), (1n << BigInt(n)) - 1n, 1n << BigInt(n),
      (1n << BigInt(2 * n)) - 1n, -(1n << BigInt(2 * n)), (1n << BigInt(2 * n + 150)) - 1n, -((1n << BigInt(2 * n + 150)) - 1n)];
    const values = [...edges];
    for (let i = 0; i < 300; i++) {
      const t = rndBits(1 + (i % (2 * n + 150)));
      values.push(i % 2 ? t : -t);
    }
    // The shapes the formulas make: products of lazily reduced values (a little above p, either sign).
    for (let i = 0; i < 200; i++) values.push((rndBits(n + 3) - (1n << BigInt(n + 2))) * (rndBits(n + 40) - (1n << BigInt(n + 39))));
    for (const t of values) {
      const r = red(t);
      expect(m(r, p), `red(${t})`).toBe(m(t, p));
      expect(r < 1n << BigInt(n + 1) && r > -(1n << BigInt(n + 1)), `red(${t}) = ${r} is small`).toBe(true);
      expect(m(fold(t), p), `fold(${t})`).toBe(m(t, p));
    }
  });

  it('Lehmer inverse agrees with a·a⁻¹ ≡ 1 for random and edge values, modulo every p and q', () => {
    for (const c of Object.values(GOST_CURVES)) {
      for (const mod of [c.p, c.q]) {
        const values = [1n, 2n, 3n, mod - 1n, mod - 2n, mod + 5n, -7n, (1n << 47n) + 1n, (1n << 48n) - 1n, 1n << 48n, (1n << 53n) + 3n, mod >> 1n];
        for (let i = 0; i < 40; i++) values.push(m(rndBits(mod.toString(2).length + 8), mod) || 1n);
        for (const a of values) expect((invert(a, mod) * m(a, mod)) % mod, `1/${a} mod ${mod}`).toBe(1n);
      }
    }
    expect(() => invert(0n, 7n)).toThrow(RangeError);
    expect(() => invert(6n, 9n)).toThrow(RangeError);
  });
});

describe("GOST R 34.10-2012 verifyNumber's fast path", () => {
  const m = (a: bigint, p: bigint) => ((a % p) + p) % p;
  const rnd = (q: bigint) => (BigInt('0x' + randomBytes(80).toString('hex')) % (q - 1n)) + 1n;
  /** A signature as RFC 7091 §6.1 makes it, with the checked multiply (independent of the fast path). */
  const sign = (c: (typeof GOST_CURVES)[string], d: bigint, e: bigint) => {
    for (;;) {
      const k = rnd(c.q);
      const r = multiply(c, k, { x: c.x, y: c.y })!.x % c.q;
      const s = m(r * d + k * e, c.q);
      if (r !== 0n && s !== 0n) return { r, s };
    }
  };

  it.each(Object.entries(GOST_CURVES))('%s: signatures made here verify, on first, second and cached use; altered ones do not', (_oid, c) => {
    const G = { x: c.x, y: c.y };
    const d = rnd(c.q);
    const Q = multiply(c, d, G)!;
    for (let i = 0; i < 4; i++) {
      const e = rnd(c.q);
      const { r, s } = sign(c, d, e);
      expect(verifyNumber(c, Q, e, r, s), `signature ${i}`).toBe(true);
      expect(verifyNumber(c, Q, e + 1n, r, s)).toBe(false);
      expect(verifyNumber(c, Q, e, r, m(s + 1n, c.q) || 1n)).toBe(false);
      expect(verifyNumber(c, Q, e, r === 1n ? 2n : r - 1n, s)).toBe(false);
    }
  });

  it.each(Object.entries(GOST_CURVES))('%s: the unchecked sum equals the checked one, or declines', (_oid, c) => {
    const G = { x: c.x, y: c.y };
    const Q = multiply(c, rnd(c.q), G)!;
    for (let i = 0; i < 6; i++) {
      const [k1, k2] = [rnd(c.q), rnd(c.q)];
      expect(uncheckedDoubleMultiply(c, k1, k2, Q)).toEqual(doubleMultiply(c, k1, G, k2, Q));
    }
    // The sum is the point at infinity: the fast path declines, and verification (which then takes the checked path) fails.
    const k = rnd(c.q);
    expect(uncheckedDoubleMultiply(c, k, c.q - k, G)).toBeUndefined();
    expect(uncheckedDoubleMultiply(c, c.q - 1n, 1n, G)).toBeUndefined();
    // Q = G with k1 = k2: the two halves of the sum meet; whatever the fast path does, it must not be wrong.
    const same = uncheckedDoubleMultiply(c, k, k, G);
    if (same !== undefined) expect(same).toEqual(multiply(c, 2n * k, G));
  });

  it('keeps a table for at most 256 recently used keys; an evicted key still verifies', () => {
    const c = gostCurveByOid('1.2.643.2.2.35.0')!;
    const G = { x: c.x, y: c.y };
    const keys = Array.from({ length: 260 }, (_, i) => ({ d: BigInt(i + 2) * 1_000_003n }));
    const points = keys.map(({ d }) => multiply(c, d, G)!);
    const e = 123456789n;
    for (let round = 0; round < 3; round++) {
      points.forEach((Q, i) => {
        const { r, s } = sign(c, keys[i]!.d, e);
        expect(verifyNumber(c, Q, e, r, s)).toBe(true);
      });
      expect(keyTableCount()).toBeLessThanOrEqual(256);
    }
    expect(keyTableCount()).toBe(256);
  });
});

describe('GOST R 34.10-2012 verification: standard examples (RFC 7091 §7, GOST Appendix A)', () => {
  it('example 1 (256-bit test curve)', () => {
    const c = gostCurveByOid('1.2.643.2.2.35.0')!;
    const d = big('7a929ade789bb9be10ed359dd39a72c11b60961f49397eee1d19ce9891ec3b28');
    const Q = multiply(c, d, { x: c.x, y: c.y })!;
    expect(Q.x).toBe(big('7f2b49e270db6d90d8595bec458b50c58585ba1d4e9b788f6689dbd8e56fd80b'));
    expect(Q.y).toBe(big('26f1b489d6701dd185c8413a977b3cbbaf64d1c593d26627dffb101a87ff77da'));
    const e = big('2dfbc1b372d89a1188c09c52e0eec61fce52032ab1022e8e67ece6672b043ee5');
    const r = big('41aa28d2f1ab148280cd9ed56feda41974053554a42767b83ad043fd39dc0493');
    const s = big('01456c64ba4642a1653c235a98a60249bcd6d3f746b631df928014f6c5bf9c40');
    expect(verifyNumber(c, Q, e, r, s)).toBe(true);
    expect(verifyNumber(c, Q, e + 1n, r, s)).toBe(false);
    expect(verifyNumber(c, Q, e, r, s ^ 1n)).toBe(false);
    expect(verifyNumber(c, Q, e, 0n, s)).toBe(false);
    expect(verifyNumber(c, Q, e, r, c.q)).toBe(false);
    expect(verifyNumber(c, { x: Q.x, y: Q.y + 1n }, e, r, s)).toBe(false);
  });

  it('example 2 (512-bit test curve)', () => {
    const c = gostCurveByOid('1.2.643.7.1.2.1.2.0')!;
    const d = big(
      '0ba6048aadae241ba40936d47756d7c93091a0e8514669700ee7508e508b102072e8123b2200a0563322dad2827e2714a2636b7bfd18aadfc62967821fa18dd4',
    );
    const Q = multiply(c, d, { x: c.x, y: c.y })!;
    expect(Q.x).toBe(
      big('115dc5bc96760c7b48598d8ab9e740d4c4a85a65be33c1815b5c320c854621dd5a515856d13314af69bc5b924c8b4ddff75c45415c1d9dd9dd33612cd530efe1'),
    );
    const e = big(
      '3754f3cfacc9e0615c4f4a7c4d8dab531b09b6f9c170c533a71d147035b0c5917184ee536593f4414339976c647c5d5a407adedb1d560c4fc6777d2972075b8c',
    );
    const r = big(
      '2f86fa60a081091a23dd795e1e3c689ee512a3c82ee0dcc2643c78eea8fcacd35492558486b20f1c9ec197c90699850260c93bcbcd9c5c3317e19344e173ae36',
    );
    const s = big(
      '1081b394696ffe8e6585e7a9362d26b6325f56778aadbc081c0bfbe933d52ff5823ce288e8c4f362526080df7f70ce406a6eeb1f56919cb92a9853bde73e5b4a',
    );
    expect(verifyNumber(c, Q, e, r, s)).toBe(true);
    expect(verifyNumber(c, Q, e, r + 1n, s)).toBe(false);
  });
});

describe('GOST R 34.10-2012 verification against OpenSSL signatures', () => {
  const sets: Array<[string, 256 | 512, string]> = [
    ['gost2012_256', 256, 'TCA'], // TC26-256-A (twisted Edwards curve, Weierstrass form)
    ['gost2012_256', 256, 'TCB'],
    ['gost2012_256', 256, 'TCC'],
    ['gost2012_256', 256, 'TCD'],
    ['gost2012_256', 256, 'A'], // CryptoPro-A (parameters carry the digest OID too)
    ['gost2012_256', 256, 'B'], // CryptoPro-B
    ['gost2012_256', 256, 'C'], // CryptoPro-C
    ['gost2012_256', 256, 'XA'], // CryptoPro-XchA
    ['gost2012_256', 256, 'XB'], // CryptoPro-XchB
    ['gost2012_512', 512, 'A'],
    ['gost2012_512', 512, 'B'],
    ['gost2012_512', 512, 'C'], // TC26-512-C (twisted Edwards)
  ];
  it.each(sets)('%s paramset %s', (algorithm, bits, set) => {
    const key = join(dir, `${algorithm}-${set}.key`);
    const data = join(dir, `${algorithm}-${set}.bin`);
    const sig = join(dir, `${algorithm}-${set}.sig`);
    openssl(['genpkey', '-algorithm', algorithm, '-pkeyopt', `paramset:${set}`, '-out', key]);
    const spki = openssl(['pkey', '-in', key, '-pubout', '-outform', 'DER']);
    const message = randomBytes(300);
    writeFileSync(data, message);
    openssl(['dgst', `-md_gost12_${bits}`, '-sign', key, '-out', sig, data]);
    const signature = readFileSync(sig); // s‖r big-endian, as in CMS
    const pub = gostPublicKeyFromSpki(spki);
    expect(pub.size).toBe(bits);
    expect(verifyGostSignature(pub, message, signature)).toBe(true);
    const flipped = Buffer.from(signature);
    flipped[5]! ^= 0x01;
    expect(verifyGostSignature(pub, message, flipped)).toBe(false);
    const otherMessage = Buffer.from(message);
    otherMessage[0]! ^= 0x80;
    expect(verifyGostSignature(pub, otherMessage, signature)).toBe(false);
    // r and s swapped is the classic byte-order mistake: it must not pass.
    const half = signature.length / 2;
    const swapped = Buffer.concat([signature.subarray(half), signature.subarray(0, half)]);
    expect(verifyGostSignature(pub, message, swapped)).toBe(false);
    expect(verifyGostDigest(pub, new Uint8Array(bits / 8 - 1), signature)).toBe(false);
  });

  it('refuses keys it cannot use, with a clear error', () => {
    const key = join(dir, 'ec.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const spki = execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-outform', 'DER']);
    expect(() => gostPublicKeyFromSpki(spki)).toThrow(/GOST/);
    expect(() => gostPublicKeyFromSpki(new Uint8Array([0x30, 0x05, 0x01]))).toThrow(RangeError);
  });
});
