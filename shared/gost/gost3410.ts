// GOST R 34.10-2012 signature verification (RFC 7091 §6.2) on bigint, in Jacobian coordinates.
// Speed (all data here is public, so nothing needs to be constant-time):
// - k1·G from a per-curve table of signed 2^9-ary digits × powers of G (built on first use: 7,424 points, 1.2 MiB
//   for 256 bits; 14,592, 2.9 MiB for 512): 29 additions for 256 bits, no doublings;
// - k2·Q by width-5 wNAF over odd multiples of Q; a key seen again (same object) gets a table of odd multiples of
//   Q, 2^s·Q, 2^2s·Q, … (16 parts, s = bits/16), so its chain of doublings is 16 times shorter;
// - field elements are kept lazily reduced (any representative of small size, possibly negative): only products
//   are reduced, by `% p` or, for p = 2^n − d with small |d|, by folding the high half;
// - verifyNumber runs one accumulator without the exceptional-case checks (they show at the end as z ≡ 0, and
//   then the checked path decides) and compares x without inverting z; the scalar inverse uses Lehmer's algorithm.
import { BoundedCache } from '../bounded-cache.js';
import type { GostCurve } from './curves.js';

export interface AffinePoint {
  x: bigint;
  y: bigint;
}
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint; // z ≡ 0 (mod p): the point at infinity
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/** Bits of the leading parts Lehmer's algorithm works on: quotients and cofactors stay exact in a double (< 2^53). */
const LEHMER_BITS = 48;

/**
 * a^-1 mod m (m prime, a ≢ 0) by the extended Euclidean algorithm with Lehmer's speed-up (Knuth, TAOCP vol. 2,
 * 4.5.2, Algorithm L): runs of quotients are found on the leading 48 bits as plain numbers, and applied to the
 * bigints as one 2×2 matrix, so most steps cost no bigint division.
 */
export function invert(a: bigint, m: bigint): bigint {
  let u = m;
  let v = mod(a, m);
  let su = 0n; // u ≡ su·a (mod m)
  let sv = 1n; // v ≡ sv·a (mod m)
  while (v !== 0n) {
    const shift = BigInt(Math.max(0, u.toString(16).length * 4 - LEHMER_BITS));
    let uh = Number(u >> shift);
    let vh = Number(v >> shift);
    // (u, v) ← (A·u + B·v, C·u + D·v) once the run ends; each step holds only while both bounds give the same quotient.
    let A = 1;
    let B = 0;
    let C = 0;
    let D = 1;
    while (vh + C !== 0 && vh + D !== 0) {
      const q = Math.floor((uh + A) / (vh + C));
      if (q !== Math.floor((uh + B) / (vh + D))) break;
      const c1 = A - q * C;
      A = C;
      C = c1;
      const d1 = B - q * D;
      B = D;
      D = d1;
      const v1 = uh - q * vh;
      uh = vh;
      vh = v1;
    }
    let nu: bigint, nv: bigint, nsu: bigint, nsv: bigint;
    if (B === 0) {
      const q = u / v;
      [nu, nv, nsu, nsv] = [v, u - q * v, sv, su - q * sv];
    } else {
      const a1 = BigInt(A);
      const b1 = BigInt(B);
      const c1 = BigInt(C);
      const d1 = BigInt(D);
      [nu, nv, nsu, nsv] = [a1 * u + b1 * v, c1 * u + d1 * v, a1 * su + b1 * sv, c1 * su + d1 * sv];
    }
    u = nu;
    v = nv;
    su = nsu;
    sv = nsv;
  }
  if (u !== 1n) throw new RangeError('not invertible');
  const inverse = mod(su, m);
  if (mod(inverse * a, m) !== 1n) throw new Error('modular inverse check failed'); // one product: a bug here is loud
  return inverse;
}

interface Field {
  p: bigint;
  a: bigint;
  /** a ≡ −3 (mod p): the cheaper doubling (all CryptoPro and most TC26 sets). */
  aIsMinus3: boolean;
  /** Reductions of products (see reductionFor): `red` for values kept between steps, `fold` inside one formula. */
  red: (t: bigint) => bigint;
  fold: (t: bigint) => bigint;
}

