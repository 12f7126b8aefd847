// GOST R 34.10-2012 signature verification (RFC 7091 §6.2) on bigint, in Jacobian coordinates.
import type { GostCurve } from './curves.js';

export interface AffinePoint {
  x: bigint;
  y: bigint;
}
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint; // z = 0: the point at infinity
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** a^-1 mod m by the extended Euclidean algorithm; m prime, a ≠ 0 mod m. */
export function invert(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m];
  let [s0, s1] = [1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return mod(s0, m);
}

function double(c: GostCurve, P: Jacobian): Jacobian {
  const { p, a } = c;
  if (P.z === 0n || P.y === 0n) return { x: 0n, y: 1n, z: 0n };
  const xx = (P.x * P.x) % p;
  const yy = (P.y * P.y) % p;
  const yyyy = (yy * yy) % p;
  const zz = (P.z * P.z) % p;
  const s = (4n * P.x * yy) % p;
  const m = mod(3n * xx + a * ((zz * zz) % p), p);
  const x3 = mod(m * m - 2n * s, p);
  const y3 = mod(m * (s - x3) - 8n * yyyy, p);
  const z3 = (2n * P.y * P.z) % p;
  return { x: x3, y: y3, z: z3 };
}

function add(c: GostCurve, P: Jacobian, Q: Jacobian): Jacobian {
  const { p } = c;
  if (P.z === 0n) return Q;
  if (Q.z === 0n) return P;
  const z1z1 = (P.z * P.z) % p;
  const z2z2 = (Q.z * Q.z) % p;
  const u1 = (P.x * z2z2) % p;
  const u2 = (Q.x * z1z1) % p;
  const s1 = (((P.y * Q.z) % p) * z2z2) % p;
  const s2 = (((Q.y * P.z) % p) * z1z1) % p;
  const hh = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  if (hh === 0n) return r === 0n ? double(c, P) : { x: 0n, y: 1n, z: 0n };
  const h2 = (hh * hh) % p;
  const h3 = (h2 * hh) % p;
  const u1h2 = (u1 * h2) % p;
  const x3 = mod(r * r - h3 - 2n * u1h2, p);
  const y3 = mod(r * (u1h2 - x3) - s1 * h3, p);
  const z3 = (((P.z * Q.z) % p) * hh) % p;
  return { x: x3, y: y3, z: z3 };
}

function toAffine(c: GostCurve, P: Jacobian): AffinePoint | null {
  if (P.z === 0n) return null;
  const zi = invert(P.z, c.p);
  const zi2 = (zi * zi) % c.p;
  return { x: (P.x * zi2) % c.p, y: (((P.y * zi2) % c.p) * zi) % c.p };
}

const jac = (P: AffinePoint): Jacobian => ({ x: P.x, y: P.y, z: 1n });

/** k1·P + k2·Q with one shared chain of doublings (Shamir's trick); null for the point at infinity. */
export function doubleMultiply(c: GostCurve, k1: bigint, P: AffinePoint, k2: bigint, Q: AffinePoint): AffinePoint | null {
  const jp = jac(P);
  const jq = jac(Q);
  const both = add(c, jp, jq);
  let acc: Jacobian = { x: 0n, y: 1n, z: 0n };
  const n = Math.max(k1.toString(2).length, k2.toString(2).length);
  for (let i = n - 1; i >= 0; i--) {
    acc = double(c, acc);
    const b1 = (k1 >> BigInt(i)) & 1n;
    const b2 = (k2 >> BigInt(i)) & 1n;
    if (b1 && b2) acc = add(c, acc, both);
    else if (b1) acc = add(c, acc, jp);
    else if (b2) acc = add(c, acc, jq);
  }
  return toAffine(c, acc);
}

/** k·P (public data only: not constant-time). */
export function multiply(c: GostCurve, k: bigint, P: AffinePoint): AffinePoint | null {
  return doubleMultiply(c, k, P, 0n, P);
}

export function isOnCurve(c: GostCurve, P: AffinePoint): boolean {
  const { p } = c;
  if (P.x < 0n || P.x >= p || P.y < 0n || P.y >= p) return false;
  return mod(P.y * P.y - (P.x * P.x * P.x + c.a * P.x + c.b), p) === 0n;
}

/** Big-endian bytes → bigint. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Little-endian bytes → bigint. */
export function leBytesToBigint(bytes: Uint8Array): bigint {
  return bytesToBigint(Uint8Array.from(bytes).reverse());
}

/**
 * Verify a GOST R 34.10-2012 signature (r, s) on the integer e taken from the digest.
 * `digest` is the hash as Streebog outputs it (OpenSSL byte order), read as a little-endian number.
 */
export function verifyDigest(c: GostCurve, publicKey: AffinePoint, digest: Uint8Array, r: bigint, s: bigint): boolean {
  if (digest.length !== c.bits / 8) return false;
  return verifyNumber(c, publicKey, leBytesToBigint(digest), r, s);
}

/** The verification of RFC 7091 §6.2 with the hash already as the number α. */
export function verifyNumber(c: GostCurve, publicKey: AffinePoint, alpha: bigint, r: bigint, s: bigint): boolean {
  const { q } = c;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  if (!isOnCurve(c, publicKey)) return false;
  let e = alpha % q;
  if (e === 0n) e = 1n;
  const v = invert(e, q);
  const z1 = (s * v) % q;
  const z2 = mod(-r * v, q);
  const C = doubleMultiply(c, z1, { x: c.x, y: c.y }, z2, publicKey);
  return C !== null && C.x % q === r;
}
