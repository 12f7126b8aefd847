// CPSigner, CPAttribute, CadesSignedData and HashedData (MAIN world). The signature itself is made
// in the background, after the person confirms in Tokensign's window and types the PIN there.
import { toHex } from '../../shared/encoding';
import { sha256 } from '../../shared/sha256';
import { streebog256, streebog512 } from '../../shared/gost/streebog';
import type { CadesContent } from './bridge';
import type { CertificateImpl } from './certificates';
import { BES_TYPES, CADES_CONSTANTS as C, HASH_ALGORITHMS, HASH_LENGTHS, TIMESTAMPED_TYPES, type HashAlgorithmName } from './constants';
import { argBoolean, argNumber, argObject, argString, type CadesRuntime, type ObjectImpl } from './runtime';

interface SignerImpl extends ObjectImpl {
  kind: 'CPSigner';
  certificate(): CertificateImpl | null;
}

interface HashedDataImpl extends ObjectImpl {
  kind: 'HashedData';
  digest(): { algorithm: HashAlgorithmName; value: Uint8Array };
}


function utf16le(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out[2 * i] = unit & 0xff;
    out[2 * i + 1] = unit >> 8;
  }
  return out;
}

/** The plug-in accepts base64 with line breaks and spaces; anything else is E_INVALIDARG. */
function base64Bytes(rt: CadesRuntime, text: string): Uint8Array {
  const compact = text.replace(/[\s]/g, '');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) rt.fail('INVALID_ARGUMENT', 'base64');
  return Uint8Array.from(atob(compact), (c) => c.charCodeAt(0));
}

