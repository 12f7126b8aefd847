// The built host over stdio against the real smart-card stack: pcscd (started here, stopped by
// pid) + vsmartcard's vpcd reader + OpenSC's opensc-pkcs11.so, with the project's virtual PIV
// cards (test/card) in the reader. Nothing is mocked. Every test in this file shares one pcscd
// and runs in order; the machine-wide lock keeps any other card-stack user out meanwhile.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateInfo, TokenInfo } from '../../shared/protocol';
import { opensslVerify } from '../helpers/cms-verify';
import { startHost, type HostProcess } from '../helpers/host-process';
import {
  CARD_PIN,
  VpcdCard,
  cardApplet,
  openscEnv,
  startCardStack,
  type CardStack,
  type Pcscd,
  waitForReader,
} from '../helpers/pcsc-stack';
import type { TestPki } from '../fixtures/pki';

const ORIGIN = 'https://esia.gosuslugi.ru';
const challenge = () => randomBytes(32).toString('base64url');
const run = promisify(execFile);

let stack: CardStack | undefined;
let pki: TestPki;
let pcscd: Pcscd;
let card: VpcdCard | undefined;
let host: HostProcess | undefined;

beforeAll(async () => {
  stack = await startCardStack();
  ({ pki, pcscd } = stack);
}, 600_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && host) console.error(`host stderr:\n${host.stderr.slice(-4000)}`);
  await host?.close();
  host = undefined;
  await card?.remove();
  card = undefined;
});

afterAll(async () => {
  host?.kill();
  await card?.remove();
  await stack?.stop();
});

/** Pulls the card out and waits until pcscd has seen it go (see waitForReader). */
async function pullOut(c: VpcdCard): Promise<void> {
  await c.remove();
  await waitForReader(false);
}

/** Puts a card in the reader (a new connection to vpcd). */
async function insert(
  which: 'A' | 'B',
  options: Parameters<typeof cardApplet>[2] = {},
  timing: ConstructorParameters<typeof VpcdCard>[1] = {},
): Promise<VpcdCard> {
  card = new VpcdCard(cardApplet(pki, which, options), timing);
  await card.insert();
  await card.whenSeen();
  return card;
}

function startCardHost(): HostProcess {
  host = startHost({ env: openscEnv(pki.dir), timeoutMs: 60_000 });
  return host;
}

