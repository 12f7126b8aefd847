// The one state a picker window is in, derived from what the background knows; the window shows
// one message for it and the page, when the window closes, gets the state's code (docs/PROTOCOL.md).
import type { TokenInfo } from '../../shared/protocol';
import { unusableReason, type UnusableReason } from './certificate-view';
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  HostUnavailableError,
  NoCertificatesError,
  NoModuleError,
  NoTokenError,
  PinLockedError,
  type TokensignErrorClass,
} from '../../shared/errors';
import type { PickerView, ShownCertificate } from './messages';

export type WindowState =
  | 'connecting'
  | 'host-missing'
  | 'no-module'
  | 'no-token'
  | 'reading'
  | 'no-certificates'
  | 'pin-locked'
  | 'expired'
  | 'not-yet-valid'
  | 'choose';

export type StateInput = Pick<PickerView, 'host' | 'modulesLoaded' | 'tokens' | 'certificates' | 'pendingTokens' | 'fixed' | 'action'>;

function tokenOf(view: StateInput, cert: ShownCertificate): TokenInfo | undefined {
  return view.tokens.find((t) => t.id === cert.tokenId);
}

/** The certificates the person could pick: all of them, or the one a legacy adapter's page chose. */
export function choosable(view: StateInput): ShownCertificate[] {
  const fixedId = view.fixed?.certificateId;
  return fixedId ? view.certificates.filter((c) => c.id === fixedId) : view.certificates;
}

export function windowState(view: StateInput): WindowState {
  if (view.host === 'connecting') return 'connecting';
  if (view.host === 'missing') return 'host-missing';
  if (view.modulesLoaded === 0) return 'no-module';
  if (view.tokens.length === 0) return 'no-token';
  const reasons: (UnusableReason | null)[] = choosable(view).map((c) => unusableReason(c, tokenOf(view, c), view.action));
  if (reasons.includes(null)) return 'choose';
  if (view.pendingTokens.length > 0) return 'reading';
  if (reasons.length === 0) return 'no-certificates';
  // A valid certificate behind a locked PIN is the most telling reason; then the dates.
  if (reasons.includes('reasonPinLocked')) return 'pin-locked';
  if (reasons.every((r) => r === 'reasonExpired')) return 'expired';
  if (reasons.every((r) => r === 'reasonNotYetValid')) return 'not-yet-valid';
  return 'no-certificates';
}

const STATE_ERRORS: Partial<Record<WindowState, TokensignErrorClass>> = {
  'host-missing': HostUnavailableError,
  'no-module': NoModuleError,
  'no-token': NoTokenError,
  'no-certificates': NoCertificatesError,
  'pin-locked': PinLockedError,
  expired: CertificateExpiredError,
  'not-yet-valid': CertificateNotYetValidError,
};

/** What the page is told when the window closes in this state; null: the person simply cancelled. */
export function stateError(state: WindowState): TokensignErrorClass | null {
  return STATE_ERRORS[state] ?? null;
}
