// Recognizes CMS signed attributes handed in as "data to sign": a raw signature over them is the
// SignerInfo signature of a CMS the caller assembles, e.g. a login for another site (issue 14).

/** The content octets of the messageDigest attribute's OID, 1.2.840.113549.1.9.4. */
const MESSAGE_DIGEST_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x04);
/** SET (how it is signed) and [0] IMPLICIT (how it sits in a SignerInfo). */
const ATTRIBUTE_TAGS = new Set([0x31, 0xa0]);

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  const last = haystack.length - needle.length;
  outer: for (let i = 0; i <= last; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * True when `data` starts like a SET of CMS attributes and names messageDigest anywhere. Deliberately
 * loose (no full parse): BER variants of the same attributes are caught too.
 */
export function looksLikeSignedAttributes(data: Uint8Array): boolean {
  const tag = data[0];
  return tag !== undefined && ATTRIBUTE_TAGS.has(tag) && contains(data, MESSAGE_DIGEST_OID);
}
