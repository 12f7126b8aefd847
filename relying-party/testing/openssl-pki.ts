// Test-only: a small PKI made by OpenSSL (root, intermediate, an untrusted root, leaves good and bad)
// and CMS signatures made by `openssl cms -sign`, the independent implementation the verifier is held to.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_CONTENT_TYPE_OID } from '../../shared/protocol';

export type KeySpec = 'rsa2048' | 'p256' | 'p384' | 'p521';

export interface IssuedCertificate {
  name: string;
  certPem: string;
  keyPem: string;
  der: Buffer;
}

export interface OpensslPki {
  dir: string;
  root: IssuedCertificate;
  otherRoot: IssuedCertificate;
  intermediate: IssuedCertificate;
  /** CA:TRUE but keyUsage without keyCertSign. */
  weakIntermediate: IssuedCertificate;
  leaves: Record<
    'rsa' | 'p256' | 'p384' | 'p521' | 'viaIntermediate' | 'expired' | 'notYet' | 'noDigitalSignature' | 'untrusted' | 'viaWeakIntermediate',
    IssuedCertificate
  >;
  issue(name: string, opts: IssueOptions): IssuedCertificate;
  /** The `openssl ca` configuration of an issuer (its index.txt beside it): for -revoke, -gencrl, `openssl ocsp -index`. */
  caConfigOf(issuer: IssuedCertificate): string;
  cleanup(): void;
}

export interface IssueOptions {
  key: KeySpec;
  subject: string;
  issuer: IssuedCertificate | null;
  extensions: string;
  startDate?: string;
  endDate?: string;
  /** Text of an OpenSSL extension file holding the section named by `extensions` (e.g. with test-time URLs). */
  extfile?: string;
}

function openssl(args: string[], cwd?: string): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
  }
}

