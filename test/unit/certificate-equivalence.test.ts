// shared/certificate.ts reads certificates with its own DER reader; before, it used pkijs/asn1js.
// This test builds certificates by hand (every string type, broken UTF-8, odd BMP, UTCTime and
// GeneralizedTime, multi-valued RDNs, unknown attributes, key types, key usage bits) plus random
// ones from a seeded generator, and checks the description is the same as the pkijs reading
// (test/helpers/certificate-pkijs.ts, the previous implementation) field for field.
// Signatures are not checked by either reader, so the certificates carry dummy signature bytes.
// One deliberate difference, tested as such: a UTCTime without seconds (asn1js misread it).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../bench/prng';
import { CertificateParseError, describeCertificate } from '../../shared/certificate';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { describeCertificate as describeWithPkijs } from '../helpers/certificate-pkijs';

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag, ...len(body.length)]), body]);
}
const seq = (...p: Uint8Array[]) => tlv(0x30, ...p);
const set = (...p: Uint8Array[]) => tlv(0x31, ...p);
function oid(text: string): Uint8Array {
  const arcs = text.split('.').map(Number);
  const out = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const b: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) b.unshift(0x80 | (v & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Uint8Array.from(out));
}
const raw = (tag: number, bytes: ArrayLike<number>) => tlv(tag, Uint8Array.from(bytes));
const latin1 = (tag: number, s: string) => tlv(tag, Buffer.from(s, 'latin1'));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bmp = (s: string) => tlv(0x1e, Buffer.from(s, 'utf16le').swap16());
const atv = (type: string, value: Uint8Array) => seq(oid(type), value);

interface Spec {
  version?: number | null;
  serial?: Uint8Array;
  issuer?: Uint8Array[][];
  subject?: Uint8Array[][];
  notBefore?: Uint8Array;
  notAfter?: Uint8Array;
  spki?: Uint8Array;
  extensions?: Uint8Array[] | null;
}
const name = (rdns: Uint8Array[][]) => seq(...rdns.map((rdn) => set(...rdn)));
const ecSpki = (curve: string) => seq(seq(oid('1.2.840.10045.2.1'), oid(curve)), tlv(0x03, Uint8Array.of(0, 4, ...new Uint8Array(64).fill(7))));
function rsaSpki(modulus: Uint8Array, alg = '1.2.840.113549.1.1.1'): Uint8Array {
  const key = seq(tlv(0x02, modulus), raw(0x02, [1, 0, 1]));
  return seq(seq(oid(alg), raw(0x05, [])), tlv(0x03, Uint8Array.of(0), key));
}
const keyUsage = (bytes: number[]) => seq(oid('2.5.29.15'), raw(0x01, [0xff]), tlv(0x04, raw(0x03, bytes)));

function certificate(spec: Spec): Uint8Array {
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const version = spec.version === null ? [] : [tlv(0xa0, raw(0x02, [spec.version ?? 2]))];
  const extensions = spec.extensions === null ? [] : [tlv(0xa3, seq(...(spec.extensions ?? [keyUsage([0x07, 0x80])])))];
  const tbs = seq(
    ...version,
    spec.serial ?? raw(0x02, [0x01, 0x23]),
    alg,
    name(spec.issuer ?? [[atv('2.5.4.3', utf8('Issuer CA'))]]),
    seq(spec.notBefore ?? latin1(0x17, '250101000000Z'), spec.notAfter ?? latin1(0x18, '20351231235959Z')),
    name(spec.subject ?? [[atv('2.5.4.3', utf8('Subject'))]]),
    spec.spki ?? ecSpki('1.2.840.10045.3.1.7'),
    ...extensions,
  );
  return seq(tbs, alg, tlv(0x03, Uint8Array.of(0, 0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01)));
}

const NOW = new Date('2030-06-15T12:00:00Z');

/** Both readers agree: the same description, or both refuse. */
function expectSame(der: Uint8Array, label: string): void {
  let reference: unknown;
  try {
    reference = describeWithPkijs(der, NOW);
  } catch {
    reference = 'refused';
  }
  let ours: unknown;
  try {
    ours = describeCertificate(der, NOW);
  } catch (e) {
    expect(e, label).toBeInstanceOf(CertificateParseError);
    ours = 'refused';
  }
  expect(ours, label).toEqual(reference);
}