/** list-certificates until the card's certificates show (pcscd needs a moment to power a new card). */
async function certificatesOnCard(h: HostProcess, count = 2): Promise<CertificateInfo[]> {
  for (let i = 0; i < 100; i++) {
    const { certificates } = await h.call<{ certificates: CertificateInfo[] }>('list-certificates');
    if (certificates.length >= count) return certificates;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the card never showed its certificates');
}

const byKey = (certificates: CertificateInfo[], keyAlgorithm: string) => certificates.find((c) => c.keyAlgorithm === keyAlgorithm)!;

/** authenticate, and the exact bytes it signs. */
async function authenticate(h: HostProcess, certificateId: string, pin: string) {
  const text = challenge();
  const reply = await h.request<{ cms: string; certificate: string }>('authenticate', { certificateId, pin, origin: ORIGIN, challenge: text });
  return Object.assign(reply, { signed: Buffer.from(`tokensign-auth:1\n${ORIGIN}\n${text}`) });
}

describe('host on pcscd + OpenSC with a virtual PIV card', () => {
  it('lists the card and its two certificates, signs and authenticates with both keys, and OpenSSL verifies every CMS', async () => {
    await insert('A');
    const h = startCardHost();
    const { tokens } = await h.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ serial: 'a1a1a1a1a1a1a1a1', label: 'Карта А, вход', pin: { loginRequired: true, locked: false } });
    const certificates = await certificatesOnCard(h);
    expect(certificates.map((c) => c.keyAlgorithm).sort()).toEqual(['ECDSA-P256', 'RSA-2048']);
    expect(certificates.every((c) => c.hasPrivateKey && c.status === 'valid')).toBe(true);

    for (const certificate of certificates) {
      const auth = await authenticate(h, certificate.id, CARD_PIN);
      expect(auth.ok, JSON.stringify(auth)).toBe(true);
      if (!auth.ok) continue;
      const verified = opensslVerify(Buffer.from(auth.result.cms, 'base64'), pki.caCertPem, auth.signed);
      expect(verified.ok, verified.stderr).toBe(true);

      const data = Buffer.from(`Договор № 17 (${certificate.keyAlgorithm})`);
      const signed = await h.call<{ cms: string }>('sign', { certificateId: certificate.id, pin: CARD_PIN, data: data.toString('base64') });
      const check = opensslVerify(Buffer.from(signed.cms, 'base64'), pki.caCertPem, data);
      expect(check.ok, check.stderr).toBe(true);
      expect(check.content.equals(data)).toBe(true);
    }
  });

  it('counts wrong PINs from the card: PIN_INCORRECT, then the last try, then PIN_LOCKED', async () => {
    const c = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'RSA-2048');
    const expectError = async (pin: string, error: Record<string, unknown>) => {
      const reply = await authenticate(h, cert.id, pin);
      expect(reply.ok ? 'signed' : reply.error).toMatchObject(error);
    };
    await expectError('000000', { code: 'PIN_INCORRECT', finalTry: false });
    expect(c.applet.triesLeft).toBe(2);
    await expectError('000000', { code: 'PIN_INCORRECT', finalTry: true });
    expect(c.applet.triesLeft).toBe(1);
    const { tokens } = await h.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(tokens[0]?.pin).toMatchObject({ finalTry: true, locked: false });
    // The right PIN on the last try works and resets the card's counter.
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    expect(c.applet.triesLeft).toBe(3);

    await expectError('000000', { code: 'PIN_INCORRECT', finalTry: false });
    await expectError('000000', { code: 'PIN_INCORRECT', finalTry: true });
    await expectError('000000', { code: 'PIN_LOCKED' });
    expect(c.applet.triesLeft).toBe(0);
    await expectError(CARD_PIN, { code: 'PIN_LOCKED' });
    const after = await h.call<{ tokens: TokenInfo[] }>('list-tokens');
    expect(after.tokens[0]?.pin.locked).toBe(true);
  });

  it('answers TOKEN_REMOVED for a pulled card, and signs again once it is back', async () => {
    const first = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'ECDSA-P256');
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    await pullOut(first);
    const removed = await authenticate(h, cert.id, CARD_PIN);
    expect(removed.ok ? 'signed' : removed.error.code).toBe('TOKEN_REMOVED');
    expect((await h.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens).toEqual([]);
    const again = await insert('A');
    const back = await certificatesOnCard(h);
    expect(back.map((c) => c.id)).toContain(cert.id);
    const reply = await authenticate(h, cert.id, CARD_PIN);
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    expect(again.applet.signatures).toBe(1);
  });

  // The kept session from the first login dies with the card: the host must neither answer TOKEN_ERROR
  // (CKR_SESSION_HANDLE_INVALID, issue 15 defect 1) nor TOKEN_REMOVED while the card put back is still
  // powering up (a card answering its ATR 300 ms after pcscd asks: for that long the reader shows no
  // card, and the request comes within it).
  it.each([
    { when: 'put back between two requests (issue 15, defect 1)', atrDelayMs: 0 },
    { when: 'put back and still powering up', atrDelayMs: 300 },
  ])('signs at once on a card taken out and $when', async ({ atrDelayMs }) => {
    const first = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'RSA-2048');
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    await pullOut(first);
    const again = await insert('A', {}, { atrDelayMs });
    const reply = await authenticate(h, cert.id, CARD_PIN);
    expect(reply.ok ? 'signed' : reply.error).toBe('signed');
    expect(again.applet.signatures).toBe(1);
  });

  it('serves again after pcscd is restarted under a running host', async () => {
    const first = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'ECDSA-P256');
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    await pullOut(first);
    await pcscd.stop();
    await pcscd.start();
    await insert('A');
    const back = await certificatesOnCard(h);
    expect(back.map((c) => c.id)).toContain(cert.id);
    const reply = await authenticate(h, cert.id, CARD_PIN);
    expect(reply.ok ? 'signed' : reply.error).toBe('signed');
  });

  it('never returns a signature made by a card swapped under a running host, and then sees the new card (issue 15, defect 2)', async () => {
    const c = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'RSA-2048');
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    // Another person's card (same PIN, as cards left at their default often have) takes the reader;
    // all PC/SC shows of it is the reset another program makes.
    const other = cardApplet(pki, 'B', { pin: CARD_PIN });
    c.swapOnNextReset(other);
    await run('opensc-tool', ['--reset']);
    const reply = await authenticate(h, cert.id, CARD_PIN);
    expect(reply.ok ? 'signed by the other card' : reply.error.code).toBe('TOKEN_REMOVED');

    const now = await certificatesOnCard(h);
    expect(now.map((x) => x.subject.commonName).sort()).toEqual(['Карта Б, вход', 'Карта Б, подпись']);
    const signed = await authenticate(h, byKey(now, 'RSA-2048').id, CARD_PIN);
    expect(signed.ok, JSON.stringify(signed)).toBe(true);
    if (signed.ok) expect(opensslVerify(Buffer.from(signed.result.cms, 'base64'), pki.caCertPem, signed.signed).ok).toBe(true);
  });

  it('leaves a PIV card PIN-verified after C_Logout and exit with OpenSC as configured by default', async () => {
    // OpenSC 0.23 sends no PIV logout: C_Logout, C_CloseAllSessions and C_Finalize leave the card
    // verified (measured on this stack); only a reset, power-off or removal ends it. (OpenSC's
    // `disconnect_action = reset` resets it at the host's exit, but that exit sometimes hung for over
    // 10 s on this stack: an open defect, README security model, so it is not asserted here.)
    const first = await insert('A');
    const h = startCardHost();
    const cert = byKey(await certificatesOnCard(h), 'RSA-2048');
    expect((await authenticate(h, cert.id, CARD_PIN)).ok).toBe(true);
    expect(await h.close()).toBe(0);
    host = undefined;
    expect(first.applet.pinVerified).toBe(true);
  });

  it('tells a card put in and taken out as it happens (wait-token-event on OpenSC\'s C_WaitForSlotEvent)', async () => {
    const h = startCardHost();
    expect((await h.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens).toEqual([]);
    const now = await h.call<{ generation: number; changed: boolean; watched: number }>('wait-token-event', { generation: 0, timeoutMs: 0 });
    expect(now.watched).toBe(1);

    const waiting = h.request<{ generation: number; changed: boolean }>('wait-token-event', { generation: now.generation, timeoutMs: 30_000 });
    const c = await insert('A');
    const inserted = await waiting;
    expect(inserted.ok && inserted.result.changed).toBe(true);
    const certificates = await certificatesOnCard(h);
    expect(certificates).toHaveLength(2);

    const generation = inserted.ok ? inserted.result.generation : 0;
    const leaving = h.request<{ generation: number; changed: boolean }>('wait-token-event', { generation, timeoutMs: 30_000 });
    await c.remove();
    const removed = await leaving;
    expect(removed.ok && removed.result.changed && removed.result.generation > generation).toBe(true);
    expect((await h.call<{ tokens: TokenInfo[] }>('list-tokens')).tokens).toEqual([]);
    // The watcher thread blocked in C_WaitForSlotEvent does not hold the host when stdin ends.
    expect(await h.close()).toBe(0);
    host = undefined;
  });
});
