// The registrable domain of a host name by the Public Suffix List (publicsuffix.org), its ICANN and
// private sections alike, as browsers use it. The list is one string built into the bundle
// (scripts/public-suffix-list.ts), and a rule is looked up by searching that string: nothing is
// built from it, so a worker that starts (often: the browser stops an idle one) pays nothing for
// the list, and a lookup searches it a few times (once or twice per label of the host).
import RULES from 'virtual:public-suffix-list';

const LIST = `\n${RULES}\n`;
const listed = (rule: string): boolean => LIST.includes(`\n${rule}\n`);

/**
 * The registrable domain (the public suffix and one label more) of a lower-case ASCII host name, as
 * URL.hostname gives it; null when the host is itself a public suffix or has only one label. A
 * fully qualified name keeps its final dot ("a.example.com." → "example.com.").
 * The list's algorithm: an exception rule ("!") prevails and its public suffix is the rule without
 * its first label; otherwise the matching rule with the most labels ("*" matches any one label), or
 * the implicit rule "*" when none matches.
 */
export function registrableDomain(host: string): string | null {
  if (host.endsWith('.') && host.length > 1) {
    const domain = registrableDomain(host.slice(0, -1));
    return domain === null ? null : `${domain}.`;
  }
  const labels = host.split('.');
  // How many of the host's last labels are its public suffix; 1 by the implicit rule "*".
  let suffixLabels = 1;
  for (let n = 1; n <= labels.length; n++) {
    const tail = labels.slice(-n).join('.');
    if (listed(`!${tail}`)) {
      suffixLabels = n - 1;
      break;
    }
    const wildcard = n > 1 && listed(`*.${labels.slice(-(n - 1)).join('.')}`);
    if (wildcard || listed(tail)) suffixLabels = n;
  }
  return labels.length > suffixLabels ? labels.slice(-(suffixLabels + 1)).join('.') : null;
}
