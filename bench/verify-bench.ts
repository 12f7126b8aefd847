// Verification figures: verifyAuthentication per second beside crypto.verify alone on the same
// signature (the floor) and pkijs's own SignedData.verify, for RSA-2048, P-256 and GOST-256.
// The authentication responses are made by OpenSSL (`openssl cms -sign -cades`, with the login content type), independently of the host.
// Revocation is on (the library's default, OCSP then CRL): the test CA answers OCSP through OpenSSL's responder on
// 127.0.0.1, the first call fills the revocation cache, and the figures are of verification with that warm cache.
import { execFileSync } from 'node:child_process';
import { createPublicKey, setEngine, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as pkijs from 'pkijs';
import { AUTH_CONTENT_TYPE_OID, AUTH_FORMAT, authPayload } from '../shared/protocol';
import type { TestPki } from '../test/fixtures/pki';
import { startLoopbackOcspResponder } from '../relying-party/testing/revocation-services';
import { ROOT, randomChallenge } from './host-bench';
import type { Report } from './report';
import { interleavedOpsPerSecond, progress } from './stats';

const ORIGIN = 'https://esia.gosuslugi.ru';
export const GOST_ENGINE = '/usr/lib/x86_64-linux-gnu/engines-3/gost.so';

interface Signed {
  label: 'RSA-2048' | 'ECDSA-P256' | 'GOST-2012-256';
  response: { format: string; cms: string; certificate: string };
  challenge: string;
  /** The DER of the signed attributes as signed (SET OF), and the signature over them. */
  signedAttributes: Buffer;
  signature: Buffer;
  publicKey: KeyObject;
  digest: string;
  dsaEncoding?: 'der';
  signedData: pkijs.SignedData;
  payload: Buffer;
}

function openssl(args: string[], engine = false): void {
  execFileSync('openssl', engine ? [args[0]!, '-engine', 'gost', ...args.slice(1)] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A GOST R 34.10-2012 256 leaf certificate, issued by the test CA, made with OpenSSL's gost engine. */
function makeGostLeaf(pki: TestPki): { certPem: string; keyPem: string } {
  const keyPem = join(pki.dir, 'bench-gost.key');
  const csr = join(pki.dir, 'bench-gost.csr');
  const certPem = join(pki.dir, 'bench-gost.pem');
  const ext = join(pki.dir, 'bench-gost.ext');
  writeFileSync(ext, 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n');
  openssl(['genpkey', '-algorithm', 'gost2012_256', '-pkeyopt', 'paramset:A', '-out', keyPem], true);
  openssl(['req', '-new', '-key', keyPem, '-subj', '/CN=GOST Bench/O=Tokensign Bench/C=RU', '-md_gost12_256', '-out', csr], true);
  openssl(['x509', '-req', '-in', csr, '-CA', pki.caCertPem, '-CAkey', join(pki.dir, 'ca.key'), '-set_serial', '4242',
    '-days', '365', '-sha256', '-extfile', ext, '-out', certPem], true);
  // Known to the CA's OCSP responder (it reads the index on each request): serial 4242 = 0x1092, valid.
  const expiry = new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  appendFileSync(pki.caIndex, `V\t${expiry}\t\t1092\tunknown\t/CN=GOST Bench/O=Tokensign Bench/C=RU\n`);
  return { certPem, keyPem };
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

const GOST_KEY_OID = Buffer.from('06082a85030701010101', 'hex'); // 1.2.643.7.1.1.1.1 (public key)
const GOST_SIGNATURE_OID = Buffer.from('06082a85030701010302', 'hex'); // 1.2.643.7.1.1.3.2 (signature)

/**
 * OpenSSL writes the GOST public-key OID into SignerInfo.signatureAlgorithm; the protocol's CMS
 * carries the signature OID. The SignerInfo is last in the CMS, so its OID is the last occurrence;
 * the field is outside the signed attributes, so the signature stays valid.
 */
function withGostSignatureOid(cms: Buffer): Buffer {
  const at = cms.lastIndexOf(GOST_KEY_OID);
  if (at < 0) return cms;
  const out = Buffer.from(cms);
  GOST_SIGNATURE_OID.copy(out, at);
  return out;
}

function sign(pki: TestPki, label: Signed['label'], certPem: string, keyPem: string): Signed {
  const challenge = randomChallenge();
  const payload = Buffer.from(authPayload(ORIGIN, challenge));
  const gost = label === 'GOST-2012-256';
  const tag = label.toLowerCase();
  const payloadPath = join(pki.dir, `bench-${tag}.payload`);
  const cmsPath = join(pki.dir, `bench-${tag}.cms`);
  writeFileSync(payloadPath, payload);
  openssl(['cms', '-sign', '-binary', '-in', payloadPath, '-signer', certPem, '-inkey', keyPem, '-md', gost ? 'md_gost12_256' : 'sha256',
    '-cades', '-nosmimecap', '-econtent_type', AUTH_CONTENT_TYPE_OID, '-outform', 'DER', '-out', cmsPath], gost);
  const cms = gost ? withGostSignatureOid(readFileSync(cmsPath)) : readFileSync(cmsPath);
  const certificate = pemToDer(readFileSync(certPem, 'utf8'));

  const contentInfo = pkijs.ContentInfo.fromBER(new Uint8Array(cms));
  const signedData = new pkijs.SignedData({ schema: contentInfo.content });
  const signer = signedData.signerInfos[0]!;
  // Signed attributes are signed as a SET OF: the [0] IMPLICIT tag becomes 0x31.
  const setDer = Buffer.from(signer.signedAttrs!.toSchema().toBER());
  setDer[0] = 0x31;
  return {
    label,
    response: { format: AUTH_FORMAT, cms: cms.toString('base64'), certificate: certificate.toString('base64') },
    challenge,
    signedAttributes: setDer,
    signature: Buffer.from(signer.signature.valueBlock.valueHexView),
    publicKey: createPublicKey(readFileSync(certPem)),
    digest: gost ? 'md_gost12_256' : 'sha256',
    ...(label === 'ECDSA-P256' ? { dsaEncoding: 'der' as const } : {}),
    signedData,
    payload,
  };
}

type VerifyAuthentication = (options: {
  response: unknown;
  challenge: string;
  origin: string;
  trustedCertificates: Array<Buffer | string>;
  revocation?: { ocspUrl?: string };
}) => Promise<{ revocation: { status: string } }>;

export async function benchVerification(report: Report, pki: TestPki, batches: number, perBatch: number): Promise<void> {
  const library = join(ROOT, 'dist', 'relying-party', 'index.js');
  let verifyAuthentication: VerifyAuthentication | null = null;
  let enableGostEngine: ((path?: string) => { enabled: boolean; error?: string | null }) | undefined;
  if (existsSync(library)) {
    ({ verifyAuthentication, enableGostEngine } = (await import(pathToFileURL(library).href)) as {
      verifyAuthentication: VerifyAuthentication;
      enableGostEngine?: typeof enableGostEngine;
    });
  } else {
    report.skip('verifyAuthentication', `${library} is not built`);
  }
  const trusted = [readFileSync(pki.caCertDer)];
  const ocsp = await startLoopbackOcspResponder({ index: pki.caIndex, caCertPem: pki.caCertPem, signerCertPem: pki.caCertPem, signerKeyPem: pki.caKeyPem });
  try {
    await benchCases(report, batches, perBatch, pki, trusted, { ocspUrl: ocsp.url }, verifyAuthentication, enableGostEngine);
  } finally {
    await ocsp.stop();
  }
}

async function benchCases(
  report: Report,
  batches: number,
  perBatch: number,
  pki: TestPki,
  trusted: Buffer[],
  revocation: { ocspUrl: string },
  verifyAuthentication: VerifyAuthentication | null,
  enableGostEngine: ((path?: string) => { enabled: boolean; error?: string | null }) | undefined,
): Promise<void> {
  /** RSA and P-256 first, GOST last: loading the gost engine is process-wide, and a portal without GOST has none. */
  function* cases(): Generator<Signed> {
    yield sign(pki, 'RSA-2048', pki.certs.rsa!.certPem, pki.certs.rsa!.keyPem);
    yield sign(pki, 'ECDSA-P256', pki.certs.p256!.certPem, pki.certs.p256!.keyPem);
    let gost: Signed;
    try {
      // Node's own OpenSSL takes Debian's gost engine: the GOST floor is crypto.verify through it.
      setEngine(GOST_ENGINE);
      const leaf = makeGostLeaf(pki);
      gost = sign(pki, 'GOST-2012-256', leaf.certPem, leaf.keyPem);
    } catch (e) {
      report.skip('GOST-2012-256 verification', `gost engine unavailable: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    yield gost;
  }

  for (const c of cases()) {
    progress(`verification ${c.label}: ${batches}×${perBatch} calls each, interleaved with the floor`);
    const key = c.dsaEncoding ? { key: c.publicKey, dsaEncoding: c.dsaEncoding } : c.publicKey;
    if (!cryptoVerify(c.digest, c.signedAttributes, key, c.signature)) throw new Error(`${c.label}: crypto.verify rejects the CMS signature`);
    const floorRun = { fn: () => cryptoVerify(c.digest, c.signedAttributes, key, c.signature), perBatch };
    const floorName = c.label === 'GOST-2012-256' ? 'floor: crypto.verify alone GOST-2012-256 (OpenSSL gost engine)' : `floor: crypto.verify alone ${c.label}`;
    const options = { response: c.response, challenge: c.challenge, origin: ORIGIN, trustedCertificates: trusted, revocation };
    const verifyOnce = verifyAuthentication;
    // The first call asks the CA's responder; every later one finds the answer in the cache.
    const first = verifyOnce ? await verifyOnce(options) : null;
    if (first && first.revocation.status !== 'good') throw new Error(`${c.label}: revocation ${first.revocation.status}`);
    const data = new Uint8Array(c.payload).buffer;
    const pkijsVerify = async () => {
      const ok = await c.signedData.verify({ signer: 0, data, checkChain: false });
      if (!ok) throw new Error('pkijs rejects the signature');
    };
    const withPkijs = c.label !== 'GOST-2012-256';
    if (withPkijs) await pkijsVerify();

    const runs: Array<{ fn: () => unknown; perBatch: number }> = [floorRun];
    if (verifyOnce) runs.push({ fn: () => verifyOnce(options), perBatch });
    if (withPkijs) runs.push({ fn: pkijsVerify, perBatch: Math.max(1, perBatch >> 1) });
    const [floorRates, ...rest] = await interleavedOpsPerSecond(batches, runs);
    const floor = report.add(floorName, 'ops/s', floorRates!, null);
    const against = { name: floor.name, value: floor.value };
    if (verifyOnce) {
      const note = c.label === 'GOST-2012-256' ? 'pure JavaScript GOST (the library default); revocation from the warm cache' : 'revocation (OCSP) from the warm cache';
      report.add(`verifyAuthentication ${c.label}`, 'ops/s', rest.shift()!, against, note);
    }
    if (withPkijs) report.add(`pkijs SignedData.verify ${c.label}`, 'ops/s', rest.shift()!, against, 'signature only: no chain, no key usage, no content binding');

    // The library can opt in to OpenSSL's gost engine; measured after the default, as it is
    // process-wide, beside a floor of its own.
    if (verifyOnce && c.label === 'GOST-2012-256' && enableGostEngine) {
      const engine = enableGostEngine(GOST_ENGINE);
      if (engine.enabled) {
        await verifyOnce(options);
        const [floorAgain, engineRates] = await interleavedOpsPerSecond(batches, [floorRun, { fn: () => verifyOnce(options), perBatch }]);
        const engineFloor = report.add(`${floorName}, beside the engine figure`, 'ops/s', floorAgain!, null);
        report.add('verifyAuthentication GOST-2012-256 with enableGostEngine()', 'ops/s', engineRates!, { name: engineFloor.name, value: engineFloor.value });
      } else report.skip('verifyAuthentication GOST-2012-256 with enableGostEngine()', engine.error ?? 'the engine did not load');
    }
  }
}
