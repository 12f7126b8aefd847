// Revocation against real services on 127.0.0.1, made at test time by the test CA: OpenSSL's own OCSP responder
// (the CA signing, a delegated responder, impostors, a stale one), CRLs from `openssl ca -gencrl` over HTTP, recorded
// answers replayed, a responder that never answers and one that is down.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import {
  MemoryRevocationCache,
  VerificationError,
  verifyAuthentication,
  type RevocationFetch,
  type RevocationOptions,
  type VerificationErrorCode,
} from '../../relying-party/index';
import { defaultRevocationFetch } from '../../relying-party/revocation/fetch';
import { createOpensslPki, opensslSign, type IssuedCertificate, type OpensslPki } from '../../relying-party/testing/openssl-pki';
import {
  freePort,
  makeCrl,
  recordOcsp,
  revoke,
  startHttpFiles,
  startOcspResponder,
  type HttpFiles,
  type RunningService,
} from '../../relying-party/testing/revocation-services';

const ORIGIN = 'https://portal.example';
const CHALLENGE = 'r3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg';

let pki: OpensslPki;
let files: HttpFiles;
let rootPem: string;
const services: RunningService[] = [];
const leaves: Record<string, IssuedCertificate> = {};
const responders: Record<'ca' | 'delegated' | 'unauthorizedLeaf' | 'foreign' | 'stale', string> = {
  ca: '',
  delegated: '',
  unauthorizedLeaf: '',
  foreign: '',
  stale: '',
};

function extensions(ocspUrl: string, crlUrl: string): string {
  return `[ rev ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:${ocspUrl}
crlDistributionPoints = URI:${crlUrl}
[ responder ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;
}

beforeAll(async () => {
  pki = createOpensslPki();
  rootPem = readFileSync(pki.root.certPem, 'utf8');
  files = await startHttpFiles();
  services.push(files);
  const ocspPort = await freePort();
  const ext = (crl = '/root.crl') => extensions(`http://127.0.0.1:${ocspPort}/`, `${files.url}${crl}`);
  const issue = (name: string, cn: string, section = 'rev', crl?: string) =>
    (leaves[name] = pki.issue(name, { key: 'p256', subject: `/CN=${cn}/C=RU`, issuer: pki.root, extensions: section, extfile: ext(crl) }));
  for (const [name, cn] of [['good', 'Good Standing'], ['revoked', 'Reported Stolen'], ['unknown', 'Unknown To Responder'],
    ['stale', 'Asked Late'], ['cached', 'Asked Twice']] as const) issue(name, cn);
  issue('badCrl', 'Bad CRL Reader', 'rev', '/bad.crl');
  leaves.otherSchemes = pki.issue('otherSchemes', {
    key: 'p256', subject: '/CN=Other Schemes/C=RU', issuer: pki.root, extensions: 'rev',
    extfile: extensions('file:///etc/passwd', 'ldap://ldap.example/cn=CA?certificateRevocationList'),
  });
  issue('responder', 'Tokensign Test OCSP Responder', 'responder');

  const caConfig = pki.caConfigOf(pki.root);
  revoke(caConfig, leaves.revoked!.certPem, 'keyCompromise');
  // The responder's index lacks one certificate, so it answers "unknown" for it (the CRL does not list it).
  const index = join(dirname(caConfig), 'index.txt');
  const partialIndex = join(pki.dir, 'ocsp-index.txt');
  writeFileSync(partialIndex, readFileSync(index, 'utf8').split('\n').filter((l) => !l.includes('Unknown To Responder')).join('\n'));
  const crl = makeCrl(caConfig, join(pki.dir, 'root.crl'));
  files.set('/root.crl', crl);
  const badCrl = Buffer.from(crl);
  badCrl[badCrl.length - 10]! ^= 0x01; // inside the signature value, which ends the CRL
  files.set('/bad.crl', badCrl);
  files.set('/hang', 'hang');
  files.set('/huge', new Uint8Array(200 * 1024));

  const start = async (key: keyof typeof responders, signer: IssuedCertificate, extra: { port?: number; nmin?: number } = {}) => {
    const service = await startOcspResponder({ index: partialIndex, caCertPem: pki.root.certPem, signerCertPem: signer.certPem, signerKeyPem: signer.keyPem, ...extra });
    services.push(service);
    responders[key] = service.url;
  };
  await start('ca', pki.root, { port: ocspPort });
  await start('delegated', leaves.responder!);
  await start('unauthorizedLeaf', pki.leaves.p256); // issued by the CA, but not for OCSP
  await start('foreign', pki.leaves.untrusted); // issued by another CA altogether
  await start('stale', pki.root, { nmin: 5 });
  files.set('/replay-no-nonce', recordOcsp(responders.ca, pki.root.certPem, leaves.good!.certPem, join(pki.dir, 'r1.der'), false));
  files.set('/replay-other-nonce', recordOcsp(responders.ca, pki.root.certPem, leaves.good!.certPem, join(pki.dir, 'r2.der'), true));
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(services.map((s) => s.stop()));
  pki?.cleanup();
});

