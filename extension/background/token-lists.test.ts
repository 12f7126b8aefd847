// A window's first list: tokens read before show their last certificates at once and are read again
// when the window has drawn; anything else is read at once. Against a scripted host whose answers the
// test releases one by one (a real token cannot be held at a chosen moment).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { TokenNotFoundError } from '../../shared/errors';
import { DAY_MS, testCertificate, testToken } from './test-fixtures';
import { windowState } from '../common/picker-state';
import { TokenLists, forgetLastReadings, keepLastReadingsIn, type ListSnapshot, type StoredReading } from './token-lists';

const token = (serial: string): TokenInfo => testToken(serial);
const certificate = (name: string, notAfter?: Date): CertificateInfo => testCertificate(name, 'slot-0', notAfter);
const DAY = DAY_MS;

/** A host with one token; each list-certificates waits until the test answers it. */
function heldHost(state: { token: TokenInfo }) {
  type Answer = ((certificates: CertificateInfo[]) => void) & { fail(error: Error): void };
  const asked: Answer[] = [];
  const native = {
    connect: () => Promise.resolve({ protocol: 1, version: 'test', modules: [{ path: 'm', loaded: true }] }),
    listTokens: () => Promise.resolve([state.token]),
    listCertificates: () => new Promise<CertificateInfo[]>((resolve, reject) => asked.push(Object.assign(resolve, { fail: reject }))),
  };
  return { native: native as never, asked };
}

/** TokenLists with every snapshot it reported kept. */
function lists(native: never): { lists: TokenLists; seen: ListSnapshot[] } {
  const seen: ListSnapshot[] = [];
  const l: TokenLists = new TokenLists(native, () => seen.push(l.snapshot()));
  return { lists: l, seen };
}

const names = (s: ListSnapshot | undefined): string[] => (s?.certificates ?? []).map((c) => c.id);
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** A window's first list of a token never read: read at once (shown as reading), answered with `certificates`. */
async function firstReading(host: ReturnType<typeof heldHost>, certificates: CertificateInfo[]): Promise<ListSnapshot[]> {
  const first = lists(host.native);
  const read = first.lists.refresh(Promise.resolve());
  await tick();
  expect(first.seen.at(-1)?.pendingTokens).toEqual(['slot-0']);
  host.asked.shift()!(certificates);
  await read;
  return first.seen;
}

afterEach(() => {
  keepLastReadingsIn(null);
  forgetLastReadings();
});

describe('a window first list from the last reading', () => {
  it('shows a token read before at once, reads it again only when told, then follows that reading', async () => {
    const state = { token: token('S1') };
    const host = heldHost(state);
    expect(names((await firstReading(host, [certificate('A'), certificate('B')])).at(-1))).toEqual(['A', 'B']);

    let drawn!: () => void;
    const second = lists(host.native);
    const secondRead = second.lists.refresh(new Promise<void>((resolve) => (drawn = resolve)));
    await tick();
    // Shown before the host is asked again, and not as still reading.
    expect(names(second.seen.at(-1))).toEqual(['A', 'B']);
    expect(second.seen.at(-1)?.pendingTokens).toEqual([]);
    expect(host.asked).toHaveLength(0);
    drawn();
    await tick();
    expect(host.asked).toHaveLength(1);
    // B was taken off the token meanwhile: the window follows the new reading.
    host.asked.shift()!([certificate('A')]);
    await secondRead;
    expect(names(second.seen.at(-1))).toEqual(['A']);
  });

  it('reads at once a token seen differently (another card in the same slot), and when not asked to use the last reading', async () => {
    const state = { token: token('S1') };
    const host = heldHost(state);
    await firstReading(host, [certificate('A')]);

    state.token = token('S2');
    const swapped = lists(host.native);
    void swapped.lists.refresh(new Promise(() => undefined));
    await tick();
    expect(names(swapped.seen.at(-1))).toEqual([]);
    expect(swapped.seen.at(-1)?.pendingTokens).toEqual(['slot-0']);
    expect(host.asked).toHaveLength(1);
    host.asked.shift()!([certificate('C')]);

    state.token = token('S1');
    const plain = lists(host.native);
    void plain.lists.refresh();
    await tick();
    expect(names(plain.seen.at(-1))).toEqual([]);
    expect(host.asked).toHaveLength(1);
  });

  it('gives a certificate from the last reading its status as of now', async () => {
    const state = { token: token('S1') };
    const host = heldHost(state);
    // Read while valid (as the host said then); it expired since.
    await firstReading(host, [{ ...certificate('A', new Date(Date.now() - 1.5 * DAY)), status: 'valid', expiresInDays: 3 }]);
    const second = lists(host.native);
    void second.lists.refresh(new Promise(() => undefined));
    await tick();
    expect(second.seen.at(-1)?.certificates[0]).toMatchObject({ id: 'A', status: 'expired', expiresInDays: -2 });
  });

  it('no longer lists a token that is gone when it is read again, so that its return is a change', async () => {
    const state = { token: token('S1') };
    const host = heldHost(state);
    await firstReading(host, [certificate('A')]);
    const second = lists(host.native);
    const read = second.lists.refresh(Promise.resolve());
    await tick();
    expect(names(second.seen.at(-1))).toEqual(['A']);
    host.asked.shift()!.fail(new TokenNotFoundError('No token with id "slot-0" is present.'));
    await read;
    expect(second.seen.at(-1)).toMatchObject({ tokens: [], certificates: [], pendingTokens: [] });
  });

  it('forgets a token whose reading failed', async () => {
    const state = { token: token('S1') };
    const failing = {
      connect: () => Promise.resolve({ protocol: 1, version: 'test', modules: [{ path: 'm', loaded: true }] }),
      listTokens: () => Promise.resolve([state.token]),
      listCertificates: () => Promise.reject(new Error('token error')),
    };
    const host = heldHost(state);
    await firstReading(host, [certificate('A')]);
    await lists(failing as never).lists.refresh(Promise.resolve());
    const after = lists(host.native);
    void after.lists.refresh(new Promise(() => undefined));
    await tick();
    expect(names(after.seen.at(-1))).toEqual([]);
    expect(after.seen.at(-1)?.pendingTokens).toEqual(['slot-0']);
  });
});

