// ECDSA over a digest already computed (what a token returns for CKM_ECDSA), on the NIST prime
// curves, with the Weierstrass arithmetic of shared/gost: node:crypto verifies ECDSA only over a
// message it hashes itself. Used by the host's check of every token signature.
import { doubleMultiply, invert, type AffinePoint } from './gost/gost3410';
import type { GostCurve } from './gost/curves';

/** A short Weierstrass curve y² = x³ + ax + b over p with base point (x, y) of order q. */
export type WeierstrassCurve = GostCurve;

const h = (s: string) => BigInt('0x' + s);

/** NIST P-256 and P-384 (FIPS 186-4 D.1.2) by their JWK curve names (P-521 is not in the table: its 521-bit order does not fit the arithmetic's 256/512-bit tables). */
export const NIST_CURVES: Readonly<Record<string, WeierstrassCurve>> = {
  'P-256': {
    name: 'P-256',
    bits: 256,
    p: h('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff'),
    a: h('ffffffff00000001000000000000000000000000fffffffffffffffffffffffc'),
    b: h('5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b'),
    q: h('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551'),
    x: h('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296'),
    y: h('4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5'),
  },
  'P-384': {
    name: 'P-384',
    bits: 384 as 256,
    p: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff'),
    a: h('fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc'),
    b: h('b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef'),
    q: h('ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973'),
    x: h('aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7'),
    y: h('3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f'),
  },
};

/** The curve's order size in bytes (the length of r and of s in a raw r‖s signature). */
export function scalarBytes(curve: WeierstrassCurve): number {
  return Math.ceil(curve.q.toString(2).length / 8);
}

/** The digest as the integer e of FIPS 186-4 §6.4: its leftmost bits, as many as the order has. */
export function digestNumber(curve: WeierstrassCurve, digest: Uint8Array): bigint {
  const e = digest.length === 0 ? 0n : BigInt('0x' + Buffer.from(digest).toString('hex'));
  const excess = digest.length * 8 - curve.q.toString(2).length;
  return excess > 0 ? e >> BigInt(excess) : e;
}

/** Verifies a raw r‖s ECDSA signature over `digest` with the public point Q. */
export function verifyEcdsaDigest(curve: WeierstrassCurve, publicKey: AffinePoint, digest: Uint8Array, signature: Uint8Array): boolean {
  const n = scalarBytes(curve);
  if (signature.length !== 2 * n) return false;
  const r = BigInt('0x' + Buffer.from(signature.subarray(0, n)).toString('hex'));
  const s = BigInt('0x' + Buffer.from(signature.subarray(n)).toString('hex'));
  const { q } = curve;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const w = invert(s, q);
  const point = doubleMultiply(curve, (digestNumber(curve, digest) * w) % q, { x: curve.x, y: curve.y }, (r * w) % q, publicKey);
  return point !== null && point.x % q === r;
}