/** Each test its own cache, so that one test's answer is not another's. */
function policy(extra: RevocationOptions = {}): RevocationOptions {
  return { cache: new MemoryRevocationCache(), ...extra };
}

function login(leaf: IssuedCertificate, revocation: RevocationOptions | undefined, extra: { now?: number; maxClockSkewMs?: number } = {}) {
  const cms = opensslSign(pki, { signer: leaf, content: authPayload(ORIGIN, CHALLENGE) });
  const response = { format: 'tokensign-auth:1', cms: cms.toString('base64'), certificate: leaf.der.toString('base64') };
  return verifyAuthentication({ response, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [rootPem], ...(revocation ? { revocation } : {}), ...extra });
}

async function refusal(run: Promise<unknown>, code: VerificationErrorCode, message: RegExp): Promise<string> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(VerificationError);
  expect((error as VerificationError).code, (error as Error).message).toBe(code);
  expect((error as Error).message).toMatch(message);
  return (error as Error).message;
}

describe('OCSP', () => {
  it("good: the CA's own responder named in authorityInfoAccess; the result says OCSP and the time it speaks for", async () => {
    const before = Date.now();
    const { revocation } = await login(leaves.good!, policy());
    expect(revocation.status).toBe('good');
    expect(revocation.source).toBe('ocsp');
    expect(Math.abs(revocation.checkedAt!.getTime() - before)).toBeLessThan(120_000);
  });

  it('revoked: CERTIFICATE_REVOKED with the date and reason, from OCSP and from the CRL alike', async () => {
    await refusal(login(leaves.revoked!, policy()), 'CERTIFICATE_REVOKED', /Reported Stolen.*revoked by its CA on 20\d\d-.*keyCompromise \(OCSP\)/);
    await refusal(login(leaves.revoked!, policy({ mode: 'crl' })), 'CERTIFICATE_REVOKED', /keyCompromise \(CRL\)/);
  });

  it('unknown: REVOCATION_UNKNOWN with OCSP only; with OCSP then CRL the CRL answers', async () => {
    await refusal(login(leaves.unknown!, policy({ mode: 'ocsp' })), 'REVOCATION_UNKNOWN', /does not know certificate serial .* \(status unknown\)/);
    const { revocation } = await login(leaves.unknown!, policy());
    expect(revocation).toMatchObject({ status: 'good', source: 'crl' });
  });

  it('a responder that is down: REVOCATION_UNKNOWN with OCSP only, the CRL otherwise', async () => {
    const down = `http://127.0.0.1:${await freePort()}/`;
    await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: down })), 'REVOCATION_UNKNOWN', /could not be fetched/);
    const { revocation } = await login(leaves.good!, policy({ ocspUrl: down }));
    expect(revocation).toMatchObject({ status: 'good', source: 'crl' });
  });

  it('a responder that never answers is given up at timeoutMs, and the login refused', async () => {
    const slow = `${files.url}/hang`;
    await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: slow, timeoutMs: 300 })), 'REVOCATION_UNKNOWN', /did not answer within 300 ms/);
  });

  it('a delegated responder (id-kp-OCSPSigning, issued by the CA) is believed; unauthorized keys are not', async () => {
    const { revocation } = await login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: responders.delegated }));
    expect(revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: responders.unauthorizedLeaf })), 'REVOCATION_UNKNOWN', /lacks id-kp-OCSPSigning/);
    await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: responders.foreign })), 'REVOCATION_UNKNOWN', /not issued by the CA.*unauthorized key/);
    // An impostor's "revoked" would be no more believed than its "good".
    await refusal(login(leaves.revoked!, policy({ mode: 'ocsp', ocspUrl: responders.foreign })), 'REVOCATION_UNKNOWN', /unauthorized key/);
  });

  it('an answer whose nextUpdate has passed is stale', async () => {
    // The stale responder promises 5 minutes; the server's clock is 30 minutes on (signingTime skew widened to fit).
    const later = { now: Date.now() + 30 * 60_000, maxClockSkewMs: 40 * 60_000 };
    await refusal(login(leaves.stale!, policy({ mode: 'ocsp', ocspUrl: responders.stale }), later), 'REVOCATION_UNKNOWN', /stale: its nextUpdate/);
  });

  it('a replayed answer without our nonce, or with another, is refused', async () => {
    for (const path of ['/replay-no-nonce', '/replay-other-nonce']) {
      await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: files.url + path })), 'REVOCATION_UNKNOWN', /does not carry our nonce/);
    }
  });
});