const STRING_VALUES: Array<[string, Uint8Array]> = [
  ['UTF8String Cyrillic', utf8('Общество с ограниченной ответственностью "Ромашка"')],
  ['UTF8String with BOM and astral', utf8('\ufeffЁлка 😀')],
  ['UTF8String invalid', raw(0x0c, [0x41, 0xc3, 0x28, 0xff, 0x42])],
  ['UTF8String CESU surrogate', raw(0x0c, [0xed, 0xa0, 0x80])],
  ['UTF8String overlong', raw(0x0c, [0xc0, 0xaf])],
  ['UTF8String empty', raw(0x0c, [])],
  ['PrintableString', latin1(0x13, 'Moscow 1+2=3')],
  ['NumericString', latin1(0x12, '7707083893')],
  ['TeletexString high bytes', raw(0x14, [0x41, 0xe9, 0xff, 0x80])],
  ['IA5String', latin1(0x16, 'user@example.ru')],
  ['VisibleString', latin1(0x1a, 'visible')],
  ['VideotexString', latin1(0x15, 'videotex')],
  ['GraphicString', latin1(0x19, 'graphic')],
  ['GeneralString', latin1(0x1b, 'general')],
  ['BMPString Cyrillic', bmp('Иванов Иван')],
  ['BMPString astral pair', bmp('a😀b')],
  ['UniversalString', raw(0x1c, [0, 0, 0, 0x41, 0, 0, 0x04, 0x16, 0, 1, 0xf6, 0x00])],
  ['OCTET STRING value', raw(0x04, [1, 2, 3])],
  ['INTEGER value', raw(0x02, [5])],
  ['SEQUENCE value', seq(utf8('x'))],
  ['BOOLEAN value', raw(0x01, [0xff])],
];

