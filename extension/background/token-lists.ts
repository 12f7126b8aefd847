// What the picker window lists, read from the host piece by piece so the window shows each part as
// it answers: the host's hello (modules), the tokens, then each token's certificates in parallel.
import { TokensignError, type CertificateInfo, type TokenInfo } from '../../shared/protocol';
import type { PickerView } from '../common/messages';
import type { NativeHost } from './native-host';

export type ListSnapshot = Pick<PickerView, 'host' | 'modulesLoaded' | 'tokens' | 'certificates' | 'pendingTokens'>;

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

  /** Reads everything again (one run at a time); certificates of tokens still present stay shown meanwhile. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => {
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

  private async read(): Promise<void> {
    // The token list is asked for right behind the hello (one round trip less for a host starting).
    const hello = this.native.connect();
    const listed = this.native.listTokens();
    listed.catch(() => undefined);
    try {
      this.modulesLoaded = (await hello).modules.filter((m) => m.loaded).length;
      this.host = 'ready';
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
      this.modulesLoaded = 0;
      tokens = [];
    }
    this.tokens = tokens;
    const present = new Set(this.tokens.map((t) => t.id));
    for (const id of this.byToken.keys()) if (!present.has(id)) this.byToken.delete(id);
    this.pending = new Set(this.tokens.map((t) => t.id));
    this.changed();
    await Promise.all(this.tokens.map((token) => this.readToken(token.id)));
  }

  private async readToken(tokenId: string): Promise<void> {
    try {
      this.byToken.set(tokenId, await this.native.listCertificates(tokenId));
    } catch {
      // Pulled out meanwhile (TOKEN_NOT_FOUND) or unreadable: it shows no certificates.
      this.byToken.delete(tokenId);
    } finally {
      this.pending.delete(tokenId);
      this.changed();
    }
  }
}
