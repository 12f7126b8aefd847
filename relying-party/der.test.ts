// The hand-written DER reader: times, OIDs, lengths, and a seeded fuzz of whole logins — any
// malformed answer must end in a VerificationError, never another exception or a hang.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload } from '../shared/protocol';
import { DerError, readOid, readRoot, readTime, children } from '../shared/der';
import { VerificationError, verifyAuthentication } from './index';
import { createOpensslPki, opensslSign, type OpensslPki } from './testing/openssl-pki';

function node(hex: string) {
  return readRoot(Buffer.from(hex, 'hex'));
}
function timeNode(tag: number, text: string) {
  const body = Buffer.from(text, 'latin1');
  return readRoot(Buffer.concat([Buffer.from([tag, body.length]), body]));
}

describe('DER reader', () => {
  it('reads UTCTime and GeneralizedTime as RFC 5280 says', () => {
    expect(readTime(timeNode(0x17, '491231235959Z'))).toBe(Date.UTC(2049, 11, 31, 23, 59, 59));
    expect(readTime(timeNode(0x17, '500101000000Z'))).toBe(Date.UTC(1950, 0, 1));
    expect(readTime(timeNode(0x18, '20400101000000Z'))).toBe(Date.UTC(2040, 0, 1));
    expect(readTime(timeNode(0x18, '20251231235959.25Z'))).toBe(Date.UTC(2025, 11, 31, 23, 59, 59) + 250);
    for (const bad of ['2512312359Z5', '251331000000Z', '25123100000Z', '251231000000+0300', '']) {
      expect(() => readTime(timeNode(0x17, bad)), bad).toThrow(DerError);
    }
    expect(() => readTime(timeNode(0x18, '2025123100000Z'))).toThrow(DerError);
  });

  it('decodes OIDs, including large arcs', () => {
    expect(readOid(node('06092a864886f70d010702'))).toBe('1.2.840.113549.1.7.2');
    expect(readOid(node('0608 2a8503070101 0101'.replace(/ /g, '')))).toBe('1.2.643.7.1.1.1.1');
    expect(readOid(node('0603550403'))).toBe('2.5.4.3');
    expect(() => readOid(node('0602 2a86'.replace(/ /g, '')))).toThrow(/truncated/);
  });

  it('refuses lengths that run past the data, trailing bytes and runaway nesting', () => {
    expect(() => node('3005020101')).toThrow(/past the end/);
    expect(() => node('300302010100')).toThrow(/trailing/);
    expect(() => node('0480')).toThrow(DerError);
    expect(() => node('3080020101')).toThrow(/end-of-contents/);
    const deep = Buffer.concat([Buffer.alloc(200, 0x30).map((_, i) => (i % 2 ? 0x80 : 0x30)), Buffer.alloc(200, 0)]);
    expect(() => readRoot(deep)).toThrow(/too deep/);
    expect(children(node('3080020101 0000'.replace(/ /g, '')))).toHaveLength(1);
  });
});

describe('verifyAuthentication under a seeded fuzz', () => {
  const ORIGIN = 'https://portal.example';
  const CHALLENGE = 'c'.repeat(43);
  let pki: OpensslPki;
  let rootPem: string;
  let cms: Buffer;
  let cert: string;

  beforeAll(() => {
    pki = createOpensslPki();
    rootPem = readFileSync(pki.root.certPem, 'utf8');
    cms = opensslSign(pki, { signer: pki.leaves.viaIntermediate, content: authPayload(ORIGIN, CHALLENGE), certfile: [pki.intermediate] });
    cert = pki.leaves.viaIntermediate.der.toString('base64');
  });
  afterAll(() => pki?.cleanup());

  it('every mutation is accepted unchanged in meaning or refused with a VerificationError', async () => {
    let seed = 20261122;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const verify = (bytes: Buffer) => verifyAuthentication({
      response: { format: 'tokensign-auth:1', cms: bytes.toString('base64'), certificate: cert },
      challenge: CHALLENGE,
      origin: ORIGIN,
      trustedCertificates: [rootPem],
      revocation: { mode: 'off' }, // this PKI publishes no revocation service
    });
    expect((await verify(cms)).certificate.subject.commonName).toBe('Через Промежуточный');
    const codes = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const mutated = Buffer.from(cms);
      const kind = rand(4);
      let input = mutated;
      if (kind === 0) mutated[rand(mutated.length)] = rand(256);
      else if (kind === 1) mutated[rand(mutated.length)]! ^= 1 << rand(8);
      else if (kind === 2) input = mutated.subarray(0, rand(mutated.length));
      else input = Buffer.concat([mutated.subarray(0, rand(mutated.length)), Buffer.from([rand(256), rand(256)]), mutated.subarray(rand(mutated.length))]);
      try {
        await verify(input);
        codes.set('ACCEPTED', (codes.get('ACCEPTED') ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof VerificationError)) throw new Error(`mutation ${i} (kind ${kind}) threw ${(e as Error).stack}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    if (process.env.TOKENSIGN_SHOW_FUZZ) console.log(Object.fromEntries(codes));
    // the signature covers what matters: most mutations must be refused, and for more than one reason
    expect(codes.get('FORMAT') ?? 0).toBeGreaterThan(500);
    expect(codes.get('SIGNATURE_INVALID') ?? 0).toBeGreaterThan(50);
    expect(codes.get('ACCEPTED') ?? 0).toBeLessThan(600);
  });
});
