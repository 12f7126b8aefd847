// What the picker window lists, read from the host piece by piece so the window shows each part as
// it answers: the host's hello (modules), the tokens, then each token's certificates in parallel.
//
// A window's first list may show a token's certificates as they were last read, when the host lists
// that very token (same module, slot, serial, label, maker and model) as present now: reading a
// token's certificates is the slow part (hundreds of milliseconds on a real smart card), and a
// token's certificates rarely change. They are read again as soon as the window has drawn, and the
// window follows that reading. A token not seen before, or seen differently, is read at once as
// before. The readings are kept in the background's memory and, where the browser has it, in its
// session storage (memory too, never on disk, closed to content scripts, gone with the browser), so
// they outlive a service worker the browser stopped while idle.
import { statusAsOf } from '../../shared/certificate';
import { TokensignError, type CertificateInfo, type TokenInfo } from '../../shared/protocol';
import type { PickerView } from '../common/messages';
import { delay } from '../common/delay';
import { parseCertificateList } from './host-replies';
import type { NativeHost } from './native-host';

/** What the lists hold now; the certificates whole (the window's view leaves out their bytes). */
export type ListSnapshot = Pick<PickerView, 'host' | 'modulesLoaded' | 'tokens' | 'pendingTokens'> & { certificates: CertificateInfo[] };

/** The key of the readings in the browser's session storage (the background's store). */
export const READINGS_STORAGE_KEY = 'lastReadings';

/** The certificates last read from each token, by the token's identity (public data only). */
const lastRead = new Map<string, CertificateInfo[]>();
const LAST_READ_TOKENS = 64;
/** A store that does not answer in this time is not waited for (the tokens are read as if never seen). */
const STORE_WAIT_MS = 250;

/** Where the readings outlive the background's own memory (set by the background; none in tests). */
export interface ReadingsStore {
  load(): Promise<unknown>;
  save(readings: StoredReading[]): Promise<void>;
}
export interface StoredReading {
  token: string;
  certificates: CertificateInfo[];
}
let store: ReadingsStore | null = null;
let loaded: Promise<void> | null = null;
let savePending = false;

export function keepLastReadingsIn(readings: ReadingsStore | null): void {
  store = readings;
  loaded = null;
}

/** The stored readings, once per background start; what this background read itself wins. */
function loadStored(): Promise<void> {
  loaded ??= (async () => {
    if (!store) return;
    const value = await Promise.race([store.load(), delay(STORE_WAIT_MS)]).catch(() => undefined);
    for (const entry of Array.isArray(value) ? (value as unknown[]) : []) {
      const key = typeof entry === 'object' && entry !== null ? (entry as Partial<StoredReading>).token : undefined;
      if (typeof key !== 'string' || lastRead.has(key) || lastRead.size >= LAST_READ_TOKENS) continue;
      try {
        lastRead.set(key, parseCertificateList(entry));
      } catch {
        // not a reading this background wrote: skipped
      }
    }
  })();
  return loaded;
}

/**
 * The readings are written a second after a token was read, all at once: a write right away came just
 * as a window was drawing its first list (some 20 KB for two tokens, a few milliseconds of the
 * browser's main thread while it opens the window: bench "window wait"). A second's delay loses a
 * reading only when the browser ends in that second, or stops this worker, which it does after the
 * worker was idle for far longer (a picker window keeps it busy).
 */
const SAVE_AFTER_MS = 1000;

function saveSoon(): void {
  if (!store || savePending) return;
  savePending = true;
  setTimeout(() => {
    savePending = false;
    const readings = [...lastRead].map(([token, certificates]) => ({ token, certificates }));
    void store?.save(readings).catch(() => undefined);
  }, SAVE_AFTER_MS);
}

/** What makes "the same token" for lastRead: everything the host tells of it but its PIN state. */
function identity(token: TokenInfo): string {
  return JSON.stringify([token.id, token.module, token.slot, token.serial, token.label, token.manufacturer, token.model]);
}

function remember(token: TokenInfo, certificates: CertificateInfo[]): void {
  const key = identity(token);
  lastRead.delete(key);
  lastRead.set(key, certificates);
  for (const oldest of lastRead.keys()) {
    if (lastRead.size <= LAST_READ_TOKENS) break;
    lastRead.delete(oldest);
  }
  saveSoon();
}

function forget(token: TokenInfo): void {
  if (lastRead.delete(identity(token))) saveSoon();
}

