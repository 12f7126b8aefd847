// The translation layer: one IFCPlugin request in, one IFCPlugin reply out.
// It knows nothing of the browser; the background gives it a backend (host commands + the
// confirmation window), so it is tested in Node against plain objects.
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { looksLikeSignedAttributes } from '../../shared/cms-guard';
import { fromBase64, fromBase64IgnoringSpace, fromHex, latin1Decode, toBase64 } from '../../shared/encoding';
import { CAPI_PROVIDER_MARKS, IFC_EMULATED_VERSION, IfcError, IfcInData, IfcSignType } from './constants';
import type { IfcParams, IfcReply, IfcRequest } from './envelope';
import { ifcErrorCode } from './errors';
import { certificateFields, certificateInfo } from './x509';

/** A certificate as the host lists it, with the key's CKA_ID in hex when the host reports it. */
export type IfcHostCertificate = CertificateInfo & { keyId?: string };

export type DigestName = 'SHA-256' | 'SHA-384' | 'SHA-512' | 'STREEBOG-256' | 'STREEBOG-512';

/** One signing order for the backend: it confirms with the person, then asks the host. */
export interface IfcSignOrder {
  certificate: IfcHostCertificate;
  /** The PIN the page collected (may be empty); used once, never stored. */
  pin: string;
  /** The bytes to sign, or the hash when `hashed`. */
  data: Uint8Array;
  format: 'cms' | 'raw';
  detached: boolean;
  hashed: boolean;
  reverse: boolean;
}

export interface IfcBackend {
  /** Reaches the host (the genuine plugin sends create and version to its host); rejects when it cannot. */
  hello(): Promise<unknown>;
  listTokens(): Promise<TokenInfo[]>;
  listCertificates(): Promise<IfcHostCertificate[]>;
  /** Resolves with the CMS DER or the raw signature; rejects with a TokensignError-like `{code}`. */
  sign(order: IfcSignOrder): Promise<Uint8Array>;
  digest(algorithm: DigestName, data: Uint8Array): Promise<Uint8Array>;
}

/** A token as a crypto entry of get_list_info, with its cryptoId. */
export interface IfcCrypto {
  token: TokenInfo;
  alias: string;
  num: string;
  cryptoId: string;
}

/** Known vendor modules get the alias the genuine plugin's ifc.cfg uses; others their file name. */
const MODULE_ALIASES: [RegExp, string][] = [
  [/rtpkcs11ecp/i, 'ruTokenECP'],
  [/jcpkcs11/i, 'JaCarta'],
  [/isbc_pkcs11/i, 'ESMART'],
  [/etpkcs11|eTPKCS11/i, 'eToken'],
];

/** A safe alias: ASCII letters, digits, '_' and '-', no '/', none of the CAPI provider marks. */
export function moduleAlias(modulePath: string): string {
  const known = MODULE_ALIASES.find(([re]) => re.test(modulePath));
  if (known) return known[1];
  const file = modulePath.split(/[\\/]/).pop() ?? '';
  let alias = file.replace(/\.(so(\.\d+)*|dylib|dll)$/i, '').replace(/^lib/, '').replace(/[^A-Za-z0-9_-]/g, '');
  for (const mark of CAPI_PROVIDER_MARKS) alias = alias.replace(new RegExp(mark, 'gi'), '');
  return alias || 'pkcs11';
}

/** Crypto entries for the present tokens; the same token keeps the same cryptoId across calls. */
export function cryptosFor(tokens: TokenInfo[]): IfcCrypto[] {
  const byModule = new Map<string, string>();
  const used = new Set<string>();
  const sorted = [...tokens].sort((a, b) => (a.module === b.module ? a.slot - b.slot : a.module < b.module ? -1 : 1));
  for (const t of sorted) {
    if (byModule.has(t.module)) continue;
    const base = moduleAlias(t.module);
    let alias = base;
    for (let n = 2; used.has(alias); n++) alias = `${base}${n}`;
    used.add(alias);
    byModule.set(t.module, alias);
  }
  return sorted.map((token) => {
    const alias = byModule.get(token.module) ?? 'pkcs11';
    const num = String(token.slot);
    return { token, alias, num, cryptoId: `${alias}/${num}` };
  });
}

/** The container id part for a certificate: the key's CKA_ID in lowercase hex. */
function containerPart(cert: IfcHostCertificate): string {
  return (cert.keyId ?? cert.id).toLowerCase().replace(/[^0-9a-z_-]/g, '');
}

