// The five §2 commands over the PKCS#11 layer. Modules stay loaded and initialized for the
// life of the host; tokens and certificates are rescanned where §2 says so.
import {
  BadRequestError,
  CertificateExpiredError,
  CertificateNotFoundError,
  CertificateNotYetValidError,
  ModuleLoadFailedError,
  TokenNotFoundError,
  TokenRemovedError,
  UnsupportedAlgorithmError,
} from '../shared/errors';
import {
  AUTH_CONTENT_TYPE_OID,
  AUTH_FORMAT,
  PROTOCOL_VERSION,
  authPayload,
  type AuthenticateResult,
  type CertificateInfo,
  type HelloResult,
  type PinState,
  type RawSignResult,
  type SignResult,
  type TokenInfo,
} from '../shared/protocol';
import { looksLikeSignedAttributes } from '../shared/cms-guard';
import { log } from './log';
import type { SigningProfile } from './pkcs11/algorithms';
import type { TokenCertificate } from './pkcs11/certificate';
import { ModuleSet } from './pkcs11/module';
import type { ModuleResolutionInput } from './pkcs11/modules';
import type { TokenEventWait, TokenEvents } from './pkcs11/slot-events';
import type { TokenRef } from './pkcs11/token';
import { HOST_VERSION } from './version';

type TokenParts = typeof import('./token-parts');
let tokenParts: Promise<TokenParts> | undefined;
/** Once loaded, the parts themselves: the warm path then takes them without awaiting. */
let loadedParts: TokenParts | undefined;
/** Token scanning, certificate parsing, CMS and signing, imported on first use (see token-parts.ts). */
function parts(): Promise<TokenParts> {
  tokenParts ??= import('./token-parts').then((loaded) => (loadedParts = loaded));
  return tokenParts;
}

/** Node's base64 of bytes (the host runs in Node; shared/encoding's is for the browser too). */
function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** The validity bounds of a known certificate in epoch ms, read from its ISO strings once. */
const validities = new WeakMap<TokenCertificate, { notBefore: number; notAfter: number }>();
function validityOf(certificate: TokenCertificate): { notBefore: number; notAfter: number } {
  let validity = validities.get(certificate);
  if (!validity) {
    validity = { notBefore: Date.parse(certificate.info.notBefore), notAfter: Date.parse(certificate.info.notAfter) };
    validities.set(certificate, validity);
  }
  return validity;
}

export interface TokenServiceOptions {
  resolution?: ModuleResolutionInput;
  now?: () => Date;
}

export class TokenService {
  private moduleSet: Promise<ModuleSet> | undefined;
  /** Certificates seen by the last scans, by id: sign/authenticate may use them without a rescan. */
  private readonly known = new Map<string, TokenCertificate>();
  private readonly now: () => Date;
  /**
   * Token events, watched from the first wait-token-event on. Not sooner: a watched module's worker
   * thread is a Node start of its own (~20–30 ms of CPU), which beside a browser opening its window
   * delayed a starting host's first lists (bench "window wait"). Nothing is missed by starting late:
   * a caller lists the tokens after its first wait (docs/PROTOCOL.md, wait-token-event).
   */
  private events: TokenEvents | undefined;
  /** Requests read but not started yet. */
  private requestsBehind = 0;

