import { describe, expect, it } from 'vitest';
import { isIfcOrigin, parseUserPortal, userPortalPattern } from './origins';

describe('IFC origins', () => {
  it('allows Gosuslugi over https only', () => {
    expect(isIfcOrigin('https://esia.gosuslugi.ru', [])).toBe(true);
    expect(isIfcOrigin('https://esia.gosuslugi.ru:8443', [])).toBe(true);
    expect(isIfcOrigin('https://gosuslugi.ru', [])).toBe(true);
    expect(isIfcOrigin('http://esia.gosuslugi.ru', [])).toBe(false);
    expect(isIfcOrigin('https://gosuslugi.ru.evil.example', [])).toBe(false);
    expect(isIfcOrigin('https://evilgosuslugi.ru', [])).toBe(false);
    expect(isIfcOrigin('https://example.test', [])).toBe(false);
    expect(isIfcOrigin('not an origin', [])).toBe(false);
  });
  it('allows the portals the user added', () => {
    expect(isIfcOrigin('https://portal.example.ru', ['portal.example.ru'])).toBe(true);
    expect(isIfcOrigin('https://other.example.ru', ['portal.example.ru'])).toBe(false);
  });
  it('reads what a person types', () => {
    expect(parseUserPortal(' portal.example.ru ')).toBe('portal.example.ru');
    expect(parseUserPortal('https://Portal.Example.ru/login?x=1')).toBe('portal.example.ru');
    expect(parseUserPortal('http://portal.example.ru')).toBeNull();
    expect(parseUserPortal('localhost')).toBeNull();
    expect(parseUserPortal('https://user:pw@portal.example.ru')).toBeNull();
    expect(parseUserPortal('')).toBeNull();
    expect(userPortalPattern('portal.example.ru')).toBe('https://portal.example.ru/*');
  });
});
