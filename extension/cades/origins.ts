// Where the CAdES plug-in emulation runs: a built-in table of portals written for CryptoPro's
// plug-in, plus https hosts the person adds in the options. The table is documented in extension/cades/README.md.
import { isValidOrigin } from '../../shared/protocol';

/** Built-in portals: [host suffix or exact host, whether subdomains are included]. */
export const CADES_BUILTIN_PORTALS: readonly { host: string; subdomains: boolean; what: string }[] = [
  { host: 'nalog.ru', subdomains: true, what: 'Federal Tax Service cabinets (lkfl2, lkul, lkip, …)' },
  { host: 'nalog.gov.ru', subdomains: true, what: 'Federal Tax Service services on the new domain' },
  { host: 'zakupki.gov.ru', subdomains: false, what: 'Unified procurement information system (EIS)' },
  { host: 'rosreestr.gov.ru', subdomains: true, what: 'Rosreestr personal account and services' },
  { host: 'kontur.ru', subdomains: true, what: 'SKB Kontur (Diadoc, Extern, …)' },
  { host: 'sbis.ru', subdomains: true, what: 'SBIS (Tensor)' },
];

/** Manifest match patterns of the built-in portals (any port: the e2e tests serve them on a free port). */
export const CADES_BUILTIN_MATCHES: string[] = CADES_BUILTIN_PORTALS.flatMap(({ host, subdomains }) =>
  subdomains ? [`https://*.${host}/*`, `https://${host}/*`] : [`https://${host}/*`],
);

export function isBuiltinHost(hostname: string): boolean {
  return CADES_BUILTIN_PORTALS.some(({ host, subdomains }) => hostname === host || (subdomains && hostname.endsWith(`.${host}`)));
}

/** True when `origin` (as the browser reports it) may use the CAdES emulation. */
export function isCadesOrigin(origin: string, userHosts: readonly string[]): boolean {
  if (!isValidOrigin(origin)) return false;
  const url = new URL(origin);
  return url.protocol === 'https:' && (isBuiltinHost(url.hostname) || userHosts.includes(url.hostname));
}