  constructor(private readonly options: TokenServiceOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the modules once (lazily: pkcs11js is only imported here). */
  modules(): Promise<ModuleSet> {
    this.moduleSet ??= ModuleSet.load(this.options.resolution).then((set) => {
      for (const s of set.statuses) log(s.loaded ? 'info' : 'warn', 'pkcs11', 'module', { path: s.path, loaded: s.loaded, error: s.error });
      if (set.resolution.configError) log('warn', 'pkcs11', 'config-error', { error: set.resolution.configError });
      return set;
    });
    return this.moduleSet;
  }

  async hello(): Promise<HelloResult> {
    const set = await this.modules();
    return { protocol: PROTOCOL_VERSION, version: HOST_VERSION, modules: set.statuses.map((s) => ({ ...s })) };
  }

  /** Loaded modules, or MODULE_LOAD_FAILED when modules were named but none could be loaded. */
  private async loadedModules(): Promise<ModuleSet> {
    const set = await this.modules();
    if (set.modules.length === 0 && set.statuses.length > 0) {
      const reasons = set.statuses.map((s) => `${s.path}: ${s.error ?? 'not loaded'}`).join('; ');
      throw new ModuleLoadFailedError(`No PKCS#11 module could be loaded (${reasons})`, {
        modules: set.statuses.map((s) => ({ ...s })),
      });
    }
    return set;
  }

  private async tokenEvents(): Promise<TokenEvents> {
    const set = await this.loadedModules();
    const { TokenEvents, forgetSlotSessions } = await parts();
    this.events ??= new TokenEvents(set.modules, (module, slot) => {
      // The token in that slot changed: its kept session proves nothing any more.
      forgetSlotSessions(module.api, slot);
      log('info', 'pkcs11', 'token-event', { module: module.path, slot: slot ? slot.toString('hex') : null });
    });
    return this.events;
  }

  /** Answers when a token is put in or taken out after `generation`, after `timeoutMs`, or when another request arrives. */
  async waitTokenEvent(generation: number, timeoutMs: number): Promise<TokenEventWait & { watched: number }> {
    const events = await this.tokenEvents();
    // With requests read behind this one, the reply comes at once: replies go in request order.
    return { ...(await events.wait(generation, this.requestsBehind > 0 ? 0 : timeoutMs)), watched: events.watchedCount };
  }

  /** A request was read: a wait-token-event in progress is answered now, so that it is not held behind the wait. */
  requestArrived(): void {
    this.requestsBehind++;
    this.events?.interrupt();
  }

  /** stdin ended: a wait in progress ends now, and none waits from here on (the host is exiting). */
  inputEnded(): void {
    this.requestsBehind = Number.POSITIVE_INFINITY;
    this.events?.interrupt();
  }

  /** A request read earlier starts now. */
  requestStarted(): void {
    this.requestsBehind = Math.max(0, this.requestsBehind - 1);
  }

  private async tokens(): Promise<TokenRef[]> {
    const set = await this.loadedModules();
    const { scanTokens } = await parts();
    const scan = scanTokens(set.modules);
    for (const e of scan.errors) log('warn', 'pkcs11', 'scan-error', e);
    return scan.tokens;
  }

  async listTokens(): Promise<{ tokens: TokenInfo[] }> {
    return { tokens: (await this.tokens()).map((t) => t.info) };
  }

  /** Scans the given tokens and refreshes the known certificates of those tokens. */
  private async scanCertificates(tokens: TokenRef[]): Promise<TokenCertificate[]> {
    const { listTokenCertificates } = await parts();
    const now = this.now();
    const found: TokenCertificate[] = [];
    for (const token of tokens) {
      let certificates: TokenCertificate[];
      try {
        const scan = listTokenCertificates(token, now);
        for (const skipped of scan.skipped) log('warn', 'pkcs11', 'certificate-skipped', { token: token.info.label, reason: skipped });
        certificates = scan.certificates;
      } catch (e) {
        // A token that goes away mid-scan is simply absent from the list.
        log('warn', 'pkcs11', 'token-scan-failed', { token: token.info.label, error: (e as Error).message });
        continue;
      }
      for (const [id, known] of this.known) if (known.token.info.id === token.info.id) this.known.delete(id);
      for (const c of certificates) this.known.set(c.info.id, c);
      found.push(...certificates);
    }
    return found;
  }

  async listCertificates(tokenId?: string): Promise<{ certificates: CertificateInfo[] }> {
    const tokens = await this.tokens();
    const selected = tokenId === undefined ? tokens : tokens.filter((t) => t.info.id === tokenId);
    if (tokenId !== undefined && selected.length === 0) throw new TokenNotFoundError(`No token with id "${tokenId.slice(0, 80)}" is present.`);
    return { certificates: (await this.scanCertificates(selected)).map((c) => c.info) };
  }

  /**
   * The certificate to sign with and its token's PIN flags: those kept with the token's idle kept
   * session (no call: C_Login in that session tells a removed token, see withSigningKey), else read
   * just now by one C_GetTokenInfo that checks serial and label, else found by a rescan.
   */
  private async certificateForSigning(certificateId: string): Promise<{ target: TokenCertificate; pinState: PinState; tokenIdentityVerified: boolean }> {
    const cached = this.known.get(certificateId);
    const { currentPinState, keptSessionPinState } = loadedParts ?? (await parts());
    const keptPin = cached ? keptSessionPinState(cached.token) : null;
    if (cached && keptPin) return { target: cached, pinState: keptPin, tokenIdentityVerified: false };
    const cachedPin = cached ? currentPinState(cached.token) : null;
    if (cached && cachedPin) return { target: cached, pinState: cachedPin, tokenIdentityVerified: true };
    const fresh = await this.rescanFor(certificateId, cached !== undefined);
    if (fresh) return { target: fresh, pinState: fresh.token.info.pin, tokenIdentityVerified: true };
    if (cached) throw new TokenRemovedError(`The token "${cached.token.info.label}" holding this certificate was removed.`);
    throw new CertificateNotFoundError(`No certificate with id "${certificateId.slice(0, 80)}" on any present token.`);
  }

  /**
   * Finds the certificate on the tokens present now. One that was seen before gets a few more looks
   * (lookWhileTokenReturns, pkcs11/token.ts): a card just put back may still be powering up or being read.
   */
  private async rescanFor(certificateId: string, seenBefore: boolean): Promise<TokenCertificate | undefined> {
    const look = async (): Promise<TokenCertificate | undefined> =>
      (await this.scanCertificates(await this.tokens())).find((c) => c.info.id === certificateId);
    if (!seenBefore) return look();
    const { lookWhileTokenReturns } = loadedParts ?? (await parts());
    return lookWhileTokenReturns(look);
  }

  /** The certificate to sign with, refused unless valid now, and its algorithm table entry. */
  private async signingTarget(
    certificateId: string,
  ): Promise<{ target: TokenCertificate; algorithm: SigningProfile; pinState: PinState; tokenIdentityVerified: boolean }> {
    const { target, pinState, tokenIdentityVerified } = await this.certificateForSigning(certificateId);
    const { certificateStatus, algorithmForKey } = loadedParts ?? (await parts());
    const validity = validityOf(target);
    const status = certificateStatus(new Date(validity.notBefore), new Date(validity.notAfter), this.now());
    if (status === 'expired') throw new CertificateExpiredError(`The certificate "${target.info.subject.commonName}" expired on ${target.info.notAfter}.`);
    if (status === 'not-yet-valid') {
      throw new CertificateNotYetValidError(`The certificate "${target.info.subject.commonName}" is valid only from ${target.info.notBefore}.`);
    }
    const algorithm = algorithmForKey(target.info.keyAlgorithm);
    if (!algorithm) throw new UnsupportedAlgorithmError(`Signing with ${target.info.keyAlgorithm} keys is not supported.`);
    return { target, algorithm, pinState, tokenIdentityVerified };
  }

  private async signContent(
    certificateId: string,
    pin: string | undefined,
    content: Uint8Array,
    detached: boolean,
    contentType?: string,
  ): Promise<SignResult> {
    const { target, algorithm, pinState, tokenIdentityVerified } = await this.signingTarget(certificateId);
    const { withSigningKey, buildSignedData } = loadedParts ?? (await parts());
    const { cms } = await withSigningKey(
      target,
      pin,
      algorithm,
      (sign) => buildSignedData({ certificateDer: target.der, content, detached, algorithm, sign, signingTime: this.now(), contentType }),
      { pinState, tokenIdentityVerified },
    );
    return { cms: base64(cms), certificate: target.info.der };
  }

  sign(certificateId: string, pin: string | undefined, data: Uint8Array, detached: boolean): Promise<SignResult> {
    refuseAuthPayload(data);
    return this.signContent(certificateId, pin, data, detached);
  }

  /**
   * `sign` with the IFCPlugin adapter's extensions (docs/PROTOCOL.md §2.4): a raw signature
   * (optionally byte-reversed), and/or `data` that is already the digest.
   */
  async signCompat(
    certificateId: string,
    pin: string | undefined,
    data: Uint8Array,
    options: { format: 'cms' | 'raw'; hashed: boolean; reverse: boolean; detached: boolean },
  ): Promise<SignResult | RawSignResult> {
    if (!options.hashed) refuseAuthPayload(data);
    if (options.format === 'raw' && !options.hashed) refuseSignedAttributes(data);
    const { target, algorithm, pinState, tokenIdentityVerified } = await this.signingTarget(certificateId);
    const { withSigningKey, buildSignedData } = await parts();
    const digestLength = algorithm.digest.hash(new Uint8Array(0)).length;
    if (options.hashed && data.length !== digestLength) {
      throw new BadRequestError(`params.data must be a ${algorithm.digest.name} digest of ${digestLength} bytes for this certificate, got ${data.length}`);
    }
    if (options.format === 'cms') {
      const { cms } = await withSigningKey(
        target,
        pin,
        algorithm,
        (sign) => buildSignedData({ certificateDer: target.der, content: new Uint8Array(0), contentDigest: data, detached: true, algorithm, sign, signingTime: this.now() }),
        { pinState, tokenIdentityVerified },
      );
      return { cms: base64(cms), certificate: target.info.der };
    }
    const raw = await withSigningKey(target, pin, algorithm, (sign) => sign(data), { prehashed: options.hashed, rawSignature: true, pinState, tokenIdentityVerified });
    const signature = options.reverse ? Uint8Array.from(raw).reverse() : raw;
    return { signature: base64(signature), certificate: target.info.der };
  }

  async authenticate(certificateId: string, pin: string | undefined, origin: string, challenge: string): Promise<AuthenticateResult> {
    const result = await this.signContent(certificateId, pin, authPayload(origin, challenge), true, AUTH_CONTENT_TYPE_OID);
    return { format: AUTH_FORMAT, ...result };
  }

  /** C_Finalize every loaded module (at exit). */
  async close(): Promise<void> {
    if (!this.moduleSet) return;
    try {
      // The watcher threads end first (bounded: a thread stuck in the module must not keep the host alive).
      if (this.events) await Promise.race([this.events.stop(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      if (tokenParts) (await tokenParts).closeKeptSessions();
      (await this.moduleSet).finalize();
    } catch {
      // Exit anyway.
    }
  }
}

const AUTH_PREFIX = new TextEncoder().encode(`${AUTH_FORMAT}\n`);

/**
 * `sign` must never yield what `authenticate` yields: a page could otherwise have the user "sign a
 * document" that is in fact a login to another origin (cross-protocol use of one key).
 */
function refuseAuthPayload(data: Uint8Array): void {
  if (data.length >= AUTH_PREFIX.length && AUTH_PREFIX.every((byte, i) => data[i] === byte)) {
    throw new BadRequestError(`params.data must not start with "${AUTH_FORMAT}\\n": that content is reserved for authenticate`);
  }
}

/**
 * A raw signature over a SET of CMS signed attributes is the signature of a CMS the caller assembles
 * around it: with a login's attributes, a login for any site (issue 14). No legacy page needs that.
 */
function refuseSignedAttributes(data: Uint8Array): void {
  if (looksLikeSignedAttributes(data)) {
    throw new BadRequestError('params.data looks like CMS signed attributes (a SET naming messageDigest): a raw signature over them is refused');
  }
}
