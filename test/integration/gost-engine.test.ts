// The relying party's two GOST paths: shared/gost (pure JS, the default) and OpenSSL's gost engine through
// node:crypto after enableGostEngine(). The same OpenSSL-made and host-made logins, TC26 and CryptoPro parameter sets,
// must give the same answers on both; a key the engine refuses falls back to JS. crypto.setEngine is process-global:
// vitest runs each test file in its own forked process, so no other file sees the engine.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH_CONTENT_TYPE_OID, authPayload } from '../../shared/protocol';
import { streebog } from '../../shared/gost/index';
import { children, readRoot, tlv } from '../../shared/der';
import {
  DIGEST_ALGORITHMS,
  disableGostEngine,
  enableGostEngine,
  VerificationError,
  verifyAuthentication,
  verifySignature,
} from '../../relying-party/index';
import { gostBackendFor } from '../../relying-party/gost';
import type { CertificateInfo } from '../../shared/protocol';
import { createGostPki, GOST_TEST_TOKENS, gostDigestFor, isGostKey, opensslGost, type GostCert, type GostPki } from '../fixtures/gost';
import { startHost, type HostProcess } from '../helpers/host-process';

const ORIGIN = 'https://esia.gosuslugi.ru';
const CHALLENGE = 'R09TVGVuZ2luZXRlc3RjaGFsbGVuZ2Vmb3J0b2tlbnNpZ24x';
const LEAVES = ['gost256', 'gost256cp', 'gost512', 'gost512b'] as const; // TC26-256-A, CryptoPro-XchA, 512-A, 512-B

interface Login {
  name: string;
  made: 'openssl' | 'host';
  response: { format: string; cms: string; certificate: string };
}

let pki: GostPki;
let host: HostProcess | undefined;
let caPem: string;
const logins: Login[] = [];

beforeAll(async () => {
  pki = createGostPki();
  caPem = readFileSync(pki.caCertPem, 'utf8');
  for (const name of LEAVES) logins.push({ name, made: 'openssl', response: opensslLogin(pki.certs[name]!) });
  host = startHost({ env: pki.env });
  const { certificates } = await host.call<{ certificates: CertificateInfo[] }>('list-certificates');
  for (const name of LEAVES) {
    const cert = pki.certs[name]!;
    const id = certificates.find((c) => c.label === cert.label)?.id;
    if (!id) throw new Error(`the host lists no ${cert.label}`);
    const pin = GOST_TEST_TOKENS.find((t) => t.label === cert.token)!.pin;
    const result = await host.call<{ cms: string; certificate: string }>('authenticate', { certificateId: id, pin, origin: ORIGIN, challenge: CHALLENGE });
    logins.push({ name, made: 'host', response: { format: 'tokensign-auth:1', ...result } });
  }
}, 120_000);

afterAll(async () => {
  if (host) await host.close(5000).catch(() => host?.kill());
  disableGostEngine();
  pki?.cleanup();
});

function opensslLogin(cert: GostCert, origin = ORIGIN): Login['response'] {
  if (!isGostKey(cert.key)) throw new Error('GOST leaves only');
  const id = randomBytes(6).toString('hex');
  const input = join(pki.dir, `engine-in-${id}.bin`);
  const out = join(pki.dir, `engine-cms-${id}.der`);
  writeFileSync(input, authPayload(origin, CHALLENGE));
  opensslGost(['cms', '-sign', '-binary', '-in', input, '-signer', cert.certPem, '-inkey', cert.keyPem, '-md', gostDigestFor(cert.key),
    '-econtent_type', AUTH_CONTENT_TYPE_OID, '-outform', 'DER', '-out', out]);
  return { format: 'tokensign-auth:1', cms: readFileSync(out).toString('base64'), certificate: readFileSync(cert.certDer).toString('base64') };
}

/** What verifyAuthentication says: the verified fields, or the error code. */
async function outcome(response: unknown): Promise<string> {
  try {
    // The test CA publishes no revocation service.
    const { certificate, signedAt } = await verifyAuthentication({ response, challenge: CHALLENGE, origin: ORIGIN, trustedCertificates: [caPem], revocation: { mode: 'off' } });
    return JSON.stringify({ certificate, signedAt });
  } catch (e) {
    if (e instanceof VerificationError) return `refused ${e.code}`;
    throw e;
  }
}

/** The signature value ends the CMS (SignerInfo last, no unsigned attributes): flip a byte of it. */
function withFlippedSignature(response: Login['response']): Login['response'] {
  const cms = Buffer.from(response.cms, 'base64');
  cms[cms.length - 5]! ^= 0x01;
  return { ...response, cms: cms.toString('base64') };
}

function spkiOf(certDer: Uint8Array): Uint8Array {
  const fields = children(children(readRoot(certDer))[0]!);
  return tlv(fields[fields[0]!.tag === 0xa0 ? 6 : 5]!);
}

/** Every login, its flipped twin and one for another origin, through the current path. */
function allOutcomes(): Promise<string[]> {
  return Promise.all(logins.flatMap((l) => [outcome(l.response), outcome(withFlippedSignature(l.response))]));
}

let jsOutcomes: string[];