const EXTENSIONS = `
oid_section = oids
[ oids ]
INNLE = 1.2.643.100.4
[ req ]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[ dn ]
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ weak_intermediate ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ leaf_no_ds ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, nonRepudiation, keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

/** What a Russian qualified certificate carries (signing tools, protection class policies), in an extension file section `qualified`. */
export const QUALIFIED_EXTENSIONS = `[ qualified ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
certificatePolicies = 1.2.643.100.113.1, 1.2.643.100.113.2
1.2.643.100.111 = ASN1:UTF8String:Tokensign test signing tool
1.2.643.100.112 = ASN1:SEQUENCE:issuer_sign_tool
[ issuer_sign_tool ]
signTool = UTF8:Tokensign test CA signing tool
cATool = UTF8:Tokensign test CA software
signToolCert = UTF8:Test conformity certificate 1
cAToolCert = UTF8:Test conformity certificate 2
`;

export const DIRECTOR_SUBJECT =
  '/CN=Иванов Иван Иванович/SN=Иванов/GN=Иван Иванович/title=Генеральный директор' +
  '/O=ООО "Ромашка"/C=RU/L=Москва/INN=007701234567/INNLE=7701234567/OGRN=1027700132195/SNILS=11223344595';

export function createOpensslPki(): OpensslPki {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-rp-pki-'));
  const cnf = join(dir, 'openssl.cnf');
  writeFileSync(cnf, EXTENSIONS);

  const genKey = (spec: KeySpec, out: string) => {
    const args =
      spec === 'rsa2048'
        ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', out]
        : ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${{ p256: 'P-256', p384: 'P-384', p521: 'P-521' }[spec]}`, '-out', out];
    openssl(args);
  };

  // openssl ca keeps a database; one per issuer, created on first use.
  const caDirs = new Map<string, string>();
  const caDirOf = (issuer: IssuedCertificate): string => {
    let d = caDirs.get(issuer.name);
    if (!d) {
      d = join(dir, `ca-${issuer.name}`);
      mkdirSync(join(d, 'new'), { recursive: true });
      writeFileSync(join(d, 'index.txt'), '');
      writeFileSync(join(d, 'serial'), `${randomBytes(8).toString('hex').replace(/^0/, '1')}\n`);
      writeFileSync(
        join(d, 'ca.cnf'),
        EXTENSIONS +
          `[ ca ]\ndefault_ca = this\n[ this ]\ndatabase = ${d}/index.txt\nnew_certs_dir = ${d}/new\nserial = ${d}/serial\n` +
          `certificate = ${issuer.certPem}\nprivate_key = ${issuer.keyPem}\ndefault_md = sha256\npolicy = any\n` +
          'unique_subject = no\ncopy_extensions = none\npreserve = yes\nutf8 = yes\nstring_mask = utf8only\n' +
          '[ any ]\ncommonName = supplied\nsurname = optional\ngivenName = optional\ntitle = optional\n' +
          'organizationName = optional\ncountryName = optional\nlocalityName = optional\nINN = optional\n' +
          'INNLE = optional\nOGRN = optional\nOGRNIP = optional\nSNILS = optional\n',
      );
      caDirs.set(issuer.name, d);
    }
    return d;
  };

  const issue = (name: string, opts: IssueOptions): IssuedCertificate => {
    const keyPem = join(dir, `${name}.key`);
    const certPem = join(dir, `${name}.pem`);
    genKey(opts.key, keyPem);
    if (!opts.issuer) {
      openssl(['req', '-new', '-x509', '-config', cnf, '-utf8', '-key', keyPem, '-subj', opts.subject, '-days', '3650',
        '-extensions', opts.extensions, '-set_serial', '0x' + randomBytes(8).toString('hex'), '-out', certPem]);
    } else {
      const csr = join(dir, `${name}.csr`);
      openssl(['req', '-new', '-config', cnf, '-utf8', '-key', keyPem, '-subj', opts.subject, '-out', csr]);
      const dates = opts.startDate ? ['-startdate', opts.startDate, '-enddate', opts.endDate ?? '20991231000000Z'] : ['-days', '730'];
      const extfile = opts.extfile === undefined ? [] : ['-extfile', join(dir, `${name}.ext`)];
      if (opts.extfile !== undefined) writeFileSync(join(dir, `${name}.ext`), opts.extfile);
      openssl(['ca', '-batch', '-config', join(caDirOf(opts.issuer), 'ca.cnf'), '-utf8', '-extensions', opts.extensions,
        '-in', csr, '-out', certPem, '-notext', ...extfile, ...dates]);
    }
    return { name, certPem, keyPem, der: derOf(certPem) };
  };

  const root = issue('root', { key: 'rsa2048', subject: '/CN=Tokensign RP Test Root/O=Tokensign Test/C=RU', issuer: null, extensions: 'root' });
  const otherRoot = issue('otherRoot', { key: 'p256', subject: '/CN=Somebody Else Root/O=Elsewhere/C=RU', issuer: null, extensions: 'root' });
  const intermediate = issue('intermediate', { key: 'p256', subject: '/CN=Tokensign RP Test Issuing CA/O=Tokensign Test/C=RU', issuer: root, extensions: 'intermediate' });
  const weakIntermediate = issue('weakIntermediate', { key: 'p256', subject: '/CN=Weak Issuing CA/O=Tokensign Test/C=RU', issuer: root, extensions: 'weak_intermediate' });
  const leaves = {
    rsa: issue('rsa', { key: 'rsa2048', subject: DIRECTOR_SUBJECT, issuer: root, extensions: 'leaf' }),
    p256: issue('p256', { key: 'p256', subject: '/CN=Петрова Анна Сергеевна/O=АО "Василёк"/C=RU/INN=500100732259', issuer: root, extensions: 'leaf' }),
    p384: issue('p384', { key: 'p384', subject: '/CN=Smith John/O=Example Ltd/C=RU', issuer: root, extensions: 'leaf' }),
    p521: issue('p521', { key: 'p521', subject: '/CN=Large Curve/O=Example Ltd/C=RU', issuer: root, extensions: 'leaf' }),
    viaIntermediate: issue('viaIntermediate', { key: 'p256', subject: '/CN=Через Промежуточный/O=ООО "Ромашка"/C=RU', issuer: intermediate, extensions: 'leaf' }),
    expired: issue('expired', { key: 'p256', subject: '/CN=Сидоров Пётр/C=RU', issuer: root, extensions: 'leaf', startDate: '20200101000000Z', endDate: '20211231000000Z' }),
    notYet: issue('notYet', { key: 'p256', subject: '/CN=Кузнецов Олег/C=RU', issuer: root, extensions: 'leaf', startDate: '20400101000000Z', endDate: '20421231000000Z' }),
    noDigitalSignature: issue('noDigitalSignature', { key: 'p256', subject: '/CN=Encryption Only/C=RU', issuer: root, extensions: 'leaf_no_ds' }),
    untrusted: issue('untrusted', { key: 'p256', subject: '/CN=Stranger/C=RU', issuer: otherRoot, extensions: 'leaf' }),
    viaWeakIntermediate: issue('viaWeakIntermediate', { key: 'p256', subject: '/CN=Under Weak CA/C=RU', issuer: weakIntermediate, extensions: 'leaf' }),
  };
  const caConfigOf = (issuer: IssuedCertificate) => join(caDirOf(issuer), 'ca.cnf');
  return { dir, root, otherRoot, intermediate, weakIntermediate, leaves, issue, caConfigOf, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function derOf(certPem: string): Buffer {
  const out = `${certPem}.der`;
  openssl(['x509', '-in', certPem, '-outform', 'DER', '-out', out]);
  return readFileSync(out);
}

export interface OpensslSignOptions {
  signer: IssuedCertificate;
  content: Uint8Array;
  md?: 'sha256' | 'sha384' | 'sha512' | 'sha1';
  /** Extra `openssl cms -sign` arguments (-nodetach, -keyid, -noattr, -cades, -keyopt …). */
  extra?: string[];
  /** Certificates to add to the CMS besides the signer's. */
  certfile?: IssuedCertificate[];
  /** A second signer (two SignerInfos). */
  secondSigner?: IssuedCertificate;
  /** eContentType (`-econtent_type`); a Tokensign login's content type unless given. */
  contentType?: string;
}

let counter = 0;
/** `openssl cms -sign -binary … -outform DER`, returned as DER. */
export function opensslSign(pki: OpensslPki, opts: OpensslSignOptions): Buffer {
  const id = `${process.pid}-${++counter}`;
  const input = join(pki.dir, `in-${id}`);
  const out = join(pki.dir, `cms-${id}.der`);
  writeFileSync(input, opts.content);
  const args = ['cms', '-sign', '-binary', '-in', input, '-signer', opts.signer.certPem, '-inkey', opts.signer.keyPem, '-md', opts.md ?? 'sha256'];
  args.push('-econtent_type', opts.contentType ?? AUTH_CONTENT_TYPE_OID);
  if (opts.secondSigner) args.push('-signer', opts.secondSigner.certPem, '-inkey', opts.secondSigner.keyPem);
  if (opts.certfile?.length) {
    const bundle = join(pki.dir, `certs-${id}.pem`);
    writeFileSync(bundle, opts.certfile.map((c) => readFileSync(c.certPem, 'utf8')).join(''));
    args.push('-certfile', bundle);
  }
  args.push(...(opts.extra ?? []), '-outform', 'DER', '-out', out);
  openssl(args);
  return readFileSync(out);
}

/** `openssl cms -verify` of a detached CMS against `root`: the independent check of what we accept. */
export function opensslVerify(pki: OpensslPki, cms: Uint8Array, content: Uint8Array, root: IssuedCertificate, extra: string[] = []): boolean {
  const id = `${process.pid}-${++counter}`;
  const cmsFile = join(pki.dir, `v-${id}.der`);
  const input = join(pki.dir, `v-${id}.in`);
  writeFileSync(cmsFile, cms);
  writeFileSync(input, content);
  try {
    execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', cmsFile, '-content', input, '-CAfile', root.certPem,
      '-purpose', 'any', '-out', '/dev/null', ...extra], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
