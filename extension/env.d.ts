/** The package version, set by vite at build time. */
declare const __TOKENSIGN_VERSION__: string;

// psl's package "exports" carry no "types" condition; the one function the public-suffix test checks
// against (see node_modules/psl/types). The extension reads only psl's data, at build time.
declare module 'psl' {
  /** The registrable domain of a host name, or null for a public suffix, an IP or an invalid name. */
  export function get(domain: string): string | null;
}

// The Public Suffix List, one rule per line with names in punycode (scripts/public-suffix-list.ts).
declare module 'virtual:public-suffix-list' {
  const rules: string;
  export default rules;
}
