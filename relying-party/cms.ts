// CMS SignedData (RFC 5652) read once into the fields verification needs.
import { OID } from '../shared/oids';
import {
  DerError,
  TAG,
  children,
  content,
  expectTag,
  integerHex,
  readAlgorithm,
  readOctetString,
  readOid,
  readRoot,
  readSmallInteger,
  readTime,
  tlv,
  type DerNode,
} from '../shared/der';
import type { AlgorithmIdentifier } from './x509';


export type SignerIdentifier =
  | { kind: 'issuerAndSerial'; issuerRaw: Uint8Array; serialHex: string }
  | { kind: 'subjectKeyIdentifier'; keyId: Uint8Array };

export interface SignedAttributes {
  /** The attributes re-tagged as SET (0x31): the bytes the signature covers. */
  signedBytes: Uint8Array;
  contentType?: string;
  messageDigest?: Uint8Array;
  signingTime?: number;
}

export interface SignerInfo {
  sid: SignerIdentifier;
  digestAlgorithm: AlgorithmIdentifier;
  signatureAlgorithm: AlgorithmIdentifier;
  signature: Uint8Array;
  signedAttributes?: SignedAttributes;
}

export interface SignedData {
  eContentType: string;
  /** Present only for an attached signature. */
  eContent?: Uint8Array;
  /** DER of each X.509 certificate in `certificates` (other certificate formats are skipped). */
  certificates: { der: Uint8Array; node: DerNode }[];
  signers: SignerInfo[];
}

function one(values: DerNode[], what: string): DerNode {
  if (values.length !== 1) throw new DerError(`attribute ${what} must have exactly one value, has ${values.length}`);
  return values[0]!;
}

function readSignedAttributes(node: DerNode): SignedAttributes {
  const bytes = tlv(node);
  const signedBytes = Buffer.allocUnsafe(bytes.length);
  signedBytes.set(bytes);
  signedBytes[0] = TAG.SET;
  const out: SignedAttributes = { signedBytes };
  // RFC 5652 §5.3: each of these appears once; a second copy could say something else than the first.
  let seenType = false;
  let seenDigest = false;
  let seenTime = false;
  for (const attr of children(node)) {
    const [typeNode, valuesNode] = children(expectTag(attr, TAG.SEQUENCE, 'Attribute'));
    const type = readOid(typeNode ?? fail('Attribute without type'));
    const valuesSet = expectTag(valuesNode, TAG.SET, `attribute ${type} values`);
    if (type === OID.contentType) {
      if (seenType) throw new DerError('attribute contentType appears twice');
      seenType = true;
      out.contentType = readOid(one(children(valuesSet), 'contentType'));
    } else if (type === OID.messageDigest) {
      if (seenDigest) throw new DerError('attribute messageDigest appears twice');
      seenDigest = true;
      const v = one(children(valuesSet), 'messageDigest');
      if (v.tag !== TAG.OCTET_STRING) throw new DerError('messageDigest is not an OCTET STRING');
      out.messageDigest = content(v);
    } else if (type === OID.signingTime) {
      if (seenTime) throw new DerError('attribute signingTime appears twice');
      seenTime = true;
      out.signingTime = readTime(one(children(valuesSet), 'signingTime'));
    }
  }
  return out;
}

function fail(message: string): never {
  throw new DerError(message);
}

function readSignerInfo(node: DerNode): SignerInfo {
  const fields = children(expectTag(node, TAG.SEQUENCE, 'SignerInfo'));
  const version = readSmallInteger(expectTag(fields[0], TAG.INTEGER, 'SignerInfo.version'));
  let i = 1;
  const sidNode = fields[i++] ?? fail('SignerInfo has no signer identifier');
  let sid: SignerIdentifier;
  if (sidNode.tag === TAG.SEQUENCE) {
    const [issuer, serial] = children(sidNode);
    sid = {
      kind: 'issuerAndSerial',
      issuerRaw: tlv(expectTag(issuer, TAG.SEQUENCE, 'signer issuer')),
      serialHex: integerHex(expectTag(serial, TAG.INTEGER, 'signer serialNumber')),
    };
  } else if (sidNode.tag === 0x80) {
    sid = { kind: 'subjectKeyIdentifier', keyId: content(sidNode) };
  } else {
    throw new DerError(`unknown signer identifier tag 0x${sidNode.tag.toString(16)}`);
  }
  // RFC 5652 §5.3: version 1 names the signer by issuer and serial, version 3 by subject key identifier.
  const expected = sid.kind === 'issuerAndSerial' ? 1 : 3;
  if (version !== expected) throw new DerError(`SignerInfo version ${version} does not fit its signer identifier (expected ${expected})`);
  const digestAlgorithm = readAlgorithm(fields[i++], 'SignerInfo.digestAlgorithm');
  let signedAttributes: SignedAttributes | undefined;
  if (fields[i]?.tag === 0xa0) signedAttributes = readSignedAttributes(fields[i++]!);
  const signatureAlgorithm = readAlgorithm(fields[i++], 'SignerInfo.signatureAlgorithm');
  const signature = readOctetString(fields[i++] ?? fail('SignerInfo has no signature'));
  const out: SignerInfo = { sid, digestAlgorithm, signatureAlgorithm, signature };
  if (signedAttributes) out.signedAttributes = signedAttributes;
  return out;
}

/** Parses a ContentInfo holding SignedData. Throws DerError naming what is wrong. */
export function parseSignedData(input: Uint8Array): SignedData {
  // A plain Uint8Array view: its subarrays are cheaper than Buffer slices.
  const der = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const [typeNode, wrapped] = children(expectTag(readRoot(der), TAG.SEQUENCE, 'ContentInfo'));
  const contentType = readOid(typeNode ?? fail('ContentInfo has no content type'));
  if (contentType !== OID.signedData) throw new DerError(`content type is ${contentType}, not SignedData`);
  const [sdNode] = children(expectTag(wrapped, 0xa0, 'ContentInfo.content'));
  const fields = children(expectTag(sdNode, TAG.SEQUENCE, 'SignedData'));
  expectTag(fields[0], TAG.INTEGER, 'SignedData.version');
  expectTag(fields[1], TAG.SET, 'SignedData.digestAlgorithms');
  const encap = children(expectTag(fields[2], TAG.SEQUENCE, 'encapContentInfo'));
  const eContentType = readOid(encap[0] ?? fail('encapContentInfo has no type'));
  let eContent: Uint8Array | undefined;
  if (encap[1]) {
    const [octets] = children(expectTag(encap[1], 0xa0, 'eContent'));
    eContent = readOctetString(octets ?? fail('empty eContent'));
  }
  const certificates: SignedData['certificates'] = [];
  let i = 3;
  if (fields[i]?.tag === 0xa0) {
    for (const choice of children(fields[i]!)) {
      if (choice.tag === TAG.SEQUENCE) certificates.push({ der: tlv(choice), node: choice });
    }
    i++;
  }
  if (fields[i]?.tag === 0xa1) i++; // revocation information: not used for login
  const signerSet = expectTag(fields[i], TAG.SET, 'SignedData.signerInfos');
  const signers = children(signerSet).map(readSignerInfo);
  const out: SignedData = { eContentType, certificates, signers };
  if (eContent) out.eContent = eContent;
  return out;
}
