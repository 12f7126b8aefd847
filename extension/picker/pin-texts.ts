// What the window says under the PIN field and after a failed try. PKCS#11 tells only "a wrong PIN
// was entered before" and "last try", so the count said is the one the token gives: 1 on the last try.
import type { ErrorBody, TokenInfo } from '../../shared/protocol';
import type { ShownCertificate } from '../common/messages';
import { t } from '../common/i18n';

export interface PinHint {
  text: string;
  state: 'none' | 'locked' | 'final-try' | 'count-low' | 'normal';
  /** What to do, said after the text in plain type (a locked PIN: how to unlock it). */
  advice?: string;
}

/**
 * The line under the PIN field. `wrongPinSaid`: the error line above it already says that a wrong
 * PIN was entered and what a few more do, so the hint does not say it a second time.
 */
export function pinHint(cert: ShownCertificate | undefined, token: TokenInfo | undefined, pinFromPage: boolean, wrongPinSaid = false): PinHint {
  if (!cert) return { text: '', state: 'none' };
  if (token?.pin.locked) return { text: t('pinHintLocked'), state: 'locked', advice: t('unlockAdvice') };
  if (token?.pin.protectedPath) return { text: t('pinHintProtectedPath'), state: 'normal' };
  if (token && !token.pin.loginRequired) return { text: t('pinHintNotRequired'), state: 'normal' };
  if (token?.pin.finalTry && !wrongPinSaid) return { text: t('pinHintFinalTry'), state: 'final-try' };
  if (token?.pin.countLow && !wrongPinSaid) return { text: t('pinHintCountLow'), state: 'count-low' };
  if (pinFromPage) return { text: t('pinFromPage'), state: 'normal' };
  return { text: t('pinHintDefault', token?.label ?? ''), state: 'normal' };
}

/** What to do after a failed try, said after its text in plain type: how to unlock a PIN that just locked. */
export function errorAdvice(error: ErrorBody): string | null {
  return error.code === 'PIN_LOCKED' ? t('unlockAdvice') : null;
}

export function errorText(error: ErrorBody): string {
  switch (error.code) {
    case 'PIN_INCORRECT':
      if (error.finalTry === true) return t('errorPinIncorrectFinalTry');
      if (error.countLow === true) return t('errorPinIncorrectCountLow');
      return t('errorPinIncorrect');
    case 'PIN_LOCKED':
      return t('errorPinLocked');
    case 'PIN_INVALID':
      return t('errorPinInvalid');
    case 'PIN_REQUIRED':
      return t('errorPinRequired');
    case 'TOKEN_REMOVED':
    case 'TOKEN_NOT_FOUND':
      return t('errorTokenRemoved');
    case 'CERTIFICATE_NOT_FOUND':
    case 'KEY_NOT_FOUND':
      return t('errorCertificateNotFound');
    case 'BAD_REQUEST':
    case 'CERTIFICATE_EXPIRED':
    case 'CERTIFICATE_NOT_YET_VALID':
      return t('errorCertificateUnusable');
    default:
      return t('errorGeneric', error.code);
  }
}