describe('CRL', () => {
  it('from the distribution point: good, and a CRL with a bad signature is no answer', async () => {
    const { revocation } = await login(leaves.good!, policy({ mode: 'crl' }));
    expect(revocation).toMatchObject({ status: 'good', source: 'crl' });
    await refusal(login(leaves.badCrl!, policy({ mode: 'crl' })), 'REVOCATION_UNKNOWN', /CRL's signature does not verify/);
  });
});

describe('policy, cache and transport', () => {
  it('fails closed by default when the certificate names no source; failOpen and off say not-checked', async () => {
    const message = await refusal(login(pki.leaves.p256, undefined), 'REVOCATION_UNKNOWN', /names no responder/);
    expect(message).toMatch(/names no CRL distribution point/);
    expect((await login(pki.leaves.p256, { failOpen: true })).revocation).toEqual({ status: 'not-checked', source: null, checkedAt: null });
    expect((await login(pki.leaves.p256, { mode: 'off' })).revocation).toEqual({ status: 'not-checked', source: null, checkedAt: null });
  });

  it('answers are kept until their nextUpdate; every download goes through the one fetch function', async () => {
    const seen: string[] = [];
    const counting: RevocationFetch = (request) => {
      seen.push(`${request.method} ${request.url}`);
      return defaultRevocationFetch(request);
    };
    const options = policy({ fetch: counting });
    for (let i = 0; i < 3; i++) expect((await login(leaves.cached!, options)).revocation.source).toBe('ocsp');
    expect(seen).toEqual([`POST ${responders.ca}`]);
    const crlOnly = policy({ mode: 'crl', fetch: counting });
    for (let i = 0; i < 3; i++) expect((await login(leaves.cached!, crlOnly)).revocation.source).toBe('crl');
    expect(seen).toEqual([`POST ${responders.ca}`, `GET ${files.url}/root.crl`]);
  });

  it('answers larger than the cap are refused; only http and https are fetched', async () => {
    const seen: string[] = [];
    const recording: RevocationFetch = (request) => {
      seen.push(request.url);
      return defaultRevocationFetch(request);
    };
    const message = await refusal(login(leaves.otherSchemes!, policy({ fetch: recording })), 'REVOCATION_UNKNOWN', /file:\/\/\/etc\/passwd is not http or https/);
    expect(message).toMatch(/ldap:\/\/ldap\.example.* is not http or https/);
    expect(seen).toEqual([]);
    await refusal(login(leaves.good!, policy({ mode: 'ocsp', ocspUrl: `${files.url}/huge` })), 'REVOCATION_UNKNOWN', /more than the 65536 allowed|larger than/);
    const good = { response: {}, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [rootPem] };
    await expect(verifyAuthentication({ ...good, revocation: { ocspUrl: 'file:///etc/passwd' } })).rejects.toThrow(/not http or https/);
    await expect(verifyAuthentication({ ...good, revocation: { mode: 'sometimes' as 'off' } })).rejects.toThrow(TypeError);
    await expect(verifyAuthentication({ ...good, revocation: { timeoutMs: 0 } })).rejects.toThrow(/timeoutMs/);
    await expect(verifyAuthentication({ ...good, revocation: { fetch: 'curl' as unknown as RevocationFetch } })).rejects.toThrow(/fetch/);
  });
});