const fields = new WeakMap<GostCurve, Field>();

/** Largest |d| for which p = 2^n − d gets the folding reduction (d of at most 16 bits). */
const FOLD_LIMIT = 1n << 16n;

export interface Reduction {
  /** A congruent value of about p's size, sign not fixed: |result| < 2^(n+1) for any |t| < 2^(2n+200). */
  red: (t: bigint) => bigint;
  /** A congruent value at most 16 bits longer than |t| / 2^n: cheaper, for intermediates used again at once. */
  fold: (t: bigint) => bigint;
}

/**
 * The reductions of products for p. For p = 2^n − d with small |d| (2^256 − 617, 2^512 − 569, 2^255 + 3225,
 * 2^511 + 111, …) 2^n ≡ d, so a fold t = lo + hi·2^n ≡ lo + hi·d drops n bits less d's 16; two folds bring any
 * |t| < 2^(2n+200) within (−2^233, 2^n + 2^233). Other primes take `%` for both.
 */
export function reductionFor(p: bigint): Reduction {
  const bits = BigInt(p.toString(2).length);
  for (const n of [bits, bits - 1n]) {
    const d = (1n << n) - p;
    if (d === 0n || d >= FOLD_LIMIT || d <= -FOLD_LIMIT) continue;
    const mask = (1n << n) - 1n;
    const fold = (t: bigint) => (t & mask) + (t >> n) * d;
    return {
      // The second fold as t − hi·p (the same value, as hi·p = hi·2^n − hi·d): one bigint operation fewer.
      red: (t) => {
        t = (t & mask) + (t >> n) * d;
        return t - (t >> n) * p;
      },
      fold,
    };
  }
  const rem = (t: bigint) => t % p;
  return { red: rem, fold: rem };
}

