// Independent checks of a CMS the host produced: OpenSSL `cms -verify`, pkijs SignedData.verify,
// and a structural reading of the SignedData for the §2 shape.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export interface OpensslVerifyResult {
  ok: boolean;
  /** The content OpenSSL wrote out (the eContent, or the detached content given). */
  content: Buffer;
  stderr: string;
}

function toAb(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}

/** `openssl cms -verify -binary -inform DER [-content file] -CAfile ca.pem -purpose any`. */
export function opensslVerify(cms: Uint8Array, caPemPath: string, content?: Uint8Array, extraArgs: string[] = []): OpensslVerifyResult {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-cms-'));
  try {
    const cmsPath = join(dir, 'sig.der');
    const outPath = join(dir, 'out.bin');
    writeFileSync(cmsPath, cms);
    const args = ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsPath, '-CAfile', caPemPath, '-purpose', 'any', '-out', outPath, ...extraArgs];
    if (content) {
      const contentPath = join(dir, 'content.bin');
      writeFileSync(contentPath, content);
      args.push('-content', contentPath);
    }
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      return { ok: true, content: readFileSync(outPath), stderr: '' };
    } catch (e) {
      return { ok: false, content: Buffer.alloc(0), stderr: String((e as { stderr?: Buffer }).stderr ?? e) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** pkijs SignedData.verify with the signer certificate chained to `caDer`. */
export async function pkijsVerify(cms: Uint8Array, caDer: Uint8Array, content?: Uint8Array): Promise<boolean> {
  const contentInfo = pkijs.ContentInfo.fromBER(toAb(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const ca = pkijs.Certificate.fromBER(toAb(caDer));
  try {
    const result = await signedData.verify({
      signer: 0,
      checkChain: true,
      trustedCerts: [ca],
      ...(content ? { data: toAb(content) } : {}),
    });
    return result === true;
  } catch {
    return false;
  }
}

export interface CmsStructure {
  contentType: string;
  version: number;
  digestAlgorithms: string[];
  eContentType: string;
  /** eContent bytes, or null when detached. */
  eContent: Buffer | null;
  /** True when eContent is a primitive (DER) OCTET STRING. */
  eContentPrimitive: boolean | null;
  certificates: Buffer[];
  signerCount: number;
  signerVersion: number;
  sidIsIssuerAndSerial: boolean;
  sidSerialHex: string;
  digestAlgorithm: string;
  signatureAlgorithm: string;
  /** Parameters of the signature AlgorithmIdentifier: 'absent' or 'null' or 'other'. */
  signatureParams: 'absent' | 'null' | 'other';
  /** OIDs of the signed attributes, in encoded order. */
  signedAttributeOids: string[];
  /** Each signed attribute's DER, in encoded order (to check DER SET sorting). */
  signedAttributeDers: Buffer[];
  messageDigest: Buffer | null;
  signingTime: Date | null;
  /** ESSCertIDv2 certHash and whether hashAlgorithm was omitted (SHA-256 default). */
  essCertHash: Buffer | null;
  essHashAlgorithmOmitted: boolean | null;
  essIssuerSerialHex: string | null;
  signature: Buffer;
}

const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const OID_SIGNING_TIME = '1.2.840.113549.1.9.5';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

/** Reads the parts of a SignedData a §2 check needs. */
export function readCms(cms: Uint8Array): CmsStructure {
  const contentInfo = pkijs.ContentInfo.fromBER(toAb(cms));
  const sd = new pkijs.SignedData({ schema: contentInfo.content });
  const signer = sd.signerInfos[0];
  if (!signer) throw new Error('no SignerInfo');
  const attrs = signer.signedAttrs?.attributes ?? [];
  const attr = (oid: string) => attrs.find((a) => a.type === oid)?.values[0];
  const md = attr(OID_MESSAGE_DIGEST);
  const st = attr(OID_SIGNING_TIME);
  const ess = attr(OID_SIGNING_CERTIFICATE_V2);
  let essCertHash: Buffer | null = null;
  let essHashAlgorithmOmitted: boolean | null = null;
  let essIssuerSerialHex: string | null = null;
  if (ess instanceof asn1js.Sequence) {
    const certs = ess.valueBlock.value[0];
    const first = certs instanceof asn1js.Sequence ? certs.valueBlock.value[0] : undefined;
    if (first instanceof asn1js.Sequence) {
      const parts = first.valueBlock.value;
      essHashAlgorithmOmitted = parts[0] instanceof asn1js.OctetString;
      const hash = parts.find((p) => p instanceof asn1js.OctetString);
      if (hash instanceof asn1js.OctetString) essCertHash = Buffer.from(hash.valueBlock.valueHexView);
      const issuerSerial = parts.find((p) => p instanceof asn1js.Sequence);
      const serial = issuerSerial instanceof asn1js.Sequence ? issuerSerial.valueBlock.value[1] : undefined;
      if (serial instanceof asn1js.Integer) essIssuerSerialHex = Buffer.from(serial.valueBlock.valueHexView).toString('hex');
    }
  }
  const eContent = sd.encapContentInfo.eContent;
  let eBytes: Buffer | null = null;
  if (eContent) {
    if (eContent.idBlock.isConstructed) {
      eBytes = Buffer.concat(eContent.valueBlock.value.map((p) => Buffer.from((p as asn1js.OctetString).valueBlock.valueHexView)));
    } else {
      eBytes = Buffer.from(eContent.valueBlock.valueHexView);
    }
  }
  const sigParams = signer.signatureAlgorithm.algorithmParams as unknown;
  const raw = rawParts(cms);
  return {
    contentType: contentInfo.contentType,
    version: sd.version,
    digestAlgorithms: sd.digestAlgorithms.map((a) => a.algorithmId),
    eContentType: sd.encapContentInfo.eContentType,
    eContent: eBytes,
    eContentPrimitive: eContent ? !eContent.idBlock.isConstructed : null,
    certificates: raw.certificates,
    signerCount: sd.signerInfos.length,
    signerVersion: signer.version,
    sidIsIssuerAndSerial: signer.sid instanceof pkijs.IssuerAndSerialNumber,
    sidSerialHex: signer.sid instanceof pkijs.IssuerAndSerialNumber ? Buffer.from(signer.sid.serialNumber.valueBlock.valueHexView).toString('hex') : '',
    digestAlgorithm: signer.digestAlgorithm.algorithmId,
    signatureAlgorithm: signer.signatureAlgorithm.algorithmId,
    signatureParams: sigParams === undefined ? 'absent' : sigParams instanceof asn1js.Null ? 'null' : 'other',
    signedAttributeOids: attrs.map((a) => a.type),
    signedAttributeDers: raw.signedAttributes,
    messageDigest: md instanceof asn1js.OctetString ? Buffer.from(md.valueBlock.valueHexView) : null,
    signingTime: st instanceof asn1js.UTCTime || st instanceof asn1js.GeneralizedTime ? st.toDate() : null,
    essCertHash,
    essHashAlgorithmOmitted,
    essIssuerSerialHex,
    signature: Buffer.from(signer.signature.valueBlock.valueHexView),
  };
}

function isContextTag(block: asn1js.AsnType, n: number): boolean {
  return block.idBlock.tagClass === 3 && block.idBlock.tagNumber === n;
}

/** The certificates and signed attributes exactly as encoded (no re-encoding by pkijs). */
function rawParts(cms: Uint8Array): { certificates: Buffer[]; signedAttributes: Buffer[] } {
  const contentInfo = asn1js.fromBER(toAb(cms)).result as asn1js.Sequence;
  const explicit = contentInfo.valueBlock.value[1] as asn1js.Constructed;
  const signedData = explicit.valueBlock.value[0] as asn1js.Sequence;
  const fields = signedData.valueBlock.value;
  const certSet = fields.find((f) => isContextTag(f, 0)) as asn1js.Constructed | undefined;
  const certificates = certSet ? certSet.valueBlock.value.map((c) => Buffer.from(c.valueBeforeDecodeView)) : [];
  const signerInfos = fields[fields.length - 1] as asn1js.Set;
  const signerInfo = signerInfos.valueBlock.value[0] as asn1js.Sequence;
  const signed = signerInfo.valueBlock.value.find((f) => isContextTag(f, 0)) as asn1js.Constructed | undefined;
  const signedAttributes = signed ? signed.valueBlock.value.map((a) => Buffer.from(a.valueBeforeDecodeView)) : [];
  return { certificates, signedAttributes };
}

/** Signed attribute OIDs every host CMS carries. */
export const REQUIRED_SIGNED_ATTRIBUTES = [OID_CONTENT_TYPE, OID_SIGNING_TIME, OID_MESSAGE_DIGEST, OID_SIGNING_CERTIFICATE_V2];

/** True when the DERs are in ascending bytewise order (DER SET OF). */
export function isDerSorted(ders: Buffer[]): boolean {
  for (let i = 1; i < ders.length; i++) if (Buffer.compare(ders[i - 1]!, ders[i]!) > 0) return false;
  return true;
}