describe('GOST verification paths', () => {
  it('uses shared/gost until the portal opts in', async () => {
    for (const name of LEAVES) expect(gostBackendFor(spkiOf(readFileSync(pki.certs[name]!.certDer)))).toBe('js');
    jsOutcomes = await allOutcomes();
    for (let i = 0; i < logins.length; i++) {
      const accepted = JSON.parse(jsOutcomes[2 * i]!) as { certificate: { keyAlgorithm: string } };
      expect(accepted.certificate.keyAlgorithm, `${logins[i]!.made} ${logins[i]!.name}`).toMatch(/^GOST-2012-(256|512)$/);
      expect(jsOutcomes[2 * i + 1]).toBe('refused SIGNATURE_INVALID');
    }
  });

  it('a wrong engine path is a clear failure and leaves the pure-JS path on', () => {
    const status = enableGostEngine('/nonexistent/gost.so');
    expect(status.enabled).toBe(false);
    if (status.enabled) return;
    expect(status.error).toMatch(/\/nonexistent\/gost\.so.*not usable/);
    expect(gostBackendFor(spkiOf(readFileSync(pki.certs.gost256!.certDer)))).toBe('js');
  });

  it('the gost engine, once enabled, verifies the same logins with the same answers', async () => {
    const status = enableGostEngine();
    expect(status).toEqual({ enabled: true, path: '/usr/lib/x86_64-linux-gnu/engines-3/gost.so' });
    for (const name of LEAVES) expect(gostBackendFor(spkiOf(readFileSync(pki.certs[name]!.certDer)))).toBe('openssl');
    expect(gostBackendFor(spkiOf(readFileSync(pki.caCertDer)))).toBe('openssl');
    expect(await allOutcomes()).toEqual(jsOutcomes);
    // Content bound to another origin: CONTENT_MISMATCH on the engine path too.
    expect(await outcome(opensslLogin(pki.certs.gost512!, 'https://evil.example'))).toBe('refused CONTENT_MISMATCH');
  });

  it('Streebog through the engine gives the bytes of shared/gost', () => {
    for (const len of [0, 1, 63, 64, 65, 200, 5000]) {
      const data = randomBytes(len);
      expect(Buffer.from(DIGEST_ALGORITHMS.get('1.2.643.7.1.1.2.2')!.hash(data))).toEqual(Buffer.from(streebog(256, data)));
      expect(Buffer.from(DIGEST_ALGORITHMS.get('1.2.643.7.1.1.2.3')!.hash(data))).toEqual(Buffer.from(streebog(512, data)));
    }
  });

  it.each([
    ['gost2012_256', 'TCA'],
    ['gost2012_256', 'TCB'],
    ['gost2012_256', 'TCC'],
    ['gost2012_256', 'TCD'],
    ['gost2012_256', 'A'],
    ['gost2012_256', 'B'],
    ['gost2012_256', 'C'],
    ['gost2012_256', 'XA'],
    ['gost2012_256', 'XB'],
    ['gost2012_512', 'A'],
    ['gost2012_512', 'B'],
    ['gost2012_512', 'C'],
  ])('%s paramset %s: good, flipped, swapped and other-data signatures judged alike on both paths', (algorithm, set) => {
    const key = join(pki.dir, `engine-${algorithm}-${set}.key`);
    const data = join(pki.dir, `engine-${algorithm}-${set}.bin`);
    const sigPath = join(pki.dir, `engine-${algorithm}-${set}.sig`);
    const bits = algorithm === 'gost2012_256' ? 256 : 512;
    opensslGost(['genpkey', '-algorithm', algorithm, '-pkeyopt', `paramset:${set}`, '-out', key]);
    const spki = execFileSync('openssl', ['pkey', '-engine', 'gost', '-in', key, '-pubout', '-outform', 'DER'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const message = randomBytes(321);
    writeFileSync(data, message);
    opensslGost(['dgst', `-md_gost12_${bits}`, '-sign', key, '-out', sigPath, data]);
    const signature = readFileSync(sigPath);
    const half = signature.length / 2;
    const flipped = Buffer.from(signature);
    flipped[9]! ^= 0x20;
    const check = {
      algorithmOid: bits === 256 ? '1.2.643.7.1.1.3.2' : '1.2.643.7.1.1.3.3',
      spki,
      signedBytes: message,
      signature,
    };
    const judge = () => [
      verifySignature(check),
      verifySignature({ ...check, signature: flipped }),
      verifySignature({ ...check, signature: Buffer.concat([signature.subarray(half), signature.subarray(0, half)]) }),
      verifySignature({ ...check, signedBytes: Buffer.concat([message, Buffer.from([0])]) }),
      verifySignature({ ...check, signature: signature.subarray(1) }),
    ];
    expect(enableGostEngine().enabled).toBe(true);
    expect(gostBackendFor(spki)).toBe('openssl');
    const engine = judge();
    disableGostEngine();
    expect(gostBackendFor(spki)).toBe('js');
    const js = judge();
    expect(engine).toEqual([true, false, false, false, false]);
    expect(js).toEqual(engine);
  });

  it('a key the engine refuses (a point off the curve) goes to shared/gost, which refuses the signature', () => {
    expect(enableGostEngine().enabled).toBe(true);
    const spki = Buffer.from(spkiOf(readFileSync(pki.certs.gost256!.certDer)));
    spki[spki.length - 1]! ^= 0x01; // Y's most significant byte (little-endian X‖Y)
    expect(gostBackendFor(spki)).toBe('js');
    const good = spkiOf(readFileSync(pki.certs.gost256!.certDer));
    expect(gostBackendFor(good)).toBe('openssl');
    const check = { algorithmOid: '1.2.643.7.1.1.3.2', spki, signedBytes: new Uint8Array(10), signature: new Uint8Array(64).fill(1) };
    expect(verifySignature(check)).toBe(false);
  });

  it('disableGostEngine goes back to shared/gost with the same answers', async () => {
    expect(enableGostEngine().enabled).toBe(true);
    disableGostEngine();
    expect(gostBackendFor(spkiOf(readFileSync(pki.certs.gost512b!.certDer)))).toBe('js');
    expect(await allOutcomes()).toEqual(jsOutcomes);
  });
});
