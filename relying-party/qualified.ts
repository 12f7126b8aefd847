// What a certificate says about its signer, for a portal to decide on: qualified or not (by the facts a
// Russian qualified certificate must carry, each named) and who signs (an organization, an individual
// entrepreneur, a private person). Read from the certificate only; nothing guessed.
import { OID } from '../shared/oids';
import type { SubjectFields } from '../shared/protocol';
import type { ParsedCertificate } from './x509';

/** Protection classes of the signing tool (policies 1.2.643.100.113.x). */
const PROTECTION_CLASSES: Record<string, string> = {
  [OID.classKC1]: 'KC1',
  [OID.classKC2]: 'KC2',
  [OID.classKC3]: 'KC3',
  [OID.classKV1]: 'KV1',
  [OID.classKV2]: 'KV2',
  [OID.classKA1]: 'KA1',
};

export interface QualificationFacts {
  /** 1.2.643.100.111 subjectSignTool: the signer's tool, null when absent. */
  subjectSignTool: string | null;
  /** 1.2.643.100.112 issuerSignTool: the CA's tools and conformity certificates, null when absent. */
  issuerSignTool: string[] | null;
  /** Protection classes named by certificate policies 1.2.643.100.113.x ("KC1", "KC2", …). */
  protectionClasses: string[];
  /** What a qualified certificate needs and this one lacks, in words with the OID; empty when qualified. */
  missing: string[];
}

export type Holder = 'legal-entity' | 'entrepreneur' | 'person';

export interface SignerFacts {
  qualified: boolean;
  qualification: QualificationFacts;
  /** legal-entity: organization INN (1.2.643.100.4) and OGRN; entrepreneur: OGRNIP; person: otherwise. */
  holder: Holder;
}

export function qualificationOf(cert: ParsedCertificate): QualificationFacts {
  const protectionClasses = cert.policies.flatMap((oid) => (PROTECTION_CLASSES[oid] ? [PROTECTION_CLASSES[oid]] : []));
  const missing: string[] = [];
  if (cert.subjectSignTool === undefined) missing.push('subjectSignTool (1.2.643.100.111)');
  if (cert.issuerSignTool === undefined) missing.push('issuerSignTool (1.2.643.100.112)');
  if (protectionClasses.length === 0) missing.push('a protection class policy (1.2.643.100.113.x)');
  return {
    subjectSignTool: cert.subjectSignTool ?? null,
    issuerSignTool: cert.issuerSignTool ? [...cert.issuerSignTool] : null,
    protectionClasses,
    missing,
  };
}

export function holderOf(subject: SubjectFields): Holder {
  if (subject.innle && subject.ogrn) return 'legal-entity';
  if (subject.ogrnip) return 'entrepreneur';
  return 'person';
}

export function signerFactsOf(cert: ParsedCertificate, subject: SubjectFields): SignerFacts {
  const qualification = qualificationOf(cert);
  return { qualified: qualification.missing.length === 0, qualification, holder: holderOf(subject) };
}
