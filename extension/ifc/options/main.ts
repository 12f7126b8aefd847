// Options: the portals (besides *.gosuslugi.ru) where the IFCPlugin adapter runs. Adding one asks
// the browser for access to that site; the background then registers the content script there.
import browser from 'webextension-polyfill';
import { el, localizeDocument, t } from '../../common/i18n';
import { IFC_ORIGINS_KEY } from '../bridge';
import { parseUserPortal, userPortalPattern } from '../origins';

const list = document.getElementById('portals') as HTMLUListElement;
const empty = document.getElementById('empty') as HTMLParagraphElement;
const input = document.getElementById('portal') as HTMLInputElement;
const errorLine = document.getElementById('error') as HTMLParagraphElement;

localizeDocument(document);
document.title = t('ifcOptionsTitle');
input.placeholder = t('ifcOptionsPlaceholder');

async function load(): Promise<string[]> {
  const stored = await browser.storage.local.get(IFC_ORIGINS_KEY);
  const value = stored[IFC_ORIGINS_KEY];
  return Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : [];
}

async function save(hosts: string[]): Promise<void> {
  await browser.storage.local.set({ [IFC_ORIGINS_KEY]: hosts });
  await render();
}

function showError(key: string | null): void {
  errorLine.hidden = key === null;
  errorLine.textContent = key ? t(key) : '';
}

async function render(): Promise<void> {
  const hosts = await load();
  empty.hidden = hosts.length > 0;
  list.replaceChildren(
    ...hosts.map((host) => {
      const remove = el('button', { type: 'button' }, t('ifcOptionsRemove'));
      remove.addEventListener('click', () => {
        void (async () => {
          await save((await load()).filter((h) => h !== host));
          await browser.permissions.remove({ origins: [userPortalPattern(host)] }).catch(() => false);
        })();
      });
      return el('li', { 'data-host': host }, el('span', {}, host), ' ', remove);
    }),
  );
}

document.getElementById('add-form')?.addEventListener('submit', (event) => {
  event.preventDefault();
  const host = parseUserPortal(input.value);
  if (!host) {
    showError('ifcOptionsInvalid');
    return;
  }
  // permissions.request must be called directly from the user's gesture.
  browser.permissions.request({ origins: [userPortalPattern(host)] }).then(
    async (granted) => {
      if (!granted) {
        showError('ifcOptionsDenied');
        return;
      }
      showError(null);
      input.value = '';
      const hosts = await load();
      if (!hosts.includes(host)) await save([...hosts, host]);
    },
    () => showError('ifcOptionsDenied'),
  );
});

void render();
