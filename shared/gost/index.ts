// GOST R 34.10-2012 / 34.11-2012 for Tokensign: Streebog, signature verification, OIDs.
// Written here because no maintained JavaScript library covers GOST verification; see the tests for the vectors.
import { OID } from '../oids.js';
import { gostCurveByOid, type GostCurve } from './curves.js';
import { parseGostSpki } from './spki.js';
import { bytesToBigint, leBytesToBigint, verifyDigest, type AffinePoint } from './gost3410.js';
import { streebog256, streebog512 } from './streebog.js';

export { streebog256, streebog512 } from './streebog.js';
export { GOST_CURVES, gostCurveByOid, type GostCurve } from './curves.js';
export { parseGostSpki, type GostPublicKeyInfo } from './spki.js';
export { verifyDigest, verifyNumber, isOnCurve, multiply, type AffinePoint } from './gost3410.js';

export type GostSize = 256 | 512;

/** 256 or 512 for any GOST 2012 key, digest or signature OID; undefined for anything else. */
export function gostSizeOfOid(oid: string): GostSize | undefined {
  switch (oid) {
    case OID.gost2012_256:
    case OID.streebog256:
    case OID.gost2012SignWithStreebog256:
      return 256;
    case OID.gost2012_512:
    case OID.streebog512:
    case OID.gost2012SignWithStreebog512:
      return 512;
    default:
      return undefined;
  }
}

export function streebog(size: GostSize, data: Uint8Array): Uint8Array {
  return size === 256 ? streebog256(data) : streebog512(data);
}

export interface GostPublicKey {
  size: GostSize;
  curve: GostCurve;
  paramSetOid: string;
  point: AffinePoint;
}

/** A GOST public key from a DER SubjectPublicKeyInfo; throws a RangeError for anything else. */
export function gostPublicKeyFromSpki(spki: Uint8Array): GostPublicKey {
  const info = parseGostSpki(spki);
  const size = info.algorithmOid === OID.gost2012_256 ? 256 : info.algorithmOid === OID.gost2012_512 ? 512 : undefined;
  if (!size) throw new RangeError(`not a GOST R 34.10-2012 key: ${info.algorithmOid}`);
  const curve = gostCurveByOid(info.paramSetOid);
  if (!curve) throw new RangeError(`unknown GOST parameter set ${info.paramSetOid}`);
  if (curve.bits !== size) throw new RangeError(`parameter set ${info.paramSetOid} does not fit a ${size}-bit key`);
  const n = size / 8;
  if (info.key.length !== 2 * n) throw new RangeError(`GOST public key of ${info.key.length} bytes, expected ${2 * n}`);
  return {
    size,
    curve,
    paramSetOid: info.paramSetOid,
    point: { x: leBytesToBigint(info.key.subarray(0, n)), y: leBytesToBigint(info.key.subarray(n)) },
  };
}

/**
 * Verify a GOST R 34.10-2012 signature over `data` (hashed here with the Streebog of the key's size).
 * `signature` is s‖r big-endian (RFC 4491 §2.2.2 / RFC 9215), as in CMS and X.509.
 */
export function verifyGostSignature(key: GostPublicKey, data: Uint8Array, signature: Uint8Array): boolean {
  return verifyGostDigest(key, streebog(key.size, data), signature);
}

/** As verifyGostSignature, with the Streebog digest already computed. */
export function verifyGostDigest(key: GostPublicKey, digest: Uint8Array, signature: Uint8Array): boolean {
  const n = key.size / 8;
  if (signature.length !== 2 * n || digest.length !== n) return false;
  const s = bytesToBigint(signature.subarray(0, n));
  const r = bytesToBigint(signature.subarray(n));
  return verifyDigest(key.curve, key.point, digest, r, s);
}
