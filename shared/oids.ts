// Every object identifier Tokensign names, in one table: X.509 names and extensions, CMS content
// types and attributes, digest, key and signature algorithms, and the GOST parameter sets.
// Tests keep their own literals on purpose: they check this table rather than repeat it.

export const OID = {
  // X.520 / PKCS #9 / RFC 4519 name attributes
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  serialNumber: '2.5.4.5',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  state: '2.5.4.8',
  street: '2.5.4.9',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  title: '2.5.4.12',
  givenName: '2.5.4.42',
  email: '1.2.840.113549.1.9.1',
  domainComponent: '0.9.2342.19200300.100.1.25',
  userId: '0.9.2342.19200300.100.1.1',
  // Russian qualified-certificate name attributes
  inn: '1.2.643.3.131.1.1',
  innle: '1.2.643.100.4',
  ogrn: '1.2.643.100.1',
  ogrnip: '1.2.643.100.5',
  snils: '1.2.643.100.3',

  // Certificate extensions
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  subjectSignTool: '1.2.643.100.111',
  issuerSignTool: '1.2.643.100.112',
  // Extended key usages
  clientAuth: '1.3.6.1.5.5.7.3.2',
  smartcardLogon: '1.3.6.1.4.1.311.20.2.2',

  // Protection classes of the signing tool, as certificate policies (Russian qualified certificates)
  classKC1: '1.2.643.100.113.1',
  classKC2: '1.2.643.100.113.2',
  classKC3: '1.2.643.100.113.3',
  classKV1: '1.2.643.100.113.4',
  classKV2: '1.2.643.100.113.5',
  classKA1: '1.2.643.100.113.6',
  // Revocation: OCSP (RFC 6960) and CRLs (RFC 5280 §5)
  accessOcsp: '1.3.6.1.5.5.7.48.1',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  ocspNonce: '1.3.6.1.5.5.7.48.1.2',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  crlNumber: '2.5.29.20',
  crlReason: '2.5.29.21',

  // CMS (RFC 5652) content types and signed attributes
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  /** A Tokensign login's content type (a UUID OID, ITU-T X.667): `sign` never emits it (issue 14). */
  tokensignLogin: '2.25.271617847243667115049894651751507682044',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',

  // Digests
  md5: '1.2.840.113549.2.5',
  sha1: '1.3.14.3.2.26',
  sha224: '2.16.840.1.101.3.4.2.4',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  streebog256: '1.2.643.7.1.1.2.2',
  streebog512: '1.2.643.7.1.1.2.3',

  // RSA
  rsaEncryption: '1.2.840.113549.1.1.1',
  md5WithRsa: '1.2.840.113549.1.1.4',
  sha1WithRsa: '1.2.840.113549.1.1.5',
  mgf1: '1.2.840.113549.1.1.8',
  rsaPss: '1.2.840.113549.1.1.10',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
  sha224WithRsa: '1.2.840.113549.1.1.14',

  // Elliptic curves (ECDSA)
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha1: '1.2.840.10045.4.1',
  ecdsaWithSha224: '1.2.840.10045.4.3.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  p521: '1.3.132.0.35',

  // GOST R 34.10-2012 keys and signatures (RFC 9215)
  gost2012_256: '1.2.643.7.1.1.1.1',
  gost2012_512: '1.2.643.7.1.1.1.2',
  gost2012SignWithStreebog256: '1.2.643.7.1.1.3.2',
  gost2012SignWithStreebog512: '1.2.643.7.1.1.3.3',

  // GOST R 34.10 curve parameter sets (RFC 4357, RFC 7836)
  cryptoProTest: '1.2.643.2.2.35.0',
  cryptoProA: '1.2.643.2.2.35.1',
  cryptoProB: '1.2.643.2.2.35.2',
  cryptoProC: '1.2.643.2.2.35.3',
  cryptoProXchA: '1.2.643.2.2.36.0',
  cryptoProXchB: '1.2.643.2.2.36.1',
  tc26Gost256A: '1.2.643.7.1.2.1.1.1',
  tc26Gost256B: '1.2.643.7.1.2.1.1.2',
  tc26Gost256C: '1.2.643.7.1.2.1.1.3',
  tc26Gost256D: '1.2.643.7.1.2.1.1.4',
  tc26Gost512Test: '1.2.643.7.1.2.1.2.0',
  tc26Gost512A: '1.2.643.7.1.2.1.2.1',
  tc26Gost512B: '1.2.643.7.1.2.1.2.2',
  tc26Gost512C: '1.2.643.7.1.2.1.2.3',
} as const;

export type KnownOid = (typeof OID)[keyof typeof OID];
