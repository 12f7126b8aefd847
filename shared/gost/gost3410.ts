// GOST R 34.10-2012 signature verification (RFC 7091 §6.2) on bigint, in Jacobian coordinates.
// Speed (all data here is public, so nothing needs to be constant-time):
// - k1·G from a per-curve table of signed 2^W-ary digits × powers of G (built on first use): additions only;
// - k2·Q by width-5 wNAF over odd multiples of Q; a key seen again (same object) gets odd multiples of Q, 2^s·Q,
//   2^2s·Q, 2^3s·Q (s = a quarter of the bits), so its chain of doublings is four times shorter;
// - field elements are kept lazily reduced (any representative of small size, possibly negative): only products
//   are reduced, by `% p` or, for p = 2^n − c with small c, by folding the high half; one normalisation at the end.
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

interface Field {
  p: bigint;
  a: bigint;
  /** a ≡ −3 (mod p): the cheaper doubling (all CryptoPro and most TC26 sets). */
  aIsMinus3: boolean;
  /** A product → a congruent value of about p's size (sign not fixed). */
  red: (t: bigint) => bigint;
}

const fields = new WeakMap<GostCurve, Field>();

function fieldOf(c: GostCurve): Field {
  let f = fields.get(c);
  if (!f) {
    const n = BigInt(c.p.toString(2).length);
    const fold = (1n << n) - c.p; // p = 2^n − fold
    const mask = (1n << n) - 1n;
    let red = (t: bigint) => t % c.p;
    if (fold > 0n && fold < 1n << 16n) {
      // 2^n ≡ fold: two folds bring any product here (below 2^(2n+16)) to within (−2^49, 2^n + 2^49).
      red = (t) => {
        t = (t & mask) + (t >> n) * fold;
        return (t & mask) + (t >> n) * fold;
      };
    }
    f = { p: c.p, a: c.a, aIsMinus3: mod(c.a + 3n, c.p) === 0n, red };
    fields.set(c, f);
  }
  return f;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

// Formulas: "dbl-2001-b" (a = −3) and "dbl-2007-bl", and mixed addition with Z2 = 1 ("madd"), from the
// Explicit-Formulas Database. Outputs are small linear combinations of reduced products, so they stay small.
function double(f: Field, P: Jacobian): Jacobian {
  const { red } = f;
  const { x, y, z } = P;
  if (f.aIsMinus3) {
    const delta = red(z * z);
    const gamma = red(y * y);
    const beta = red(x * gamma);
    const alpha = red((x - delta) * (x + delta) * 3n);
    const x3 = red(alpha * alpha) - 8n * beta;
    return { x: x3, y: red(alpha * (4n * beta - x3)) - 8n * red(gamma * gamma), z: red(y * z * 2n) };
  }
  const xx = red(x * x);
  const yy = red(y * y);
  const zz = red(z * z);
  const s = red(x * yy * 4n);
  const m = 3n * xx + red(f.a * red(zz * zz));
  const x3 = red(m * m) - 2n * s;
  return { x: x3, y: red(m * (s - x3)) - 8n * red(yy * yy), z: red(y * z * 2n) };
}

/** P + Q with Q affine (Z = 1); Q must not be the point at infinity. */
function addMixed(f: Field, P: Jacobian, Q: AffinePoint): Jacobian {
  const { red, p } = f;
  const { x, y, z } = P;
  if (z % p === 0n) return { x: Q.x, y: Q.y, z: 1n };
  const zz = red(z * z);
  const h = red(Q.x * zz) - x;
  const r = red(Q.y * red(z * zz)) - y;
  if (h % p === 0n) return r % p === 0n ? double(f, P) : INFINITY;
  const hh = red(h * h);
  const hhh = red(h * hh);
  const v = red(x * hh);
  const x3 = red(r * r) - hhh - 2n * v;
  return { x: x3, y: red(r * (v - x3)) - red(y * hhh), z: red(z * h) };
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

/** k ≥ 0 in width-w NAF, least significant digit first: odd digits in (−2^(w−1), 2^(w−1)) or 0. */
function wnaf(k: bigint, w: number): Int8Array {
  const bits = Array.from(k.toString(2), Number).reverse();
  const n = bits.length;
  for (let i = 0; i <= w; i++) bits.push(0);
  const out = new Int8Array(n + 1);
  const full = 1 << w;
  for (let i = 0; i <= n; ) {
    if (bits[i] === 0) {
      i++;
      continue;
    }
    let d = 0;
    for (let j = 0; j < w; j++) d |= bits[i + j]! << j;
    if (d >= full >> 1) {
      d -= full; // borrow: add 2^w, i.e. carry one into bit i + w
      let j = i + w;
      while (bits[j] === 1) bits[j++] = 0;
      bits[j] = 1;
    }
    out[i] = d;
    i += w;
  }
  return out;
}

const WNAF_WIDTH = 5;
/** Fixed-base digits: W bits per window, signed (−2^(W−1), 2^(W−1)], so each window needs 2^(W−1) points. */
const W = 7;

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

/** acc + k·G through the base table (0 ≤ k < q). */
function addBaseMultiple(c: GostCurve, f: Field, acc: Jacobian, k: bigint): Jacobian {
  const { windows, rows } = baseTable(c, f);
  const bin = k.toString(2);
  const full = 1 << W;
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
    if (d > 0) acc = addMixed(f, acc, rows[i]![d - 1]!);
    else if (d < 0) {
      const P = rows[i]![-d - 1]!;
      acc = addMixed(f, acc, { x: P.x, y: -P.y });
    }
  }
  if (carry) throw new RangeError('scalar too large for the base table');
  return acc;
}

/** Odd multiples P, 3P, …, (2^(w−1) − 1)P in affine form; null entries when a small-order point makes one infinite. */
function oddMultiples(f: Field, P: AffinePoint): Array<AffinePoint | null> {
  const twice = toAffine(f, double(f, { x: P.x, y: P.y, z: 1n }));
  const odd: Jacobian[] = [{ x: P.x, y: P.y, z: 1n }];
  for (let i = 1; i < 1 << (WNAF_WIDTH - 2); i++) {
    const prev = odd[i - 1]!;
    odd.push(twice ? addMixed(f, prev, twice) : prev);
  }
  return toAffineAll(f, odd);
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
  parts: Array<Array<AffinePoint | null>>;
}

function partsTable(c: GostCurve, f: Field, P: AffinePoint, partCount: number): PointTable {
  const span = Math.ceil(c.q.toString(2).length / partCount);
  const parts = [oddMultiples(f, P)];
  let base: Jacobian = { x: P.x, y: P.y, z: 1n };
  for (let t = 1; t < partCount; t++) {
    for (let i = 0; i < span; i++) base = double(f, base);
    const affine = toAffine(f, base);
    parts.push(affine ? oddMultiples(f, affine) : []);
  }
  return { curve: c, x: P.x, y: P.y, span, parts };
}

/** Public keys seen before (by object, as the caller's key cache holds them): their 4-part tables (built on the 2nd use). */
const KEY_PARTS = 4;
const keyTables = new WeakMap<AffinePoint, PointTable | 'seen'>();

/** The plain wNAF table: odd multiples of P only, span = k's length. */
function singleTable(c: GostCurve, f: Field, P: AffinePoint, k: bigint): PointTable {
  return { curve: c, x: P.x, y: P.y, span: k.toString(2).length, parts: [oddMultiples(f, P)] };
}

function tableFor(c: GostCurve, f: Field, P: AffinePoint, k: bigint): PointTable {
  if (k >= c.q) return singleTable(c, f, P, k);
  const known = keyTables.get(P);
  if (known && known !== 'seen' && known.curve === c && known.x === P.x && known.y === P.y) return known;
  if (known) {
    const table = partsTable(c, f, P, KEY_PARTS);
    keyTables.set(P, table);
    return table;
  }
  keyTables.set(P, 'seen');
  return singleTable(c, f, P, k);
}

/** k·P with the table: one shared chain of `span` doublings, wNAF digits of each span-bit part of k. */
function tableMultiply(f: Field, t: PointTable, k: bigint): Jacobian {
  const mask = (1n << BigInt(t.span)) - 1n;
  const digits = t.parts.map((_, i) => wnaf((k >> BigInt(i * t.span)) & mask, WNAF_WIDTH));
  if (k >> BigInt(t.parts.length * t.span) !== 0n) throw new RangeError('scalar too large for the point table');
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
  const C = doubleMultiply(c, z1, { x: c.x, y: c.y }, z2, publicKey);
  return C !== null && C.x % q === r;
}
