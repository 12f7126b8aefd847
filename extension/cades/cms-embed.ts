// Puts the content into a detached CMS (background side). The host never writes a reply over 1 MiB,
// so a large attached signature is made detached and the content inserted here: the signed
// attributes already carry its digest, so the signature stays valid (RFC 5652 §5.2: eContent is optional).
import { children, readRoot, tlv, TAG, type DerNode } from '../../shared/der';

/** Content up to this size is signed attached by the host; above it, detached and embedded here. */
export const HOST_ATTACHED_LIMIT = 512 * 1024;

function header(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  const bytes: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(tag, 0x80 | bytes.length, ...bytes);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function wrap(tag: number, parts: Uint8Array[]): Uint8Array {
  const body = concat(parts);
  return concat([header(tag, body.length), body]);
}

function expect(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (!node || node.tag !== tag) throw new Error(`the host's CMS has no ${what}`);
  return node;
}

/** The same ContentInfo with `content` as the eContent of its encapContentInfo. */
export function embedContent(detachedCms: Uint8Array, content: Uint8Array): Uint8Array {
  const [contentType, explicit] = children(expect(readRoot(detachedCms), TAG.SEQUENCE, 'ContentInfo'));
  const signedData = expect(children(expect(explicit, 0xa0, 'content'))[0], TAG.SEQUENCE, 'SignedData');
  const [version, digestAlgorithms, encap, ...rest] = children(signedData);
  const [eContentType, eContent] = children(expect(encap, TAG.SEQUENCE, 'encapContentInfo'));
  if (eContent) throw new Error('the CMS already holds its content');
  const newEncap = wrap(TAG.SEQUENCE, [tlv(expect(eContentType, TAG.OID, 'eContentType')), wrap(0xa0, [wrap(TAG.OCTET_STRING, [content])])]);
  const body = wrap(TAG.SEQUENCE, [tlv(expect(version, TAG.INTEGER, 'version')), tlv(digestAlgorithms!), newEncap, ...rest.map(tlv)]);
  return wrap(TAG.SEQUENCE, [tlv(expect(contentType, TAG.OID, 'contentType')), wrap(0xa0, [body])]);
}
