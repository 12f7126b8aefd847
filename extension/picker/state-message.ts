// The one message the window shows for its state (common/picker-state.ts): what is going on and,
// when nothing can be chosen, what the person can do about it, in their words.
import { DOWNLOAD_URL } from '../../shared/download';
import { t } from '../common/i18n';
import type { WindowState } from '../common/picker-state';

interface StateMessage {
  title: string;
  text: string;
}

const MESSAGES: Record<Exclude<WindowState, 'choose'>, () => StateMessage> = {
  connecting: () => ({ title: t('stateConnecting'), text: '' }),
  reading: () => ({ title: t('stateReading'), text: '' }),
  'host-missing': () => ({ title: t('stateHostMissingTitle'), text: t('stateHostMissingText', DOWNLOAD_URL) }),
  'no-module': () => ({ title: t('stateNoModuleTitle'), text: t('stateNoModuleText') }),
  'no-token': () => ({ title: t('stateNoTokenTitle'), text: t('stateNoTokenText') }),
  'no-certificates': () => ({ title: t('stateNoCertificatesTitle'), text: t('stateNoCertificatesText') }),
  'pin-locked': () => ({ title: t('statePinLockedTitle'), text: t('unlockAdvice') }),
  expired: () => ({ title: t('stateExpiredTitle'), text: t('stateExpiredText') }),
  'not-yet-valid': () => ({ title: t('stateNotYetValidTitle'), text: t('stateNotYetValidText') }),
};

/** Fills the state section; hidden while the person chooses (the list heading is the message then). */
export function renderState(section: HTMLElement, state: WindowState): void {
  section.dataset.state = state;
  section.hidden = state === 'choose';
  if (state === 'choose') return;
  const { title, text } = MESSAGES[state]();
  const [heading, paragraph] = [section.querySelector('h2'), section.querySelector('p')];
  if (heading) heading.textContent = title;
  if (paragraph) {
    paragraph.textContent = text;
    paragraph.hidden = text === '';
  }
  section.classList.toggle('progress', state === 'connecting' || state === 'reading');
}

/** The sentence a screen reader hears when the window changes to this state. */
export function stateAnnouncement(state: WindowState): string {
  if (state === 'choose') return '';
  const { title, text } = MESSAGES[state]();
  return text ? `${title}. ${text}` : title;
}
