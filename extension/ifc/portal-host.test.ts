// Issue 14 item 9: the options page takes only one specific https host per portal; a wildcard or a
// bare suffix would hand the adapter (and its raw signatures) to every site under it.
import { domainToASCII } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseUserPortal } from './origins';

describe('user portals are specific https hosts', () => {
  it('refuses wildcards, bare suffixes, IP addresses and trailing dots', () => {
    for (const input of ['*.com', '*.example.ru', 'https://*.example.ru/', '*', 'com', '.example.ru', 'example.ru.', 'https://portal.example.ru./', '192.168.0.10', 'https://[::1]/', 'portal_x.example.ru']) {
      expect(parseUserPortal(input), input).toBeNull();
    }
  });

  it('still takes a plain host name, also in punycode', () => {
    expect(parseUserPortal('lk.example.ru')).toBe('lk.example.ru');
    expect(parseUserPortal('https://portal.example.ru:8443/')).toBe('portal.example.ru');
    expect(parseUserPortal('https://госуслуги.example/вход')).toBe(domainToASCII('госуслуги.example'));
  });
});