describe('while the host lists the tokens', () => {
  it('a window asking meanwhile is told the host is still connecting, not that no token is plugged in', async () => {
    // A running host answers hello at once and list-tokens a moment later (a CI run caught a window
    // connecting in between: its first frame said "no token" with the Work token plugged in).
    let answer!: (tokens: TokenInfo[]) => void;
    const native = {
      connect: () => Promise.resolve({ protocol: 1, version: 'test', modules: [{ path: 'm', loaded: true }] }),
      listTokens: () => new Promise<TokenInfo[]>((resolve) => (answer = resolve)),
      listCertificates: () => Promise.resolve([certificate('A')]),
    };
    const { lists: l } = lists(native as never);
    const read = l.refresh(Promise.resolve());
    await tick();
    expect(windowState({ ...l.snapshot(), action: 'authenticate', fixed: null })).toBe('connecting');
    answer([token('S1')]);
    await read;
    expect(windowState({ ...l.snapshot(), action: 'authenticate', fixed: null })).toBe('choose');
  });
});

describe('the last readings kept in a store (the browser session storage)', () => {
  it('a background started again (its memory gone) shows the stored reading, and skips what it did not write', async () => {
    let kept: unknown = null;
    keepLastReadingsIn({ load: () => Promise.resolve(kept), save: (readings) => Promise.resolve(void (kept = readings)) });
    const state = { token: token('S1') };
    const host = heldHost(state);
    await firstReading(host, [certificate('A')]);
    await tick();
    // Written a second later, not while a window draws its first list.
    expect(kept).toBeNull();
    await vi.waitFor(() => expect(kept).not.toBeNull(), { timeout: 3_000 });
    expect((kept as StoredReading[]).map((r) => r.certificates.map((c) => c.id))).toEqual([['A']]);
    forgetLastReadings();
    kept = [{ token: 'not one', certificates: [{ id: 'forged' }] }, ...(kept as StoredReading[]), 'junk'];
    const restarted = lists(host.native);
    void restarted.lists.refresh(new Promise(() => undefined));
    await vi.waitFor(() => expect(names(restarted.seen.at(-1))).toEqual(['A']));
    expect(restarted.seen.at(-1)?.pendingTokens).toEqual([]);
    expect(host.asked).toHaveLength(0);
  });

  it('does not wait for a store that does not answer', async () => {
    keepLastReadingsIn({ load: () => new Promise(() => undefined), save: () => Promise.resolve() });
    const host = heldHost({ token: token('S1') });
    const l = lists(host.native);
    void l.lists.refresh(new Promise(() => undefined));
    await vi.waitFor(() => expect(host.asked).toHaveLength(1), { timeout: 2_000 });
    expect(l.seen.at(-1)?.pendingTokens).toEqual(['slot-0']);
  });
});
