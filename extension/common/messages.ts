// Runtime messages between the extension's own parts (content script, background, picker, popup).
// The page never sees these; the background parses each one before use.
import type { CertificateInfo, ErrorBody, ModuleStatus, PageAction, TokenInfo } from '../../shared/protocol';
import type { FixedOrder } from './fixed-order';
import type { SignedSummary } from './signed-summary';
import type { SiteParts } from './site';

/**
 * A certificate as the windows show it: what the host tells of it but its bytes (`der`), which no
 * window reads; the background keeps those for the operation (a view is sent on every change).
 */
export type ShownCertificate = Omit<CertificateInfo, 'der'>;

export const PAGE_PORT = 'tokensign-page';
export const PICKER_PORT = 'tokensign-picker';

/** content script → background, over the page port. */
export interface BridgeRequest {
  kind: 'request';
  id: string;
  action: PageAction;
  params: Record<string, unknown>;
}
/** background → content script. */
export type BridgeResponse =
  | { kind: 'response'; id: string; ok: true; result: unknown }
  | { kind: 'response'; id: string; ok: false; error: ErrorBody };

export type PickerAction = 'authenticate' | 'sign';
export type PickerPhase = 'choose' | 'working' | 'finished';

/** Everything the picker window shows; sent whole on every change. */
export interface PickerView {
  origin: string;
  /** The origin laid out for display (common/site.ts), computed in the background: the window loads no public-suffix list. */
  site: SiteParts;
  action: PickerAction;
  /** Whether the host answered yet, or cannot be started. */
  host: 'connecting' | 'missing' | 'ready';
  /** PKCS#11 modules the host loaded (null until it answered). */
  modulesLoaded: number | null;
  tokens: TokenInfo[];
  certificates: ShownCertificate[];
  /** Tokens whose certificates are still being read (shown as they answer). */
  pendingTokens: string[];
  /** Thumbprint the page asked to preselect (sign). */
  preselect: string | null;
  phase: PickerPhase;
  /** The last error to show (wrong PIN, removed token, ...). */
  error: ErrorBody | null;
  /** Certificate the last error is about. */
  errorCertificateId: string | null;
  /** Set when a legacy adapter's page chose the certificate (common/fixed-order.ts). */
  fixed: FixedOrder | null;
  /** What is signed (sign, legacy adapters' signatures): shown whole before the person confirms (issue 14 items 2, 7). */
  signed: SignedSummary | null;
}

/** picker → background. */
export type PickerCommand =
  | { kind: 'confirm'; certificateId: string; pin: string }
  | { kind: 'cancel' }
  /** Sent every few seconds: Firefox suspends an idle background page, even with the picker open. */
  | { kind: 'keepalive' };

/** background → picker. */
export interface PickerUpdate {
  kind: 'view';
  view: PickerView;
}

/** popup → background (runtime.sendMessage). */
export interface OverviewQuery {
  kind: 'overview';
}
export interface Overview {
  extension: string;
  host: { version: string; modules: ModuleStatus[] } | null;
  hostError: ErrorBody | null;
  tokens: TokenInfo[];
  certificates: CertificateInfo[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
