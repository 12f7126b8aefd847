// Options: the portals where the legacy plug-in adapters run besides their built-in sites: the
// IFCPlugin adapter (extension/ifc) and the CryptoPro CAdES adapter (extension/cades).
import { localizeDocument, t } from '../../common/i18n';
import { mountPortalList } from '../../common/portal-list';
import { IFC_ORIGINS_KEY } from '../bridge';
import { CADES_ORIGINS_KEY } from '../../cades/bridge';
import { CADES_BUILTIN_PORTALS, isBuiltinHost } from '../../cades/origins';

localizeDocument(document);
document.title = t('optionsTitle');
const builtin = CADES_BUILTIN_PORTALS.map(({ host, subdomains }) => (subdomains ? `*.${host}` : host)).join(', ');
document.getElementById('cades-builtin')!.textContent = t('cadesOptionsBuiltin', builtin);
const lists = [IFC_ORIGINS_KEY, CADES_ORIGINS_KEY];
mountPortalList(document.getElementById('ifc-section')!, IFC_ORIGINS_KEY, lists);
mountPortalList(document.getElementById('cades-section')!, CADES_ORIGINS_KEY, lists, isBuiltinHost);
