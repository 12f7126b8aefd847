// Revocation with a GOST CA: OCSP answers and CRLs signed with GOST R 34.10-2012 (OpenSSL's gost engine, loaded
// into `openssl ocsp` through OPENSSL_CONF) verify like GOST CMS, with the pure-JS code and with the engine.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CONTENT_TYPE_OID, authPayload } from '../../shared/protocol';
import { MemoryRevocationCache, VerificationError, disableGostEngine, enableGostEngine, verifyAuthentication, type RevocationOptions } from '../../relying-party/index';
import { freePort, startHttpFiles, startOcspResponder, type HttpFiles, type RunningService } from '../../relying-party/testing/revocation-services';
import { createGostPki, genTokenKey, opensslGost, type GostPki } from '../fixtures/gost';

const ORIGIN = 'https://portal.example';
const CHALLENGE = 'g3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg';

let pki: GostPki;
let files: HttpFiles;
let caPem: string;
const services: RunningService[] = [];
const leaves: Record<string, { certPem: string; keyPem: string; der: Buffer }> = {};

beforeAll(async () => {
  pki = createGostPki({ certs: [] });
  caPem = readFileSync(pki.caCertPem, 'utf8');
  files = await startHttpFiles();
  services.push(files);
  const ocspPort = await freePort();
  const cnf = join(pki.dir, 'gostca.cnf');
  for (const crl of ['gost', 'bad']) {
    writeFileSync(join(pki.dir, `${crl}.ext`), `[ rev ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ocspPort}/
crlDistributionPoints = URI:${files.url}/${crl}.crl
`);
  }
  for (const [name, cn, crl] of [['good', 'Годный ГОСТ', 'gost'], ['revoked', 'Отозванный ГОСТ', 'gost'], ['badCrl', 'Плохой CRL', 'bad']] as const) {
    const keyPem = join(pki.dir, `${name}.key`);
    const csr = join(pki.dir, `${name}.csr`);
    const certPem = join(pki.dir, `${name}.pem`);
    genTokenKey('gost256-TCA', keyPem);
    opensslGost(['req', '-new', '-config', cnf, '-utf8', '-key', keyPem, '-subj', `/CN=${cn}/C=RU`, '-out', csr, '-md_gost12_256']);
    opensslGost(['ca', '-batch', '-config', cnf, '-utf8', '-extfile', join(pki.dir, `${crl}.ext`), '-extensions', 'rev', '-in', csr, '-out', certPem, '-notext', '-days', '30']);
    opensslGost(['x509', '-in', certPem, '-outform', 'DER', '-out', `${certPem}.der`]);
    leaves[name] = { certPem, keyPem, der: readFileSync(`${certPem}.der`) };
  }
  opensslGost(['ca', '-config', cnf, '-revoke', leaves.revoked!.certPem, '-crl_reason', 'keyCompromise']);
  opensslGost(['ca', '-gencrl', '-config', cnf, '-crlhours', '2', '-out', join(pki.dir, 'gost.crl.pem')]);
  execFileSync('openssl', ['crl', '-in', join(pki.dir, 'gost.crl.pem'), '-outform', 'DER', '-out', join(pki.dir, 'gost.crl')]);
  const crl = readFileSync(join(pki.dir, 'gost.crl'));
  files.set('/gost.crl', crl);
  const bad = Buffer.from(crl);
  bad[bad.length - 5]! ^= 0x01; // the GOST signature value ends the CRL
  files.set('/bad.crl', bad);

  const engineConf = join(pki.dir, 'engine.cnf');
  writeFileSync(engineConf, 'openssl_conf = init\n[ init ]\nengines = engines\n[ engines ]\ngost = gost\n[ gost ]\ndefault_algorithms = ALL\n');
  services.push(
    await startOcspResponder({
      index: join(pki.dir, 'gostca-index.txt'),
      caCertPem: pki.caCertPem,
      signerCertPem: pki.caCertPem,
      signerKeyPem: join(pki.dir, 'gostca.key'),
      env: { OPENSSL_CONF: engineConf },
      port: ocspPort,
    }),
  );
}, 120_000);

afterAll(async () => {
  disableGostEngine();
  await Promise.allSettled(services.map((s) => s.stop()));
  pki?.cleanup();
});

function login(name: string, revocation: RevocationOptions) {
  const leaf = leaves[name]!;
  const input = join(pki.dir, `in-${name}.bin`);
  const out = join(pki.dir, `cms-${name}.der`);
  writeFileSync(input, authPayload(ORIGIN, CHALLENGE));
  execFileSync('openssl', ['cms', '-sign', '-engine', 'gost', '-binary', '-in', input, '-signer', leaf.certPem, '-inkey', leaf.keyPem,
    '-md', 'md_gost12_256', '-econtent_type', AUTH_CONTENT_TYPE_OID, '-outform', 'DER', '-out', out], { stdio: 'ignore' });
  const response = { format: 'tokensign-auth:1', cms: readFileSync(out).toString('base64'), certificate: leaf.der.toString('base64') };
  return verifyAuthentication({ response, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [caPem], revocation: { cache: new MemoryRevocationCache(), ...revocation } });
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  return run.then(
    () => 'ACCEPTED',
    (e: unknown) => {
      if (e instanceof VerificationError) return `${e.code}: ${e.message}`;
      throw e;
    },
  );
}

async function outcomes(): Promise<string[]> {
  const results: string[] = [];
  for (const mode of ['ocsp', 'crl'] as const) {
    const good = await login('good', { mode });
    results.push(`${good.revocation.status} ${good.revocation.source}`);
    results.push((await codeOf(login('revoked', { mode }))).replace(/ on .*reason/, ' … reason'));
  }
  return results;
}

const EXPECTED = [
  'good ocsp',
  'CERTIFICATE_REVOKED: certificate "Отозванный ГОСТ" (serial', // prefix checked below
  'good crl',
  'CERTIFICATE_REVOKED: certificate "Отозванный ГОСТ" (serial',
];

describe('GOST CA', () => {
  it('an OCSP answer and a CRL signed with GOST R 34.10-2012-512 verify (pure JS, then the engine, alike)', async () => {
    const js = await outcomes();
    js.forEach((line, i) => expect(line).toContain(EXPECTED[i]!));
    expect(js[1]).toMatch(/keyCompromise \(OCSP\)/);
    expect(js[3]).toMatch(/keyCompromise \(CRL\)/);
    expect(enableGostEngine().enabled).toBe(true);
    expect(await outcomes()).toEqual(js);
  });

  it('a GOST CRL with a flipped signature byte is no answer', async () => {
    expect(await codeOf(login('badCrl', { mode: 'crl' }))).toMatch(/^REVOCATION_UNKNOWN: .*CRL's signature does not verify/);
  });
});
