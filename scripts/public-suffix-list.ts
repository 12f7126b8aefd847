// Build-time: the Public Suffix List as one string for extension/common/public-suffix.ts, made from
// the list the psl package ships (its data/rules.js, an array of rules as the list writes them). Each
// rule is written with its names in punycode, as URL.hostname gives them, one rule per line; the
// service worker searches that string per lookup, instead of building psl's table of ~9,800 entries
// (each run through punycode) every time it starts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import punycode from 'punycode/punycode.js';
import type { Plugin } from 'vite';

const PUBLIC_SUFFIX_MODULE = 'virtual:public-suffix-list';
const RESOLVED = `\0${PUBLIC_SUFFIX_MODULE}`;

/** The rules of psl's copy of the list, in the list's own notation ("*." wildcards, "!" exceptions). */
export function pslRules(): string[] {
  // psl's "exports" name only its code; its data sits beside it in the package.
  const data = join(dirname(createRequire(import.meta.url).resolve('psl')), '..', 'data', 'rules.js');
  const text = readFileSync(data, 'utf8');
  const rules = JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as unknown;
  if (!Array.isArray(rules) || rules.length < 5000 || !rules.every((rule) => typeof rule === 'string' && rule !== '')) {
    throw new Error(`${data}: not the list of rules this build expects`);
  }
  return rules as string[];
}

/** One rule with its names in punycode, its "!" or "*." kept. */
function asciiRule(rule: string): string {
  const prefix = /^(!|\*\.)/.exec(rule)?.[0] ?? '';
  return prefix + punycode.toASCII(rule.slice(prefix.length));
}

/** Vite (and vitest): `import rules from 'virtual:public-suffix-list'` is the list, one rule per line. */
export function publicSuffixList(): Plugin {
  return {
    name: 'tokensign-public-suffix-list',
    resolveId: (id) => (id === PUBLIC_SUFFIX_MODULE ? RESOLVED : null),
    load: (id) => (id === RESOLVED ? `export default ${JSON.stringify(pslRules().map(asciiRule).join('\n'))};\n` : null),
  };
}