/** One cert_list entry per certificate that has a key (expired ones too: the page filters by date). */
function certEntries(certs: IfcHostCertificate[], tokenId: string): { id: string; cert: IfcHostCertificate }[] {
  const seen = new Set<string>();
  const out: { id: string; cert: IfcHostCertificate }[] = [];
  for (const cert of certs) {
    if (cert.tokenId !== tokenId || !cert.hasPrivateKey) continue;
    const id = containerPart(cert);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({ id, cert });
  }
  return out;
}

function fail(code: number, message: string): IfcReply {
  return { error_code: code, error_message: message };
}

function latin1Bytes(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255) return null;
    out[i] = c;
  }
  return out;
}

function decodeBase64Loose(text: string): Uint8Array | null {
  try {
    return fromBase64IgnoringSpace(text);
  } catch {
    return null;
  }
}

/** A hash given as text: hex when it looks like hex, otherwise the string's own bytes. */
function hashBytes(text: string): Uint8Array | null {
  if (text.length >= 40 && text.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(text)) return fromHex(text);
  return latin1Bytes(text);
}

function digestFor(keyAlgorithm: string): DigestName {
  if (keyAlgorithm === 'GOST-2012-256') return 'STREEBOG-256';
  if (keyAlgorithm === 'GOST-2012-512') return 'STREEBOG-512';
  if (keyAlgorithm === 'ECDSA-P384') return 'SHA-384';
  if (keyAlgorithm === 'ECDSA-P521') return 'SHA-512';
  return 'SHA-256';
}

function outputText(bytes: Uint8Array, outDataType: unknown): string {
  if (outDataType === 0) return latin1Decode(bytes);
  return toBase64(bytes);
}

const utf8 = new TextEncoder();

/**
 * One adapter per page (tab and frame): it owns that page's x509 handle table.
 * `handle` never throws; every request gets exactly one reply.
 */
export class IfcAdapter {
  private readonly handles = new Map<number, Uint8Array>();
  private nextHandle = 1;

  constructor(private readonly backend: IfcBackend) {}

  async handle(request: IfcRequest): Promise<IfcReply> {
    try {
      return await this.dispatch(request.func_name, request.params);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return fail(ifcErrorCode(error), message);
    }
  }

  /** Forget every handle (the page went away). */
  reset(): void {
    this.handles.clear();
  }

  private async dispatch(func: string, params: IfcParams): Promise<IfcReply> {
    switch (func) {
      // The genuine extension forwards both to its host: without one they fail (issue 14 item 11).
      case 'create':
        await this.backend.hello();
        return { error_code: IfcError.OK };
      case 'version':
        await this.backend.hello();
        return { error_code: IfcError.OK, version: IFC_EMULATED_VERSION };
      case 'get_list_info':
        return this.listInfo(params);
      case 'get_list_certs_by_cryptoid_array':
        return this.listCertsByArray(params);
      case 'get_list_certs':
        return this.listCerts(params);
      case 'load_x509_from_container':
        return this.loadFromContainer(params);
      case 'load_x509_from_data':
        return this.loadFromData(params);
      case 'get_x509_info':
        return this.x509Info(params);
      case 'free_x509':
        return this.freeX509(params);
      case 'sign':
        return this.sign(params);
      case 'hash':
        return this.hash(params);
      default:
        return fail(IfcError.NOT_SUPPORTED, `function ${JSON.stringify(func)} is not supported by Tokensign`);
    }
  }

  private async cryptos(): Promise<IfcCrypto[]> {
    try {
      return cryptosFor(await this.backend.listTokens());
    } catch (error) {
      // No usable PKCS#11 module means no token: the portal's widget crashes on an error here.
      if ((error as { code?: unknown } | null)?.code === 'MODULE_LOAD_FAILED') return [];
      throw error;
    }
  }

  private async listInfo(params: IfcParams): Promise<IfcReply> {
    const type = params.cryptoType;
    if (type !== undefined && type !== null && type !== '' && type !== 'pkcs11') {
      return { error_code: IfcError.OK, ifc_list: [] };
    }
    const ifc_list = (await this.cryptos()).map(({ token, alias, num, cryptoId }) => ({
      type: 'pkcs11',
      alias,
      name: token.label,
      num,
      path: token.module,
      description: [token.manufacturer, token.label].filter(Boolean).join(' '),
      serial_number: token.serial,
      model: token.model,
      alg: '',
      crypto_id: cryptoId,
    }));
    return { error_code: IfcError.OK, ifc_list };
  }

