// One list of portals the person added for a legacy plug-in adapter (IFC, CAdES) on the options page:
// adding asks the browser for access to that https site; the background then registers the adapter there.
import browser from 'webextension-polyfill';
import { el, t } from './i18n';
import { parseUserPortal, userPortalPattern } from '../ifc/origins';

/**
 * Fills a section holding `[data-role=list]`, `[data-role=empty]`, `[data-role=input]`,
 * `[data-role=form]` and `[data-role=error]` with the hosts kept under `storageKey`. `allKeys` are
 * every list's keys: a site's access is given back only when no list holds it any more. A host for
 * which `covered` is true (the manifest's own sites) is added without asking the browser for access.
 */
export function mountPortalList(section: HTMLElement, storageKey: string, allKeys: readonly string[], covered: (host: string) => boolean = () => false): void {
  const part = <T extends HTMLElement>(role: string): T => section.querySelector<T>(`[data-role=${role}]`)!;
  const list = part<HTMLUListElement>('list');
  const empty = part<HTMLParagraphElement>('empty');
  const input = part<HTMLInputElement>('input');
  const errorLine = part<HTMLParagraphElement>('error');
  input.placeholder = t('ifcOptionsPlaceholder');

  const load = async (): Promise<string[]> => {
    const value = (await browser.storage.local.get(storageKey))[storageKey];
    return Array.isArray(value) ? value.filter((h): h is string => typeof h === 'string') : [];
  };
  const showError = (key: string | null): void => {
    errorLine.hidden = key === null;
    errorLine.textContent = key ? t(key) : '';
  };
  const render = async (): Promise<void> => {
    const hosts = await load();
    empty.hidden = hosts.length > 0;
    list.replaceChildren(
      ...hosts.map((host) => {
        const remove = el('button', { type: 'button' }, t('ifcOptionsRemove'));
        remove.addEventListener('click', () => void removeHost(host));
        return el('li', { 'data-host': host }, el('span', {}, host), ' ', remove);
      }),
    );
  };
  const save = async (change: (hosts: string[]) => string[]): Promise<void> => {
    await browser.storage.local.set({ [storageKey]: change(await load()) });
    await render();
  };
  const removeHost = async (host: string): Promise<void> => {
    await save((hosts) => hosts.filter((h) => h !== host));
    const stored = await browser.storage.local.get([...allKeys]);
    const elsewhere = allKeys.some((key) => Array.isArray(stored[key]) && (stored[key] as unknown[]).includes(host));
    if (!elsewhere && !covered(host)) await browser.permissions.remove({ origins: [userPortalPattern(host)] }).catch(() => false);
  };

  part<HTMLFormElement>('form').addEventListener('submit', (event) => {
    event.preventDefault();
    const host = parseUserPortal(input.value);
    if (!host) {
      showError('ifcOptionsInvalid');
      return;
    }
    // permissions.request must be called directly from the user's gesture.
    const access = covered(host) ? Promise.resolve(true) : browser.permissions.request({ origins: [userPortalPattern(host)] });
    access.then(
      async (granted) => {
        if (!granted) {
          showError('ifcOptionsDenied');
          return;
        }
        showError(null);
        input.value = '';
        await save((hosts) => (hosts.includes(host) ? hosts : [...hosts, host]));
      },
      () => showError('ifcOptionsDenied'),
    );
  });
  void render();
}