function fieldOf(c: GostCurve): Field {
  let f = fields.get(c);
  if (!f) {
    f = { p: c.p, a: c.a, aIsMinus3: mod(c.a + 3n, c.p) === 0n, ...reductionFor(c.p) };
    fields.set(c, f);
  }
  return f;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

// Formulas: "dbl-2001-b" (a = −3) and "dbl-2007-bl", and mixed addition with Z2 = 1 ("madd"), from the
// Explicit-Formulas Database, in place on P. Coordinates kept between steps get the full reduction; values used
// again within the formula only one fold (each adds at most ~16 + the factors' excess bits, a few dozen in all:
// far inside red's range). Neither function checks for the exceptional cases: doubling a point with y ≡ 0, or
// adding Q = ±P or to P at infinity. Each of those gives z ≡ 0, and z ≡ 0 stays 0 through later steps
// (z3 = 2·y·z or z·h), so a chain of them that ends with z ≢ 0 met none (the fast path in verifyNumber relies on this).
function doubleInPlace(f: Field, P: Jacobian): void {
  const { red, fold } = f;
  const { x, y, z } = P;
  if (f.aIsMinus3) {
    const delta = fold(z * z);
    const gamma = fold(y * y);
    const beta = fold(x * gamma);
    const alpha = fold((x - delta) * (x + delta) * 3n);
    const x3 = red(alpha * alpha - 8n * beta);
    P.x = x3;
    P.y = red(alpha * (4n * beta - x3) - 8n * gamma * gamma);
    P.z = red(y * z * 2n);
    return;
  }
  const xx = fold(x * x);
  const yy = fold(y * y);
  const zz = fold(z * z);
  const s = fold(x * yy * 4n);
  const m = 3n * xx + fold(f.a * fold(zz * zz));
  const x3 = red(m * m - 2n * s);
  P.x = x3;
  P.y = red(m * (s - x3) - 8n * yy * yy);
  P.z = red(y * z * 2n);
}

/** P += (qx, qy), an affine point (coordinates below 2^(n+1)). */
function addMixedInPlace(f: Field, P: Jacobian, qx: bigint, qy: bigint): void {
  const { red, fold } = f;
  const { x, y, z } = P;
  const zz = fold(z * z);
  const h = fold(qx * zz) - x;
  const r = fold(qy * fold(z * zz)) - y;
  const hh = fold(h * h);
  const hhh = fold(h * hh);
  const v = fold(x * hh);
  const x3 = red(r * r - hhh - 2n * v);
  P.x = x3;
  P.y = red(r * (v - x3) - y * hhh);
  P.z = red(z * h);
}

function double(f: Field, P: Jacobian): Jacobian {
  const out = { ...P };
  doubleInPlace(f, out);
  return out;
}

/** P + Q with Q affine (Z = 1), the exceptional cases handled; Q must not be the point at infinity. */
function addMixed(f: Field, P: Jacobian, Q: AffinePoint): Jacobian {
  const { red, p } = f;
  const { x, y, z } = P;
  if (z % p === 0n) return { x: Q.x, y: Q.y, z: 1n };
  const zz = red(z * z);
  const h = red(Q.x * zz) - x;
  if (h % p === 0n) return (red(Q.y * red(z * zz)) - y) % p === 0n ? double(f, P) : INFINITY;
  const out = { ...P };
  addMixedInPlace(f, out, Q.x, Q.y);
  return out;
}

/** Jacobian points → affine with one inversion (Montgomery's trick); null for the point at infinity. */
function toAffineAll(f: Field, points: Jacobian[]): Array<AffinePoint | null> {
  const { p } = f;
  const zs = points.map((P) => mod(P.z, p));
  const prefix: bigint[] = [];
  let acc = 1n;
  for (const z of zs) {
    prefix.push(acc);
    if (z !== 0n) acc = (acc * z) % p;
  }
  let inv = invert(acc, p);
  const out: Array<AffinePoint | null> = new Array<AffinePoint | null>(points.length).fill(null);
  for (let i = points.length - 1; i >= 0; i--) {
    const z = zs[i]!;
    if (z === 0n) continue;
    const zi = (inv * prefix[i]!) % p;
    inv = (inv * z) % p;
    const zi2 = (zi * zi) % p;
    const P = points[i]!;
    out[i] = { x: mod(P.x * zi2, p), y: mod(P.y * ((zi2 * zi) % p), p) };
  }
  return out;
}

function toAffine(f: Field, P: Jacobian): AffinePoint | null {
  return toAffineAll(f, [P])[0]!;
}

/** k's bits, least significant first, zero-padded to `length`; a RangeError when k needs more. */
function bitsOf(k: bigint, length: number): Uint8Array {
  const bin = k.toString(2);
  if (bin.length > length) throw new RangeError('scalar too large for the point table');
  const out = new Uint8Array(length);
  for (let i = 0, j = bin.length - 1; j >= 0; i++, j--) out[i] = bin.charCodeAt(j) - 48;
  return out;
}

/**
 * Width-w NAF of the `length` bits of `bits` from `from` on (least significant first): odd digits in
 * (−2^(w−1), 2^(w−1)) or 0, length + 1 of them.
 */
function wnaf(bits: Uint8Array, from: number, length: number, w: number): Int8Array {
  const b = new Uint8Array(length + w + 1);
  b.set(bits.subarray(from, from + length));
  const out = new Int8Array(length + 1);
  const full = 1 << w;
  for (let i = 0; i <= length; ) {
    if (b[i] === 0) {
      i++;
      continue;
    }
    let d = 0;
    for (let j = 0; j < w; j++) d |= b[i + j]! << j;
    if (d >= full >> 1) {
      d -= full; // borrow: add 2^w, i.e. carry one into bit i + w
      let j = i + w;
      while (b[j] === 1) b[j++] = 0;
      b[j] = 1;
    }
    out[i] = d;
    i += w;
  }
  return out;
}

/** The wNAF digits of k for each span-bit part of a table. */
function partDigits(t: PointTable, k: bigint): Int8Array[] {
  const bits = bitsOf(k, t.parts.length * t.span);
  return t.parts.map((_, i) => wnaf(bits, i * t.span, t.span, t.width));
}

const WNAF_WIDTH = 5;
/** Fixed-base digits: W bits per window, signed (−2^(W−1), 2^(W−1)], so each window needs 2^(W−1) points. */
const W = 9;

interface BaseTable {
  windows: number;
  /** rows[i][j − 1] = j · 2^(W·i) · G, j = 1 … 2^(W−1). */
  rows: AffinePoint[][];
}

const baseTables = new WeakMap<GostCurve, BaseTable>();

function baseTable(c: GostCurve, f: Field): BaseTable {
  let t = baseTables.get(c);
  if (!t) {
    const windows = Math.ceil((c.q.toString(2).length + 1) / W);
    const half = 1 << (W - 1);
    const jac: Jacobian[] = [];
    let base: AffinePoint = { x: c.x, y: c.y };
    for (let i = 0; i < windows; i++) {
      let P: Jacobian = { x: base.x, y: base.y, z: 1n };
      for (let j = 1; j <= half; j++) {
        jac.push(P);
        P = addMixed(f, P, base);
      }
      // The next window's base: 2^W·base = 2·(half·base), half·base being the last point pushed.
      const next = toAffine(f, double(f, jac[jac.length - 1]!));
      if (!next) throw new RangeError(`${c.name}: base point of small order`);
      base = next;
    }
    const flat = toAffineAll(f, jac);
    const rows: AffinePoint[][] = [];
    for (let i = 0; i < windows; i++) {
      rows.push(flat.slice(i * half, (i + 1) * half).map((P) => {
        if (!P) throw new RangeError(`${c.name}: base point of small order`);
        return P;
      }));
    }
    t = { windows, rows };
    baseTables.set(c, t);
  }
  return t;
}

/** k (0 ≤ k < q) as one signed digit per window of the base table, least significant first. */
function baseDigits(k: bigint, windows: number): Int16Array {
  const bin = k.toString(2);
  const full = 1 << W;
  const digits = new Int16Array(windows);
  let carry = 0;
  for (let i = 0; i < windows; i++) {
    const end = bin.length - W * i;
    const chunk = end > 0 ? bin.slice(Math.max(0, end - W), end) : '';
    let d = (chunk ? parseInt(chunk, 2) : 0) + carry;
    carry = 0;
    if (d > full >> 1) {
      d -= full;
      carry = 1;
    }
    digits[i] = d;
  }
  if (carry) throw new RangeError('scalar too large for the base table');
  return digits;
}

/** acc + k·G through the base table (0 ≤ k < q). */
function addBaseMultiple(c: GostCurve, f: Field, acc: Jacobian, k: bigint): Jacobian {
  const { windows, rows } = baseTable(c, f);
  const digits = baseDigits(k, windows);
  for (let i = 0; i < windows; i++) {
    const d = digits[i]!;
    if (d > 0) acc = addMixed(f, acc, rows[i]![d - 1]!);
    else if (d < 0) {
      const P = rows[i]![-d - 1]!;
      acc = addMixed(f, acc, { x: P.x, y: -P.y });
    }
  }
  return acc;
}

/**
 * For each point P (null: none), its odd multiples P, 3P, …, (2^(w−1) − 1)P in affine form, with two inversions in
 * all; null entries where a point of small order makes one infinite.
 */
function oddMultiplesAll(f: Field, points: Array<AffinePoint | null>, width: number): Array<Array<AffinePoint | null>> {
  const twice = toAffineAll(f, points.map((P) => (P ? double(f, { x: P.x, y: P.y, z: 1n }) : INFINITY)));
  const count = 1 << (width - 2);
  const odd: Jacobian[] = [];
  points.forEach((P, j) => {
    const T = twice[j];
    let M: Jacobian = P ? { x: P.x, y: P.y, z: 1n } : INFINITY;
    for (let i = 0; i < count; i++) {
      odd.push(M);
      if (P && T) M = addMixed(f, M, T);
    }
  });
  const flat = toAffineAll(f, odd);
  return points.map((_, j) => flat.slice(j * count, (j + 1) * count));
}

function oddMultiples(f: Field, P: AffinePoint, width: number): Array<AffinePoint | null> {
  return oddMultiplesAll(f, [P], width)[0]!;
}

/**
 * Odd multiples of P, 2^span·P, 2^(2·span)·P, …: k·P then needs only `span` doublings (k split in span-bit parts).
 * One part (span = the whole scalar) is plain wNAF.
 */
interface PointTable {
  curve: GostCurve;
  x: bigint;
  y: bigint;
  span: number;
  /** The wNAF width: each part holds the odd multiples up to (2^(width−1) − 1)·P. */
  width: number;
  parts: Array<Array<AffinePoint | null>>;
}

function partsTable(c: GostCurve, f: Field, P: AffinePoint, partCount: number, width: number): PointTable {
  const span = Math.ceil(c.q.toString(2).length / partCount);
  const bases: Jacobian[] = [{ x: P.x, y: P.y, z: 1n }];
  for (let t = 1; t < partCount; t++) {
    const B = { ...bases[t - 1]! };
    for (let i = 0; i < span; i++) doubleInPlace(f, B); // doubling needs no checks: z ≡ 0 in, z ≡ 0 out
    bases.push(B);
  }
  const parts = oddMultiplesAll(f, toAffineAll(f, bases), width);
  return { curve: c, x: P.x, y: P.y, span, width, parts };
}

/**
 * Public keys seen before (by object, as the caller's key cache holds them) get a table on their second use:
 * KEY_PARTS parts of width-KEY_WIDTH wNAF, so k·Q takes 16 doublings instead of 256. A table holds 256 points
 * (~37 KiB for a 256-bit key, ~52 KiB for 512), so only the KEY_TABLE_LIMIT most recently used keys keep one.
 */
const KEY_PARTS = 16;
const KEY_WIDTH = 6;
const KEY_TABLE_LIMIT = 256;
const seenKeys = new WeakSet<AffinePoint>();
const keyTables = new BoundedCache<AffinePoint, PointTable>(KEY_TABLE_LIMIT);

/** How many public-key tables are kept (for tests). */
export function keyTableCount(): number {
  return keyTables.size;
}

/** The plain wNAF table: odd multiples of P only, span = k's length. */
function singleTable(c: GostCurve, f: Field, P: AffinePoint, k: bigint): PointTable {
  return { curve: c, x: P.x, y: P.y, span: k.toString(2).length, width: WNAF_WIDTH, parts: [oddMultiples(f, P, WNAF_WIDTH)] };
}

function tableFor(c: GostCurve, f: Field, P: AffinePoint, k: bigint): PointTable {
  if (k >= c.q) return singleTable(c, f, P, k);
  const known = keyTables.get(P);
  if (known || seenKeys.has(P)) {
    // A point changed in place since its table was made gets a new one.
    const table = known && known.curve === c && known.x === P.x && known.y === P.y ? known : partsTable(c, f, P, KEY_PARTS, KEY_WIDTH);
    return keyTables.set(P, table);
  }
  seenKeys.add(P);
  return singleTable(c, f, P, k);
}

/** k·P with the table: one shared chain of `span` doublings, wNAF digits of each span-bit part of k. */
function tableMultiply(f: Field, t: PointTable, k: bigint): Jacobian {
  const digits = partDigits(t, k);
  let acc = INFINITY;
  for (let i = Math.max(...digits.map((d) => d.length)) - 1; i >= 0; i--) {
    acc = double(f, acc);
    for (let j = 0; j < digits.length; j++) {
      const d = digits[j]![i];
      const M = d ? t.parts[j]![(Math.abs(d) - 1) >> 1] : null;
      if (M) acc = addMixed(f, acc, d! > 0 ? M : { x: M.x, y: -M.y });
    }
  }
  return acc;
}

/** k1·P + k2·Q (k1, k2 ≥ 0); null for the point at infinity. P = the curve's base point takes the table. */
export function doubleMultiply(c: GostCurve, k1: bigint, P: AffinePoint, k2: bigint, Q: AffinePoint): AffinePoint | null {
  if (k1 < 0n || k2 < 0n) throw new RangeError('negative scalar');
  const f = fieldOf(c);
  let acc = k2 === 0n ? INFINITY : tableMultiply(f, tableFor(c, f, Q, k2), k2);
  if (k1 !== 0n) {
    if (P.x === c.x && P.y === c.y) acc = addBaseMultiple(c, f, acc, k1 % c.q);
    else {
      const part = toAffine(f, tableMultiply(f, singleTable(c, f, P, k1), k1));
      if (part) acc = addMixed(f, acc, part);
    }
  }
  return toAffine(f, acc);
}

/**
 * k1·G + k2·Q as verifyNumber needs it (0 < k1, k2 < q), in Jacobian form: the same tables as doubleMultiply, one
 * accumulator changed in place and no checks for the exceptional cases (see doubleInPlace). Null when one may have
 * happened (z ≡ 0 at the end) or a table entry is infinite (Q of small order): then doubleMultiply decides.
 */
function fastDoubleMultiply(c: GostCurve, f: Field, k1: bigint, k2: bigint, Q: AffinePoint): Jacobian | null {
  const acc: Jacobian = { x: 0n, y: 0n, z: 1n };
  let empty = true; // acc is the point at infinity until the first addition
  const add = (P: AffinePoint, negate: boolean): void => {
    const y = negate ? -P.y : P.y;
    if (!empty) addMixedInPlace(f, acc, P.x, y);
    else {
      acc.x = P.x;
      acc.y = y;
      empty = false;
    }
  };

  const t = tableFor(c, f, Q, k2);
  const digits = partDigits(t, k2);
  for (let i = Math.max(...digits.map((d) => d.length)) - 1; i >= 0; i--) {
    if (!empty) doubleInPlace(f, acc);
    for (let j = 0; j < digits.length; j++) {
      const d = digits[j]![i];
      if (!d) continue;
      const M = t.parts[j]![(Math.abs(d) - 1) >> 1];
      if (!M) return null;
      add(M, d < 0);
    }
  }

  const { windows, rows } = baseTable(c, f);
  const base = baseDigits(k1, windows);
  for (let i = 0; i < windows; i++) {
    const d = base[i]!;
    if (d) add(rows[i]![Math.abs(d) - 1]!, d < 0);
  }
  return empty || acc.z % f.p === 0n ? null : acc;
}

/** verifyNumber's fast k1·G + k2·Q in affine form; undefined when it declines (then doubleMultiply decides). For tests. */
export function uncheckedDoubleMultiply(c: GostCurve, k1: bigint, k2: bigint, Q: AffinePoint): AffinePoint | undefined {
  const f = fieldOf(c);
  const J = fastDoubleMultiply(c, f, k1, k2, Q);
  return J ? toAffine(f, J) ?? undefined : undefined;
}

/** Is x(P) mod q = r, for P = (X : Y : Z) with Z ≢ 0? Without inverting Z: x = X/Z² is one of r, r + q, … below p. */
function affineXModQ(c: GostCurve, P: Jacobian, r: bigint): boolean {
  const { p, q } = c;
  const zz = mod(P.z * P.z, p);
  const x = mod(P.x, p);
  for (let candidate = r; candidate < p; candidate += q) {
    if ((candidate * zz) % p === x) return true;
  }
  return false;
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
  let hex = '0x0';
  for (const b of bytes) hex += (b < 16 ? '0' : '') + b.toString(16);
  return BigInt(hex);
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
  const fast = fastDoubleMultiply(c, fieldOf(c), z1, z2, publicKey);
  if (fast) return affineXModQ(c, fast, r);
  const C = doubleMultiply(c, z1, { x: c.x, y: c.y }, z2, publicKey);
  return C !== null && C.x % q === r;
}
