// verifyAuthentication on GOST R 34.10-2012 logins made by OpenSSL with the gost engine (the independent
// implementation): TC26 and CryptoPro parameter sets, 256 and 512 bits, a GOST-signed chain, key-OID and
// signature-OID SignerInfos, and refusals (flipped bytes, wrong origin, another CA).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CONTENT_TYPE_OID, authPayload } from '../../shared/protocol';
import { VerificationError, verifyAuthentication, verifySignature } from '../../relying-party/index';
import { children, content, readOid, readRoot, tlv } from '../../shared/der';
import { createGostPki, gostDigestFor, isGostKey, type GostCert, type GostPki } from '../fixtures/gost';

const ORIGIN = 'https://esia.gosuslugi.ru';
const CHALLENGE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';

let pki: GostPki;
let caPem: string;

beforeAll(() => {
  pki = createGostPki();
  caPem = readFileSync(pki.caCertPem, 'utf8');
});
afterAll(() => pki?.cleanup());

function opensslCmsSign(cert: GostCert, content: Uint8Array, extra: string[] = []): Buffer {
  const id = randomBytes(6).toString('hex');
  const input = join(pki.dir, `in-${id}.bin`);
  const out = join(pki.dir, `cms-${id}.der`);
  writeFileSync(input, content);
  if (!isGostKey(cert.key)) throw new Error('GOST leaves only');
  execFileSync('openssl', ['cms', '-sign', '-engine', 'gost', '-binary', '-in', input, '-signer', cert.certPem, '-inkey', cert.keyPem,
    '-md', gostDigestFor(cert.key), '-econtent_type', AUTH_CONTENT_TYPE_OID, '-outform', 'DER', '-out', out, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  return readFileSync(out);
}

function response(cms: Uint8Array, cert: GostCert) {
  return { format: 'tokensign-auth:1', cms: Buffer.from(cms).toString('base64'), certificate: readFileSync(cert.certDer).toString('base64') };
}

function verify(resp: unknown, origin = ORIGIN, trusted: string[] = [caPem]) {
  // The test CA publishes no revocation service here; test/integration/rp-revocation.test.ts gives it one.
  return verifyAuthentication({ response: resp, challenge: CHALLENGE, origin, trustedCertificates: trusted, revocation: { mode: 'off' } });
}

async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    if (e instanceof VerificationError) return e.code;
    throw e;
  }
  return 'ACCEPTED';
}

/** Offset of the signature value (last OCTET STRING of the SignerInfo) in a DER CMS: the last bytes of the CMS. */
function flipSignatureByte(cms: Buffer): Buffer {
  const copy = Buffer.from(cms);
  copy[copy.length - 5]! ^= 0x01;
  return copy;
}

describe('GOST logins made by OpenSSL', () => {
  it.each(['gost256', 'gost512', 'gost256cp', 'gost512b'])('%s verifies, with the subject of the certificate', async (name) => {
    const cert = pki.certs[name]!;
    const cms = opensslCmsSign(cert, authPayload(ORIGIN, CHALLENGE));
    const { certificate, signedAt } = await verify(response(cms, cert));
    expect(certificate.keyAlgorithm).toBe(cert.key.startsWith('gost256') ? 'GOST-2012-256' : 'GOST-2012-512');
    expect(certificate.subject.organization).toBe('АО "Северный ветер"');
    expect(certificate.issuerCommonName).toBe('Tokensign Test GOST CA');
    expect(Math.abs(signedAt.getTime() - Date.now())).toBeLessThan(120_000);
  });

  it('OpenSSL puts the key OID in SignerInfo.signatureAlgorithm (the case the verifier must accept)', async () => {
    const cert = pki.certs.gost256!;
    const cms = opensslCmsSign(cert, authPayload(ORIGIN, CHALLENGE));
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-engine', 'gost'], { input: cms, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    expect(printed).toMatch(/signatureAlgorithm:\s*\n?\s*algorithm: (gost2012_256|1\.2\.643\.7\.1\.1\.1\.1|GOST R 34\.10-2012 with 256 bit modulus)/);
  });

  it('refuses a flipped signature byte', async () => {
    const cert = pki.certs.gost512!;
    const cms = opensslCmsSign(cert, authPayload(ORIGIN, CHALLENGE));
    expect(await codeOf(() => verify(response(flipSignatureByte(cms), cert)))).toBe('SIGNATURE_INVALID');
  });

  it('refuses a login signed for another origin', async () => {
    const cert = pki.certs.gost256cp!;
    const cms = opensslCmsSign(cert, authPayload('https://evil.example', CHALLENGE));
    expect(await codeOf(() => verify(response(cms, cert)))).not.toBe('ACCEPTED');
  });

  it('refuses a GOST certificate when only another CA is trusted', async () => {
    const cert = pki.certs.gost256!;
    const cms = opensslCmsSign(cert, authPayload(ORIGIN, CHALLENGE));
    expect(await codeOf(() => verify(response(cms, cert), ORIGIN, [readFileSync(pki.rsaCaCertPem, 'utf8')]))).toBe('CHAIN_UNTRUSTED');
  });

  it('checks GOST certificate signatures with the function the chain checker uses', async () => {
    const caSpki = spkiOf(readFileSync(pki.caCertDer));
    for (const name of ['gost256', 'gost512', 'gost256cp']) {
      const [tbs, alg, sig] = children(readRoot(readFileSync(pki.certs[name]!.certDer)));
      const signature = content(sig!).subarray(1); // BIT STRING: drop the unused-bits byte
      const check = { algorithmOid: readOid(children(alg!)[0]!), spki: caSpki, signedBytes: tlv(tbs!), signature };
      expect(check.algorithmOid).toBe('1.2.643.7.1.1.3.3'); // the CA is GOST 2012-512
      expect(verifySignature(check)).toBe(true);
      const flipped = Buffer.from(signature);
      flipped[7]! ^= 0x40;
      expect(verifySignature({ ...check, signature: flipped })).toBe(false);
      const otherTbs = Buffer.from(tlv(tbs!));
      otherTbs[otherTbs.length - 9]! ^= 0x01;
      expect(verifySignature({ ...check, signedBytes: otherTbs })).toBe(false);
    }
  });

  it('refuses a GOST signature checked against a key of the other size', async () => {
    const leaf = pki.certs.gost256!;
    const [tbs, , sig] = children(readRoot(readFileSync(pki.certs.gost512!.certDer)));
    const check = { algorithmOid: '1.2.643.7.1.1.3.3', spki: spkiOf(readFileSync(leaf.certDer)), signedBytes: tlv(tbs!), signature: content(sig!).subarray(1) };
    expect(await codeOf(() => verifySignature(check))).toBe('SIGNATURE_INVALID');
  });
});

/** SubjectPublicKeyInfo DER of a certificate. */
function spkiOf(certDer: Uint8Array): Uint8Array {
  const [tbs] = children(readRoot(certDer));
  const fields = children(tbs!);
  const offset = fields[0]!.tag === 0xa0 ? 1 : 0; // [0] version
  return tlv(fields[offset + 5]!);
}
