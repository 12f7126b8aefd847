// Revocation answers shared through Redis (the server the challenge store uses) by two verifier instances:
// what one server learned from the CA, another uses after the responder has gone, CRLs included; a Redis that
// is down costs a download, never a login.
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../../shared/protocol';
import {
  VerificationError,
  createRedisRevocationCache,
  verifyAuthentication,
  type RevocationCache,
  type RevocationFetch,
  type RevocationOptions,
} from '../../relying-party/index';
import { defaultRevocationFetch } from '../../relying-party/revocation/fetch';
import { createOpensslPki, opensslSign, type IssuedCertificate, type OpensslPki } from '../../relying-party/testing/openssl-pki';
import { freePort, makeCrl, revoke, startHttpFiles, startOcspResponder, type HttpFiles, type RunningService } from '../../relying-party/testing/revocation-services';
import { startRedis, type TestRedis } from '../helpers/redis-server';

const ORIGIN = 'https://portal.example';
const CHALLENGE = 'd3Z2m0yW0aUuJk7tD9Yx8c6Vb5Nn4Ll3Kk2Jj1Hh0Gg';

let pki: OpensslPki;
let redis: TestRedis;
let files: HttpFiles;
let responder: RunningService;
const caches: RevocationCache[] = [];
const leaves: Record<string, IssuedCertificate> = {};

beforeAll(async () => {
  redis = await startRedis();
  pki = createOpensslPki();
  files = await startHttpFiles();
  const ocspPort = await freePort();
  const extfile = `[ rev ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:${ocspPort}/
crlDistributionPoints = URI:${files.url}/root.crl
`;
  for (const name of ['good', 'revoked', 'crlFirst', 'crlSecond']) {
    leaves[name] = pki.issue(name, { key: 'p256', subject: `/CN=Shared ${name}/C=RU`, issuer: pki.root, extensions: 'rev', extfile });
  }
  const caConfig = pki.caConfigOf(pki.root);
  revoke(caConfig, leaves.revoked!.certPem);
  files.set('/root.crl', makeCrl(caConfig, join(pki.dir, 'root.crl')));
  responder = await startOcspResponder({
    index: join(dirname(caConfig), 'index.txt'),
    caCertPem: pki.root.certPem,
    signerCertPem: pki.root.certPem,
    signerKeyPem: pki.root.keyPem,
    port: ocspPort,
  });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(caches.map((c) => c.close?.()));
  await Promise.allSettled([responder?.stop(), files?.stop()]);
  await redis?.cleanup();
  pki?.cleanup();
});

/** One verifier instance (one server of the portal): its own memory, its own Redis connection, its own downloads. */
function instance(url = redis.url): { options: RevocationOptions; downloads: string[] } {
  const cache = createRedisRevocationCache({ url, keyPrefix: 'test:revocation:', connectTimeoutMs: 1000 });
  caches.push(cache);
  const downloads: string[] = [];
  const counting: RevocationFetch = (request) => {
    downloads.push(request.url);
    return defaultRevocationFetch(request);
  };
  return { options: { cache, fetch: counting }, downloads };
}

function login(leaf: IssuedCertificate, revocation: RevocationOptions) {
  const cms = opensslSign(pki, { signer: leaf, content: authPayload(ORIGIN, CHALLENGE) });
  const response = { format: 'tokensign-auth:1', cms: cms.toString('base64'), certificate: leaf.der.toString('base64') };
  return verifyAuthentication({ response, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [pki.root.der], revocation });
}

async function codeOf(run: Promise<unknown>): Promise<string> {
  return run.then(
    () => 'ACCEPTED',
    (e: unknown) => (e instanceof VerificationError ? e.code : Promise.reject(e)),
  );
}

describe('revocation answers shared through Redis', () => {
  it('a Redis that is down costs a download, not the login', async () => {
    const lost = instance(`redis://127.0.0.1:${await freePort()}`);
    expect((await login(leaves.good!, lost.options)).revocation.status).toBe('good');
    expect(lost.downloads).toHaveLength(1);
  });

  it("a second server uses the first one's OCSP answers (good and revoked) after the responder has gone", async () => {
    const a = instance();
    expect((await login(leaves.good!, a.options)).revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(await codeOf(login(leaves.revoked!, a.options))).toBe('CERTIFICATE_REVOKED');
    expect(a.downloads).toHaveLength(2);
    await responder.stop();
    const b = instance();
    expect((await login(leaves.good!, b.options)).revocation).toMatchObject({ status: 'good', source: 'ocsp' });
    expect(await codeOf(login(leaves.revoked!, b.options))).toBe('CERTIFICATE_REVOKED');
    expect(b.downloads).toEqual([]);
    // A server that never saw those answers and has no Redis must ask, and cannot.
    expect(await codeOf(login(leaves.good!, { mode: 'ocsp' }))).toBe('REVOCATION_UNKNOWN');
  });

  it('a CRL one server downloaded serves another for other certificates too', async () => {
    const a = instance();
    expect((await login(leaves.crlFirst!, { ...a.options, mode: 'crl' })).revocation.source).toBe('crl');
    expect(a.downloads).toEqual([`${files.url}/root.crl`]);
    const b = instance();
    expect((await login(leaves.crlSecond!, { ...b.options, mode: 'crl' })).revocation).toMatchObject({ status: 'good', source: 'crl' });
    expect(b.downloads).toEqual([]);
  });
});