describe('the DER reader describes certificates exactly as the pkijs reading did', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki({ noTokens: true });
  });
  afterAll(() => pki?.cleanup());

  it('the fixture certificates (RSA with the full Russian subject, P-256, P-384, expired, not yet valid, CA)', () => {
    const files = [pki.caCertDer, ...Object.values(pki.certs).map((c) => c.certDer)];
    expect(files.length).toBeGreaterThan(3);
    for (const file of files) {
      const der = readFileSync(file);
      expectSame(der, file);
      expect(describeCertificate(der, NOW).subjectDN.length).toBeGreaterThan(0);
    }
  });

  it('every string type as a known, a Russian and an unknown attribute', () => {
    for (const [label, value] of STRING_VALUES) {
      for (const type of ['2.5.4.3', '1.2.643.100.3', '2.5.4.10', '1.2.3.4.5']) {
        const der = certificate({ subject: [[atv(type, value)], [atv('2.5.4.6', latin1(0x13, 'RU'))]], issuer: [[atv(type, value)]] });
        expectSame(der, `${label} as ${type}`);
      }
    }
    // A case where the two would differ if the decoding did: not vacuous.
    const d = describeCertificate(certificate({ subject: [[atv('2.5.4.3', raw(0x0c, [0x41, 0xc3, 0x28]))]] }), NOW);
    expect(d.subject.commonName).toBe('A\u00c3(');
  });

  it('odd-length BMPString and UniversalString are refused or read alike', () => {
    expectSame(certificate({ subject: [[atv('2.5.4.3', raw(0x1e, [0x04, 0x10, 0x04]))]] }), 'odd BMP');
    expectSame(certificate({ subject: [[atv('2.5.4.3', raw(0x1c, [0, 0, 0x41]))]] }), 'short Universal');
  });

  it('RFC 4514 escaping, multi-valued RDNs, empty names, repeated attributes', () => {
    const specials = utf8('#lead, "q" +;<>\\ trail ');
    expectSame(certificate({ subject: [[atv('2.5.4.3', specials), atv('0.9.2342.19200300.100.1.1', utf8('u'))], [atv('2.5.4.3', utf8(' second'))]] }), 'specials');
    expectSame(certificate({ subject: [], issuer: [] }), 'empty names');
    expectSame(certificate({ subject: [[atv('2.5.4.3', utf8('a\u0000b'))], [atv('1.2.643.3.131.1.1', latin1(0x12, ' 0012 '))]] }), 'NUL and trim');
  });

  it('UTCTime and GeneralizedTime, with and without seconds and fractions, both centuries', () => {
    const times: Array<[string, Uint8Array, Uint8Array]> = [
      ['utc/utc', latin1(0x17, '491231235959Z'), latin1(0x17, '500101000000Z')],
      ['generalized fraction', latin1(0x18, '20250101000000.123Z'), latin1(0x18, '99991231235959Z')],
      ['generalized 1950s', latin1(0x18, '19500101000000Z'), latin1(0x18, '20491231235959Z')],
    ];
    for (const [label, notBefore, notAfter] of times) expectSame(certificate({ notBefore, notAfter }), label);
    // The one deliberate difference: asn1js read a UTCTime without seconds as 1899-11-30; it is read as written.
    const noSeconds = certificate({ notBefore: latin1(0x17, '2501010000Z'), notAfter: latin1(0x17, '3001010000Z') });
    expect(describeWithPkijs(noSeconds, NOW).notBefore).toBe('1899-11-30T00:00:00.000Z');
    const d = describeCertificate(noSeconds, NOW);
    expect([d.notBefore, d.notAfter]).toEqual(['2025-01-01T00:00:00.000Z', '2030-01-01T00:00:00.000Z']);
  });

  it('serials, versions and key algorithms', () => {
    for (const serial of [raw(0x02, [0]), raw(0x02, [0x00, 0x80]), raw(0x02, [0xff, 0x01]), raw(0x02, new Array(20).fill(0x5a))]) {
      expectSame(certificate({ serial }), `serial ${Buffer.from(serial).toString('hex')}`);
    }
    expectSame(certificate({ version: null, extensions: null }), 'v1');
    expectSame(certificate({ version: 1, extensions: null }), 'v2');
    const spkis: Array<[string, Uint8Array]> = [
      ['RSA-2048', rsaSpki(Uint8Array.of(0, 0xc0, ...new Uint8Array(255).fill(1)))],
      ['RSA-2047', rsaSpki(Uint8Array.of(0x7f, ...new Uint8Array(255).fill(1)))],
      ['RSA-PSS', rsaSpki(Uint8Array.of(0, 0x80, ...new Uint8Array(127)), '1.2.840.113549.1.1.10')],
      ['RSA broken key', seq(seq(oid('1.2.840.113549.1.1.1'), raw(0x05, [])), raw(0x03, [0, 1, 2, 3]))],
      ['P-384', ecSpki('1.3.132.0.34')],
      ['P-521', ecSpki('1.3.132.0.35')],
      ['other curve', ecSpki('1.3.36.3.3.2.8.1.1.7')],
      ['EC no params', seq(seq(oid('1.2.840.10045.2.1')), raw(0x03, [0, 4, 1, 2]))],
      ['GOST 256', seq(seq(oid('1.2.643.7.1.1.1.1'), seq(oid('1.2.643.7.1.2.1.1.1'))), tlv(0x03, Uint8Array.of(0), tlv(0x04, new Uint8Array(64))))],
      ['GOST 512', seq(seq(oid('1.2.643.7.1.1.1.2'), seq(oid('1.2.643.7.1.2.1.2.1'))), tlv(0x03, Uint8Array.of(0), tlv(0x04, new Uint8Array(128))))],
      ['Ed25519', seq(seq(oid('1.3.101.112')), tlv(0x03, Uint8Array.of(0), new Uint8Array(32)))],
    ];
    for (const [label, spki] of spkis) expectSame(certificate({ spki }), label);
    expect(describeCertificate(certificate({ spki: spkis[1]![1] }), NOW).keyAlgorithm).toBe('RSA-2047');
  });

  it('key usage bits, unused bits, absent and odd extensions', () => {
    for (const bits of [[0x07, 0x80], [0x00, 0xff, 0x80], [0x07, 0xff, 0xff], [0x01, 0x06], [0x00], [0x03, 0xa8]]) {
      expectSame(certificate({ extensions: [keyUsage(bits)] }), `keyUsage ${bits.join(',')}`);
    }
    expectSame(certificate({ extensions: [] }), 'empty extensions');
    expectSame(certificate({ extensions: [seq(oid('2.5.29.15'), tlv(0x04, raw(0x04, [1])))] }), 'keyUsage not a BIT STRING');
    expectSame(certificate({ extensions: [seq(oid('2.5.29.19'), tlv(0x04, seq(raw(0x01, [0xff])))), keyUsage([0x01, 0x06])] }), 'two extensions');
  });

  it('random certificates from a seeded generator (seed printed on failure)', () => {
    const seed = Number(process.env.CERT_FUZZ_SEED ?? Date.now() % 1_000_000);
    const rng = new Rng(seed);
    const types = ['2.5.4.3', '2.5.4.4', '2.5.4.42', '2.5.4.10', '2.5.4.6', '1.2.643.100.1', '1.2.643.100.3', '1.2.643.3.131.1.1', '1.2.840.113549.1.9.1', '1.3.6.1.4.1.99'];
    const alphabet = 'abcXYZ09 ,+"\\;<>#=ЁёЖжé😀\u0000';
    for (let n = 0; n < 300; n++) {
      const rdns: Uint8Array[][] = [];
      for (let r = rng.int(5); r > 0; r--) {
        const rdn: Uint8Array[] = [];
        for (let a = 1 + rng.int(2); a > 0; a--) {
          const text = rng.string(rng.int(12), alphabet);
          const kind = rng.int(4);
          const value = kind === 0 ? utf8(text) : kind === 1 ? bmp(text) : kind === 2 ? latin1(rng.pick([0x13, 0x14, 0x16, 0x12]), [...text].map((c) => (c.charCodeAt(0) > 0xff ? '?' : c)).join('')) : tlv(0x0c, rng.bytes(rng.int(8)));
          rdn.push(atv(rng.pick(types), value));
        }
        rdns.push(rdn);
      }
      const ku = [rng.int(8), ...rng.bytes(1 + rng.int(2))];
      expectSame(certificate({ subject: rdns, serial: tlv(0x02, rng.bytes(1 + rng.int(20))), extensions: [keyUsage(ku)] }), `seed ${seed} #${n}`);
    }
  });
});

describe('shared/der.ts browser safety', () => {
  it('imports nothing from node: and uses no Buffer (shared/certificate.ts runs in the browser too)', () => {
    const text = readFileSync(new URL('../../shared/der.ts', import.meta.url), 'utf8');
    expect(text).not.toMatch(/from ['"]node:|require\(/);
    expect(text).not.toMatch(/\bBuffer\.[a-zA-Z]|new Buffer\b/);
    expect(text).toMatch(/export function readString/);
  });
});