  private async certListFor(cryptoIds: string[]): Promise<Map<string, Record<string, string>[]>> {
    const cryptos = await this.cryptos();
    const wanted = cryptos.filter((c) => cryptoIds.includes(c.cryptoId));
    const out = new Map<string, Record<string, string>[]>();
    if (wanted.length === 0) return out;
    const certs = await this.backend.listCertificates();
    for (const crypto of wanted) {
      const list: Record<string, string>[] = [];
      for (const { id, cert } of certEntries(certs, crypto.token.id)) {
        try {
          list.push({ id, ...certificateFields(fromBase64(cert.der)) });
        } catch {
          // a certificate the parser cannot read is left out rather than failing the whole list
        }
      }
      out.set(crypto.cryptoId, list);
    }
    return out;
  }

  private async listCertsByArray(params: IfcParams): Promise<IfcReply> {
    const ids = params.cryptoID_array;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      return fail(IfcError.BAD_PARAMS, 'cryptoID_array must be an array of strings');
    }
    const lists = await this.certListFor(ids as string[]);
    const result_array = (ids as string[])
      .filter((id) => lists.has(id))
      .map((id) => ({ crypto_id: id, cert_list: lists.get(id) ?? [] }));
    return { error_code: IfcError.OK, result_array };
  }

  private async listCerts(params: IfcParams): Promise<IfcReply> {
    if (typeof params.cryptoID !== 'string') return fail(IfcError.BAD_PARAMS, 'cryptoID must be a string');
    const lists = await this.certListFor([params.cryptoID]);
    // An unknown or absent token is an empty list: the portal's widget crashes on an error here.
    return { error_code: IfcError.OK, cert_list: lists.get(params.cryptoID) ?? [] };
  }

  /** containerId `alias/num/id` → the certificate, or an IFC error reply. */
  private async resolveContainer(containerId: unknown): Promise<IfcHostCertificate | IfcReply> {
    const found = await this.resolveContainerToken(containerId);
    return 'error_code' in found ? found : found.cert;
  }

  private async resolveContainerToken(containerId: unknown): Promise<{ cert: IfcHostCertificate; token: TokenInfo } | IfcReply> {
    if (typeof containerId !== 'string' || !containerId.includes('/')) {
      return fail(IfcError.BAD_PARAMS, 'containerId must be "alias/num/id"');
    }
    const cut = containerId.lastIndexOf('/');
    const cryptoId = containerId.slice(0, cut);
    const id = containerId.slice(cut + 1).toLowerCase();
    const crypto = (await this.cryptos()).find((c) => c.cryptoId === cryptoId);
    if (!crypto) return fail(IfcError.P11_NO_TOKENS_FOUND, `no token ${cryptoId} is present`);
    const entry = certEntries(await this.backend.listCertificates(), crypto.token.id).find((e) => e.id === id);
    if (!entry) return fail(IfcError.CONTAINER_NOT_FOUND, `no key container ${containerId}`);
    return { cert: entry.cert, token: crypto.token };
  }

  private newHandle(der: Uint8Array): IfcReply {
    const handle = this.nextHandle++;
    this.handles.set(handle, der);
    return { error_code: IfcError.OK, x509Handle: handle };
  }

  private async loadFromContainer(params: IfcParams): Promise<IfcReply> {
    const cert = await this.resolveContainer(params.containerId);
    if ('error_code' in cert) return cert;
    return this.newHandle(fromBase64(cert.der));
  }

  private loadFromData(params: IfcParams): IfcReply {
    const text = params.cert;
    if (typeof text !== 'string' || text.length === 0) return fail(IfcError.BAD_PARAMS, 'cert must be a non-empty string');
    const type = params.cert_data_type ?? 0;
    let der: Uint8Array | null = null;
    const pem = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(text);
    if ((type === 0 || type === 3) && pem) der = decodeBase64Loose(pem[1] ?? '');
    else if (type === 0 || type === 2) der = decodeBase64Loose(text);
    if (!der && (type === 0 || type === 1)) der = latin1Bytes(text);
    if (!der) return fail(type === 2 ? IfcError.ERROR_BASE64 : IfcError.UNSUPPORTED_FORMAT, 'cert could not be decoded');
    try {
      certificateFields(der);
    } catch {
      return fail(IfcError.UNSUPPORTED_FORMAT, 'cert is not an X.509 certificate');
    }
    return this.newHandle(der);
  }

  private handleOf(params: IfcParams): Uint8Array | undefined {
    return typeof params.x509Handle === 'number' ? this.handles.get(params.x509Handle) : undefined;
  }

  private x509Info(params: IfcParams): IfcReply {
    const der = this.handleOf(params);
    if (!der) return fail(IfcError.BAD_PARAMS, 'unknown x509Handle');
    return { error_code: IfcError.OK, cert_info: certificateInfo(der) };
  }

  private freeX509(params: IfcParams): IfcReply {
    if (!this.handleOf(params)) return fail(IfcError.BAD_PARAMS, 'unknown x509Handle');
    this.handles.delete(params.x509Handle as number);
    return { error_code: IfcError.OK };
  }

  /** inDataType 1..4 → bytes, and whether they are a hash. */
  private inputOf(params: IfcParams): { data: Uint8Array; hashed: boolean } | IfcReply {
    const data = params.data;
    const type = params.inDataType ?? IfcInData.DATA;
    if (type === IfcInData.FILE) return fail(IfcError.NOT_SUPPORTED, 'signing a file by name is not supported');
    if (typeof data !== 'string') return fail(IfcError.BAD_PARAMS, 'data must be a string');
    switch (type) {
      case IfcInData.DATA:
        return { data: utf8.encode(data), hashed: false };
      case IfcInData.BASE64_DATA: {
        const bytes = decodeBase64Loose(data);
        if (!bytes) return fail(IfcError.ERROR_BASE64, 'data is not base64');
        return { data: bytes, hashed: false };
      }
      case IfcInData.HASH:
      case IfcInData.BASE64_HASH: {
        const bytes = type === IfcInData.HASH ? hashBytes(data) : decodeBase64Loose(data);
        if (!bytes || bytes.length === 0) return fail(type === IfcInData.HASH ? IfcError.BAD_PARAMS : IfcError.ERROR_BASE64, 'bad hash');
        return { data: bytes, hashed: true };
      }
      default:
        return fail(IfcError.BAD_IN_TYPE, `inDataType ${JSON.stringify(type)} is not 1..5`);
    }
  }

  private async sign(params: IfcParams): Promise<IfcReply> {
    const signType = params.signType ?? IfcSignType.CMS_ATTACHED;
    if (typeof signType !== 'number' || !Number.isInteger(signType) || signType < 1 || signType > 6) {
      return fail(IfcError.BAD_SIGN_TYPE, `signType ${JSON.stringify(signType)} is not 1..6`);
    }
    const pin = params.userPin ?? '';
    if (typeof pin !== 'string') return fail(IfcError.BAD_PARAMS, 'userPin must be a string');
    const input = this.inputOf(params);
    if ('error_code' in input) return input;
    const raw = signType === IfcSignType.RAW || signType === IfcSignType.RAW_REVERSED;
    const attached = signType === IfcSignType.CMS_ATTACHED || signType === IfcSignType.CADES_BES_ATTACHED;
    if (attached && input.hashed) return fail(IfcError.BAD_SIGN_TYPE, 'an attached signature needs the data, not its hash');
    // Refused before any window: a raw signature over CMS signed attributes completes a CMS the page
    // assembles, e.g. a login for another site (issue 14 item 1). The host refuses it too.
    if (raw && !input.hashed && looksLikeSignedAttributes(input.data)) {
      return fail(IfcError.BAD_PARAMS, 'a raw signature over CMS signed attributes is refused');
    }
    const found = await this.resolveContainerToken(params.containerId);
    if ('error_code' in found) return found;
    const { cert, token } = found;
    // An empty PIN on a token that needs one: the page asks again, no window needed.
    if (pin === '' && token.pin.loginRequired && !token.pin.protectedPath) {
      return fail(IfcError.P11_LOGIN_ERROR, 'the token needs its PIN');
    }
    const signature = await this.backend.sign({
      certificate: cert,
      pin,
      data: input.data,
      format: raw ? 'raw' : 'cms',
      detached: !attached,
      hashed: input.hashed,
      reverse: signType === IfcSignType.RAW_REVERSED,
    });
    return { error_code: IfcError.OK, sign_value: outputText(signature, params.outDataType) };
  }

  private async hash(params: IfcParams): Promise<IfcReply> {
    const type = params.inDataType ?? IfcInData.DATA;
    if (type !== IfcInData.DATA && type !== IfcInData.BASE64_DATA) {
      return fail(IfcError.BAD_IN_TYPE, 'hash takes data (inDataType 1) or base64 data (2)');
    }
    const input = this.inputOf(params);
    if ('error_code' in input) return input;
    const cert = await this.resolveContainer(params.containerId);
    if ('error_code' in cert) return cert;
    const digest = await this.backend.digest(digestFor(cert.keyAlgorithm), input.data);
    return { error_code: IfcError.OK, hashValue: outputText(digest, params.outDataType) };
  }
}
