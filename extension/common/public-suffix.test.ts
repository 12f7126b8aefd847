// The window's registrable domain (public-suffix.ts) against psl's own lookup, which it replaced in
// the service worker: for every rule of the list, hosts that are the rule, one label under it and two
// under it (a wildcard's "*" as a label), each must get psl's answer. psl is the list's source and
// stays the oracle here; the worker no longer builds its table as it starts.
import { get as pslRegistrable } from 'psl';
import { toASCII } from 'punycode/punycode.js';
import { describe, expect, it } from 'vitest';
import { pslRules } from '../../scripts/public-suffix-list';
import { registrableDomain } from './public-suffix';
import { siteParts } from './site';

/** Hosts around one rule, lower-case ASCII as URL.hostname gives them. */
function hostsFor(rule: string): string[] {
  const name = toASCII(rule.replace(/^!/, '').replace(/^\*\./, 'star.'));
  return [name, `a.${name}`, `b.a.${name}`];
}

describe('registrable domain by the Public Suffix List', () => {
  it("agrees with psl for hosts at, under and two under each of the list's rules", () => {
    const rules = pslRules();
    expect(rules.length).toBeGreaterThan(5000);
    const differ: Array<{ host: string; ours: string | null; psl: string | null }> = [];
    for (const rule of rules) {
      for (const host of hostsFor(rule)) {
        const ours = registrableDomain(host);
        const theirs = pslRegistrable(host);
        if (ours !== theirs) differ.push({ host, ours, psl: theirs });
      }
    }
    expect(differ.slice(0, 10)).toEqual([]);
  });

  it('names the domains people sign in to, wildcards, exceptions and fully qualified names', () => {
    expect(registrableDomain('esia.gosuslugi.ru')).toBe('gosuslugi.ru');
    expect(registrableDomain('gosuslugi-ru.esia-login.example')).toBe('esia-login.example');
    expect(registrableDomain('esia.gosuslugi.ru.vhod.example')).toBe('vhod.example');
    expect(registrableDomain('www.xn--80ajghhoc2aj1c8b.xn--p1ai')).toBe('xn--80ajghhoc2aj1c8b.xn--p1ai');
    expect(registrableDomain('lkfl2.nalog.gov.ru')).toBe('nalog.gov.ru');
    expect(registrableDomain('portal.spb.ru')).toBe('portal.spb.ru');
    // Private section: each project on a hosting suffix is a site of its own.
    expect(registrableDomain('a.b.github.io')).toBe('b.github.io');
    // "*.ck" with "!www.ck": any name under ck is a suffix, except www.ck.
    expect(registrableDomain('shop.co.ck')).toBe('shop.co.ck');
    expect(registrableDomain('a.www.ck')).toBe('www.ck');
    // A public suffix or a single label has no registrable domain.
    expect(registrableDomain('gov.ru')).toBeNull();
    expect(registrableDomain('github.io')).toBeNull();
    expect(registrableDomain('localhost')).toBeNull();
    // A fully qualified name (final dot) names the same domain, its dot kept for the display.
    expect(registrableDomain('esia.gosuslugi.ru.')).toBe('gosuslugi.ru.');
    expect(registrableDomain('gov.ru.')).toBeNull();
  });

  it("the window's site line of a fully qualified name highlights its domain, not its top-level label", () => {
    // With psl the domain came without the final dot, and the line counted its labels against a
    // host that has one more: "ru." stood out and "esia.gosuslugi." was muted.
    expect(siteParts('https://esia.gosuslugi.ru./')).toMatchObject({ subdomain: 'esia.', registrable: 'gosuslugi.ru.' });
    expect(siteParts('https://esia.gosuslugi.ru/')).toMatchObject({ subdomain: 'esia.', registrable: 'gosuslugi.ru' });
  });
});