function canonicalBase64(rt: CadesRuntime, text: string): string {
  const bytes = base64Bytes(rt, text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function attributesCollection(rt: CadesRuntime): object {
  const items: object[] = [];
  return rt.wrap({
    kind: 'CPAttributes',
    get: { Count: () => items.length },
    call: {
      Add: (attribute: unknown) => {
        argObject(rt, attribute, 'CPAttribute', 'Attribute');
        if (items.length >= 64) rt.fail('INVALID_ARGUMENT', 'Attribute');
        items.push(attribute as object);
      },
      Item: (index: unknown) => items[argNumber(rt, index, 'Index') - 1] ?? rt.fail('INVALID_ARGUMENT', 'Index'),
      Remove: (index: unknown) => void items.splice(argNumber(rt, index, 'Index') - 1, 1),
      Clear: () => void items.splice(0),
    },
  });
}

/** CADESCOM.CPAttribute: kept so pages can fill it; Tokensign's CMS carries its own signed attributes. */
export function attributeObject(rt: CadesRuntime): object {
  let name = 0;
  let value: unknown = undefined;
  let oid = '';
  let encoding = 0;
  return rt.wrap({
    kind: 'CPAttribute',
    get: { Name: () => name, Value: () => value, OID: () => oid, ValueEncoding: () => encoding },
    set: {
      Name: (v) => void (name = argNumber(rt, v, 'Name')),
      Value: (v) => void (value = v),
      OID: (v) => void (oid = argString(rt, v, 'OID')),
      ValueEncoding: (v) => void (encoding = argNumber(rt, v, 'ValueEncoding')),
    },
  });
}

/** CAdESCOM.CPSigner. KeyPin is accepted and dropped: the PIN is typed only in Tokensign's window. */
export function signerObject(rt: CadesRuntime): object {
  let certificate: { proxy: object; impl: CertificateImpl } | null = null;
  let options = C.CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT as number;
  let tsa = '';
  let check = false;
  const authenticated = attributesCollection(rt);
  const unauthenticated = attributesCollection(rt);
  const impl: SignerImpl = {
    kind: 'CPSigner',
    certificate: () => certificate?.impl ?? null,
    get: {
      Certificate: () => certificate?.proxy,
      Options: () => options,
      TSAAddress: () => tsa,
      CheckCertificate: () => check,
      KeyPin: () => '',
      AuthenticatedAttributes2: () => authenticated,
      UnauthenticatedAttributes: () => unauthenticated,
    },
    set: {
      Certificate: (v) => void (certificate = { proxy: v as object, impl: argObject<CertificateImpl>(rt, v, 'Certificate', 'Certificate') }),
      Options: (v) => void (options = argNumber(rt, v, 'Options')),
      TSAAddress: (v) => void (tsa = argString(rt, v, 'TSAAddress')),
      CheckCertificate: (v) => void (check = argBoolean(rt, v, 'CheckCertificate', false)),
      KeyPin: (v) => void argString(rt, v, 'KeyPin'),
      Description: () => undefined,
    },
  };
  return rt.wrap(impl);
}

function checkType(rt: CadesRuntime, type: unknown): void {
  const t = argNumber(rt, type, 'CadesType', C.CADESCOM_CADES_DEFAULT as number);
  if (TIMESTAMPED_TYPES.has(t)) rt.fail('TIMESTAMP_TYPE');
  if (!BES_TYPES.has(t)) rt.fail('INVALID_ARGUMENT', 'CadesType');
}

async function signThrough(rt: CadesRuntime, signerArg: unknown, content: CadesContent, detached: boolean): Promise<string> {
  const signer = argObject<SignerImpl>(rt, signerArg, 'CPSigner', 'Signer');
  const certificate = signer.certificate() ?? rt.fail('NO_CERTIFICATE');
  const reply = await rt.bridge({ op: 'sign', params: { thumbprint: certificate.data.thumbprint, content, detached } });
  return (reply as { cms: string }).cms;
}

/** CAdESCOM.CadesSignedData: CAdES-BES, attached or detached, over content or a hash. */
export function signedDataObject(rt: CadesRuntime): object {
  let encoding = C.CADESCOM_STRING_TO_UCS2LE as number;
  let content: string | undefined;
  let display = 0;
  const pageContent = (): CadesContent => {
    if (content === undefined) return rt.fail('NO_CONTENT');
    return encoding === C.CADESCOM_BASE64_TO_BINARY ? { kind: 'bytes', base64: canonicalBase64(rt, content) } : { kind: 'text', text: content };
  };
  const notHere = () => rt.fail('NOT_IMPLEMENTED');
  return rt.wrap({
    kind: 'CadesSignedData',
    get: { ContentEncoding: () => encoding, Content: () => content ?? '', DisplayData: () => display },
    set: {
      ContentEncoding: (v) => {
        const value = argNumber(rt, v, 'ContentEncoding');
        if (value !== 0 && value !== 1) rt.fail('INVALID_ARGUMENT', 'ContentEncoding');
        encoding = value;
      },
      Content: (v) => void (content = argString(rt, v, 'Content')),
      DisplayData: (v) => void (display = argNumber(rt, v, 'DisplayData')),
    },
    call: {
      SignCades: (signer: unknown, type: unknown, detached: unknown) => {
        checkType(rt, type);
        const isDetached = argBoolean(rt, detached, 'bDetached', false);
        return signThrough(rt, signer, pageContent(), isDetached);
      },
      SignHash: (hashed: unknown, signer: unknown, type: unknown) => {
        checkType(rt, type);
        const { algorithm, value } = argObject<HashedDataImpl>(rt, hashed, 'HashedData', 'HashedData').digest();
        return signThrough(rt, signer, { kind: 'hash', algorithm, hex: toHex(value).toUpperCase() }, true);
      },
      EnhanceCades: () => rt.fail('TIMESTAMP_TYPE'),
      VerifyCades: notHere,
      VerifyHash: notHere,
      CoSignCades: notHere,
      CoSignHash: notHere,
    },
  });
}

function digestOf(algorithm: HashAlgorithmName, data: Uint8Array): Uint8Array {
  if (algorithm === 'STREEBOG-256') return streebog256(data);
  if (algorithm === 'STREEBOG-512') return streebog512(data);
  return sha256(data);
}

/** CAdESCOM.HashedData: Streebog-256/512 and SHA-256; Hash() may be called several times (chunks). */
export function hashedDataObject(rt: CadesRuntime): object {
  let algorithmNumber = C.CADESCOM_HASH_ALGORITHM_CP_GOST_3411 as number;
  let encoding = C.CADESCOM_STRING_TO_UCS2LE as number;
  let chunks: Uint8Array[] = [];
  let fixed: Uint8Array | null = null;
  const algorithm = (): HashAlgorithmName => HASH_ALGORITHMS[algorithmNumber as keyof typeof HASH_ALGORITHMS] ?? rt.fail('BAD_ALGORITHM');
  const value = (): Uint8Array => {
    if (fixed) return fixed;
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const c of chunks) all.set(c, (offset += c.length) - c.length);
    return digestOf(algorithm(), all);
  };
  const impl: HashedDataImpl = {
    kind: 'HashedData',
    digest: () => ({ algorithm: algorithm(), value: value() }),
    get: { Algorithm: () => algorithmNumber, DataEncoding: () => encoding, Value: () => toHex(value()).toUpperCase() },
    set: {
      Algorithm: (v) => {
        algorithmNumber = argNumber(rt, v, 'Algorithm');
        algorithm();
      },
      DataEncoding: (v) => {
        encoding = argNumber(rt, v, 'DataEncoding');
        if (encoding !== 0 && encoding !== 1) rt.fail('INVALID_ARGUMENT', 'DataEncoding');
      },
    },
    call: {
      Hash: (data: unknown) => {
        const text = argString(rt, data, 'newVal');
        algorithm();
        chunks.push(encoding === C.CADESCOM_BASE64_TO_BINARY ? base64Bytes(rt, text) : utf16le(text));
        fixed = null;
      },
      SetHashValue: (hex: unknown) => {
        const text = argString(rt, hex, 'newVal').replace(/\s/g, '');
        if (!/^(?:[0-9A-Fa-f]{2})+$/.test(text) || text.length !== HASH_LENGTHS[algorithm()] * 2) rt.fail('BAD_HASH');
        fixed = Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
        chunks = [];
      },
    },
  };
  return rt.wrap(impl);
}
