// The SubjectPublicKeyInfo of a GOST R 34.10-2012 key (RFC 9215 §4), read with the project's DER reader.
import { children, DerError, expectTag, readBitString, readOid, readRoot, TAG } from '../der.js';

export interface GostPublicKeyInfo {
  /** 1.2.643.7.1.1.1.1 (256) or 1.2.643.7.1.1.1.2 (512). */
  algorithmOid: string;
  paramSetOid: string;
  digestOid?: string;
  /** X‖Y little-endian, as in the certificate. */
  key: Uint8Array;
}

/** Parse a DER SubjectPublicKeyInfo holding a GOST R 34.10-2012 key; throws RangeError on anything else. */
export function parseGostSpki(spki: Uint8Array): GostPublicKeyInfo {
  try {
    const [alg, bits] = children(expectTag(readRoot(spki), TAG.SEQUENCE, 'SPKI'));
    const [oid, params] = children(expectTag(alg, TAG.SEQUENCE, 'SPKI algorithm'));
    const [paramSet, digest] = children(expectTag(params, TAG.SEQUENCE, 'SPKI: GOST parameters'));
    const keyBits = readBitString(expectTag(bits, TAG.BIT_STRING, 'SPKI key'));
    if (keyBits.unused !== 0) throw new DerError('SPKI: unused bits');
    const octets = expectTag(readRoot(keyBits.bytes), TAG.OCTET_STRING, 'SPKI: key');
    return {
      algorithmOid: readOid(expectTag(oid, TAG.OID, 'SPKI algorithm OID')),
      paramSetOid: readOid(expectTag(paramSet, TAG.OID, 'SPKI: parameter set')),
      ...(digest && digest.tag === TAG.OID ? { digestOid: readOid(digest) } : {}),
      key: octets.buf.subarray(octets.contentStart, octets.contentEnd),
    };
  } catch (e) {
    throw e instanceof DerError ? new RangeError(e.message) : e;
  }
}
