// What a CryptoPro-style page gets when something on Tokensign's side is not as expected: the
// plug-in's own error form (a sentence and the HRESULT), never a bare Error or a generic failure
// without its reason. The background and the page script run here under Node: the WebExtension API
// object, which Node lacks, is replaced by an empty one (nothing here calls it).
import { describe, expect, it, vi } from 'vitest';

vi.mock('webextension-polyfill', () => ({ default: { runtime: {}, storage: { local: {} } } }));
const { errorBody, withContent } = await import('./background');
const { standDown } = await import('./genuine');

describe('errors a CryptoPro-style page gets', () => {
  it('a CMS the content cannot be put into is the plug-in\'s E_FAIL with the reason, not INTERNAL', () => {
    // A SEQUENCE that is no ContentInfo: what embedContent refuses.
    let caught: unknown;
    try {
      withContent(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), Uint8Array.of(1, 2, 3));
    } catch (error) {
      caught = error;
    }
    const body = errorBody(caught);
    expect(body.code).toBe('FAILED');
    expect(body.message).toMatch(/could not take the content: the host's CMS has no/);
  });

  it('CryptoPro\'s object without CreateObjectAsync rejects with the plug-in\'s "not implemented" (0x80004001)', async () => {
    const scope = globalThis as { window?: unknown };
    const had = 'window' in scope;
    const before = scope.window;
    scope.window = { cpcsp_chrome_nmcades: { check_chrome_plugin: (resolve: () => void) => resolve() } };
    try {
      const plugin: Record<string, unknown> = {};
      const ready = vi.fn();
      expect(standDown(plugin, ready, () => undefined, () => ({ NOT_IMPLEMENTED: 'Метод не реализован' }))).toBe(true);
      expect(ready).toHaveBeenCalled();
      const created = (plugin.CreateObjectAsync as (name: string) => Promise<unknown>)('CAdESCOM.Store');
      await expect(created).rejects.toThrow(/^Метод не реализован: .*CreateObjectAsync \(CAdESCOM\.Store\) \(0x80004001\)$/);
      await created.catch((error: { number?: number }) => expect(error.number).toBe(0x80004001 | 0));
    } finally {
      if (had) scope.window = before;
      else delete scope.window;
    }
  });
});
