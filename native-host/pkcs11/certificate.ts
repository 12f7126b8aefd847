// Certificates on a token, paired with keys by CKA_ID. A certificate's attributes are read in one
// call, and one at a time only when that fails: a template with one sensitive or unknown attribute
// fails as a whole on many modules.
import { BoundedCache } from '../../shared/bounded-cache';
import type { CertificateDescription, CertificateInfo } from '../../shared/protocol';
import { CertificateParseError, describeCertificate, statusAsOf } from '../../shared/certificate';
import { sha256Hex } from '../../shared/sha256';
import {
  CKA_CERTIFICATE_TYPE,
  CKA_CLASS,
  CKA_ID,
  CKA_LABEL,
  CKA_VALUE,
  CKC_X_509,
  CKF_SERIAL_SESSION,
  CKO_CERTIFICATE,
  CKO_PRIVATE_KEY,
  CKO_PUBLIC_KEY,
} from './constants';
import type { Handle, Pkcs11Api } from './module';
import { findObjects, readAttribute, ulongOf } from './session';
import type { TokenRef } from './token';

/** A certificate found on a token, with what signing needs to find its key again. */
export interface TokenCertificate {
  info: CertificateInfo;
  token: TokenRef;
  ckaId: Buffer;
  der: Buffer;
}

/** Stable certificate id from the token id, CKA_ID and the certificate's SHA-256 (hex). */
export function certificateId(tokenId: string, ckaId: Uint8Array, derHash: string): string {
  return sha256Hex(`tokensign-certificate\0${tokenId}\0${Buffer.from(ckaId).toString('hex')}\0${derHash}`).slice(0, 32);
}

/** Parsed certificates by their bytes: a certificate never changes, only its status as time passes. */
const descriptions = new BoundedCache<string, CertificateDescription>(1024);

/** describeCertificate, parsed once per certificate (`derHash`: its SHA-256, hex); status and expiresInDays are computed for `now`. */
export function describeCached(der: Uint8Array, derHash: string, now: Date): CertificateDescription {
  const description = descriptions.getOrCreate(derHash, () => describeCertificate(der, now, derHash));
  return { ...description, subject: { ...description.subject }, keyUsage: [...description.keyUsage], ...statusAsOf(description, now) };
}

export interface CertificateScanResult {
  certificates: TokenCertificate[];
  /** Objects skipped with the reason (unparsable certificate, unreadable value). */
  skipped: string[];
}

/** Lists every X.509 certificate object on the token, expired ones included. */
export function listTokenCertificates(token: TokenRef, now: Date = new Date()): CertificateScanResult {
  const api = token.module.api;
  const session = api.C_OpenSession(token.slot, CKF_SERIAL_SESSION);
  try {
    return scanSession(api, session, token, now);
  } finally {
    try {
      api.C_CloseSession(session);
    } catch {
      // The token may have gone meanwhile; nothing to release then.
    }
  }
}

/** What a listing reads of one certificate object. */
interface CertificateObject {
  type: number | null;
  der: Buffer | null;
  label: string;
  ckaId: Buffer;
}

const CERTIFICATE_ATTRIBUTES = [CKA_CERTIFICATE_TYPE, CKA_VALUE, CKA_LABEL, CKA_ID] as const;

/** The certificate's attributes in one C_GetAttributeValue; one at a time if the module refuses the set. */
function readCertificateObject(api: Pkcs11Api, session: Handle, object: Handle): CertificateObject {
  let values: Array<Buffer | null>;
  try {
    const attributes = api.C_GetAttributeValue(session, object, CERTIFICATE_ATTRIBUTES.map((type) => ({ type })));
    values = CERTIFICATE_ATTRIBUTES.map((type) => {
      const value = attributes.find((a) => a.type === type)?.value;
      return Buffer.isBuffer(value) ? value : null;
    });
  } catch {
    values = CERTIFICATE_ATTRIBUTES.map((type) => readAttribute(api, session, object, type));
  }
  const [type, der, label, ckaId] = values;
  return { type: ulongOf(type ?? null), der: der ?? null, label: label?.toString('utf8').trim() ?? '', ckaId: ckaId ?? Buffer.alloc(0) };
}

/** CKA_IDs of the keys of one class on the token. */
function keyIdsOf(api: Pkcs11Api, session: Handle, cls: number): Set<string> {
  const ids = new Set<string>();
  for (const key of findObjects(api, session, [{ type: CKA_CLASS, value: cls }])) {
    const id = readAttribute(api, session, key, CKA_ID);
    if (id && id.length > 0) ids.add(id.toString('hex'));
  }
  return ids;
}

function scanSession(api: Pkcs11Api, session: Handle, token: TokenRef, now: Date): CertificateScanResult {
  const objects: CertificateObject[] = [];
  for (const object of findObjects(api, session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }])) {
    const read = readCertificateObject(api, session, object);
    if (read.type !== null && read.type !== CKC_X_509) continue;
    objects.push(read);
  }
  // Private keys are often invisible before login, so a certificate counts as having its key when
  // a public key with its CKA_ID is there. Private keys are looked for only when some certificate
  // has no such public key (one search fewer on most tokens).
  const keyIds = keyIdsOf(api, session, CKO_PUBLIC_KEY);
  if (objects.some((o) => o.ckaId.length > 0 && !keyIds.has(o.ckaId.toString('hex')))) {
    for (const id of keyIdsOf(api, session, CKO_PRIVATE_KEY)) keyIds.add(id);
  }
  const certificates: TokenCertificate[] = [];
  const skipped: string[] = [];
  for (const { der, label, ckaId } of objects) {
    if (!der || der.length === 0) {
      skipped.push(`certificate "${label}": no CKA_VALUE`);
      continue;
    }
    try {
      const derHash = sha256Hex(der);
      const description = describeCached(der, derHash, now);
      certificates.push({
        token,
        ckaId,
        der,
        info: {
          id: certificateId(token.info.id, ckaId, derHash),
          tokenId: token.info.id,
          label,
          ...description,
          hasPrivateKey: ckaId.length > 0 && keyIds.has(ckaId.toString('hex')),
          keyId: ckaId.toString('hex'),
        },
      });
    } catch (e) {
      // A malformed certificate must not hide the others on the token.
      const reason = e instanceof CertificateParseError ? e.message : `cannot read it (${(e as Error).message})`;
      skipped.push(`certificate "${label}": ${reason}`);
    }
  }
  return { certificates, skipped };
}