/** A token's certificates as last read, with status and days left as of now; undefined if not read before. */
function readBefore(token: TokenInfo, now: Date): CertificateInfo[] | undefined {
  return lastRead.get(identity(token))?.map((c) => ({ ...c, ...statusAsOf(c, now) }));
}

/** Forgets the readings in memory, as a restarted background would (tests); a store is read again. */
export function forgetLastReadings(): void {
  lastRead.clear();
  loaded = null;
}

export class TokenLists {
  private host: ListSnapshot['host'] = 'connecting';
  private modulesLoaded: number | null = null;
  private tokens: TokenInfo[] = [];
  private byToken = new Map<string, CertificateInfo[]>();
  private pending = new Set<string>();
  private running: Promise<void> | null = null;

  constructor(
    private readonly native: NativeHost,
    /** Called after every piece that changes what the window shows. */
    private readonly changed: () => void,
  ) {}

  snapshot(): ListSnapshot {
    const certificates = this.tokens.flatMap((t) => this.byToken.get(t.id) ?? []);
    return { host: this.host, modulesLoaded: this.modulesLoaded, tokens: this.tokens, certificates, pendingTokens: [...this.pending] };
  }

  /**
   * Reads everything again (one run at a time); certificates of tokens still present stay shown meanwhile.
   * With `readAgainAfter` (a window's first list), tokens read before show those certificates at once
   * and are read again when it settles; others are read at once.
   */
  refresh(readAgainAfter?: Promise<unknown>): Promise<void> {
    this.running ??= this.read(readAgainAfter).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Cheap check for tokens plugged in or out; reads certificates only when the tokens changed. */
  async poll(): Promise<void> {
    if (this.running) return;
    if (this.host !== 'ready') return this.refresh();
    const tokens = await this.native.listTokens();
    if (JSON.stringify(tokens) !== JSON.stringify(this.tokens)) await this.refresh();
  }

  private async read(readAgainAfter?: Promise<unknown>): Promise<void> {
    // Stored readings load while the host answers.
    const stored = readAgainAfter ? loadStored() : null;
    // The token list is asked for right behind the hello (one round trip less for a host starting).
    const hello = this.native.connect();
    const listed = this.native.listTokens();
    listed.catch(() => undefined);
    let modulesLoaded: number;
    try {
      modulesLoaded = (await hello).modules.filter((m) => m.loaded).length;
    } catch (error) {
      if (!(error instanceof TokensignError && error.code === 'HOST_UNAVAILABLE')) throw error;
      this.host = 'missing';
      this.changed();
      return;
    }
    let tokens: TokenInfo[];
    try {
      tokens = await listed;
    } catch (error) {
      if (!(error instanceof TokensignError && error.code === 'MODULE_LOAD_FAILED')) throw error;
      modulesLoaded = 0;
      tokens = [];
    }
    // Ready only with the token list: a window asking in between is told the host is still
    // connecting, not that no token is plugged in (the list it had is kept until then).
    this.modulesLoaded = modulesLoaded;
    this.host = 'ready';
    this.tokens = tokens;
    const present = new Set(this.tokens.map((t) => t.id));
    for (const id of this.byToken.keys()) if (!present.has(id)) this.byToken.delete(id);
    await stored;
    const now = new Date();
    const known = new Set<string>();
    for (const token of readAgainAfter ? this.tokens : []) {
      const certificates = readBefore(token, now);
      if (!certificates) continue;
      this.byToken.set(token.id, certificates);
      known.add(token.id);
    }
    this.pending = new Set(this.tokens.filter((t) => !known.has(t.id)).map((t) => t.id));
    this.changed();
    const again = readAgainAfter?.then(() => undefined, () => undefined);
    await Promise.all(
      this.tokens.map(async (token) => {
        if (known.has(token.id)) await again;
        await this.readToken(token);
      }),
    );
  }

  private async readToken(token: TokenInfo): Promise<void> {
    try {
      const certificates = await this.native.listCertificates(token.id);
      this.byToken.set(token.id, certificates);
      remember(token, certificates);
    } catch (error) {
      // Unreadable: it shows no certificates. Pulled out meanwhile (TOKEN_NOT_FOUND, TOKEN_REMOVED): it
      // is not listed either, so that the watch sees it come back as a change and reads it again.
      this.byToken.delete(token.id);
      forget(token);
      if (error instanceof TokensignError && (error.code === 'TOKEN_NOT_FOUND' || error.code === 'TOKEN_REMOVED')) {
        this.tokens = this.tokens.filter((t) => t.id !== token.id);
      }
    } finally {
      this.pending.delete(token.id);
      this.changed();
    }
  }
}
