// Card-stack figures (pcscd + vpcd + OpenSC + the project's virtual PIV card, test/card), each
// beside a floor measured in the same run: warm authenticate on the card against the same on
// SoftHSM, and card insertion → its certificates listed by the host against insertion → pcscd
// reading the card's ATR (the PC/SC layer's own part of that time).
import { readFileSync } from 'node:fs';
import { findPickerPage, launchChromiumWithExtension } from '../test/helpers/browser';
import { openRecordingPage, PLAIN_PAGE, startPageServer, thumbprintOf } from '../test/helpers/recorded-chromium';
import type { TestPki } from '../test/fixtures/pki';
import { CARD_PIN, VpcdCard, cardApplet, cardStackUnavailable, openscEnv, startCardStack } from '../test/helpers/pcsc-stack';
import { HOST_BUNDLE, randomChallenge } from './host-bench';
import { HostClient, type HostReplyFrame } from './host-client';
import type { Report } from './report';
import { progress, timeRuns } from './stats';

const ORIGIN = 'https://esia.gosuslugi.ru';

function resultOf(reply: HostReplyFrame, what: string): Record<string, unknown> {
  if (!reply.ok || !reply.result) throw new Error(`${what}: ${reply.error?.code}: ${reply.error?.message}`);
  return reply.result;
}

type Listed = Array<{ id: string; keyAlgorithm: string; der: string }>;

async function certificatesOf(host: HostClient): Promise<Listed> {
  return resultOf(await host.request('list-certificates', {}), 'list-certificates').certificates as Listed;
}

/** One warm authenticate over `host` with the listed certificate `pick` chooses. */
async function authenticator(host: HostClient, pick: (c: Listed[number]) => boolean, pin: string): Promise<() => Promise<void>> {
  const certificate = (await certificatesOf(host)).find(pick);
  if (!certificate) throw new Error('the certificate to sign with is not listed');
  return async () => {
    resultOf(await host.request('authenticate', { certificateId: certificate.id, pin, origin: ORIGIN, challenge: randomChallenge() }), 'authenticate');
  };
}

/** Floor and figure in alternating batches of 10, so that drift on the machine hits both alike. */
async function alternating(runs: number, floor: () => Promise<void>, figure: () => Promise<void>): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  await timeRuns(10, floor);
  await timeRuns(10, figure);
  for (let done = 0; done < runs; done += 10) {
    a.push(...(await timeRuns(10, floor)));
    b.push(...(await timeRuns(10, figure)));
  }
  return [a, b];
}

/** Insertion → the card's certificates in list-certificates (over wait-token-event), and insertion → ATR read by pcscd. */
async function insertionRuns(pki: TestPki, host: HostClient, runs: number): Promise<[number[], number[]]> {
  const visible: number[] = [];
  const atr: number[] = [];
  let generation = resultOf(await host.request('wait-token-event', { timeoutMs: 0 }), 'wait-token-event').generation as number;
  for (let i = 0; i < runs; i++) {
    const card = new VpcdCard(cardApplet(pki, 'A'));
    let waiting = host.request('wait-token-event', { generation, timeoutMs: 30_000 }, 35_000);
    const start = performance.now();
    await card.insert();
    await card.whenSeen();
    atr.push(performance.now() - start);
    // As the picker would: at each event, list again (an event of the card taken out before may come first).
    for (let events = 0; ; events++) {
      generation = resultOf(await waiting, 'wait-token-event').generation as number;
      if ((await certificatesOf(host)).length >= 2) break;
      if (events > 5) throw new Error('the host never listed the inserted card');
      waiting = host.request('wait-token-event', { generation, timeoutMs: 30_000 }, 35_000);
    }
    visible.push(performance.now() - start);
    const gone = host.request('wait-token-event', { generation, timeoutMs: 30_000 }, 35_000);
    await card.remove();
    generation = resultOf(await gone, 'wait-token-event').generation as number;
  }
  return [visible, atr];
}

export async function benchCardStack(report: Report, softhsm: TestPki, runs: number, insertions: number): Promise<void> {
  const why = cardStackUnavailable();
  if (why) {
    report.skip('card stack', why);
    return;
  }
  const stack = await startCardStack();
  const { pki } = stack;
  const card = new VpcdCard(cardApplet(pki, 'A'));
  const onCard = new HostClient({ command: process.execPath, args: [HOST_BUNDLE, 'chrome-extension://bench/'], env: openscEnv(pki.dir) });
  const onSofthsm = new HostClient({ command: process.execPath, args: [HOST_BUNDLE, 'chrome-extension://bench/'], env: softhsm.env });
  try {
    await card.insert();
    await card.whenSeen();
    for (const [alg, fixture] of [
      ['ECDSA-P256', 'p256'],
      ['RSA-2048', 'rsa'],
    ] as const) {
      progress(`card stack: warm authenticate ${alg}, ${runs} runs each on SoftHSM and on the virtual PIV card`);
      const cert = softhsm.certs[fixture]!;
      const der = readFileSync(cert.certDer).toString('base64');
      const pin = softhsm.tokens.find((t) => t.label === cert.token)!.pin;
      const [onSofthsmSamples, samples] = await alternating(
        runs,
        await authenticator(onSofthsm, (c) => c.der === der, pin),
        await authenticator(onCard, (c) => c.keyAlgorithm === alg, CARD_PIN),
      );
      const floor = report.add(`floor: host warm authenticate round trip on SoftHSM ${alg}`, 'ms', onSofthsmSamples, null);
      report.add(`host warm authenticate round trip on the virtual PIV card ${alg}`, 'ms', samples, { name: floor.name, value: floor.value });
    }
    // Each authenticate reached the card: one GENERAL AUTHENTICATE per run (warm-ups included).
    if (card.applet.signatures !== 2 * (runs + 10)) throw new Error(`the card signed ${card.applet.signatures} times for ${2 * (runs + 10)} authenticates`);
    await card.remove();
    progress(`card stack: ${insertions} insertions`);
    const [visible, atr] = await insertionRuns(pki, onCard, insertions);
    const floor = report.add('floor: card insertion → pcscd reads its ATR', 'ms', atr, null);
    report.add('card insertion → its certificates listed by the host (wait-token-event)', 'ms', visible, { name: floor.name, value: floor.value });
  } finally {
    await onCard.close();
    await onSofthsm.close();
    await card.remove();
    await stack.stop();
  }
}

/**
 * Card insertion → its certificate shown in the extension's window (Chromium, the picker open on a
 * login with no card in the reader), beside insertion → pcscd reading the ATR in the same runs.
 */
export async function benchCardInsertionInWindow(report: Report, runs: number): Promise<void> {
  if (cardStackUnavailable()) return;
  progress(`card stack: ${runs} insertions while the window is open in Chromium`);
  const stack = await startCardStack();
  const browser = await launchChromiumWithExtension({ hostEnv: openscEnv(stack.pki.dir) });
  const server = await startPageServer({ '/': PLAIN_PAGE });
  try {
    const page = await openRecordingPage(browser.context, server.url());
    void page.evaluate(`window.postMessage({ type: 'tokensign:request', id: 'bench-insert', action: 'authenticate', params: { challenge: ${JSON.stringify(randomChallenge())} } }, location.origin)`);
    const picker = await findPickerPage(browser.context);
    const entry = `[data-testid=cert][data-thumbprint="${thumbprintOf(stack.pki.certs['cardA-auth']!.certDer)}"]`;
    const atr: number[] = [];
    const shown: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      const card = new VpcdCard(cardApplet(stack.pki, 'A'));
      const start = performance.now();
      await card.insert();
      const seen = card.whenSeen().then(() => performance.now() - start);
      await picker.waitForSelector(entry, { timeout: 30_000 });
      const visible = performance.now() - start;
      if (i > 0) {
        // The first one also starts OpenSC's view of the reader: left out.
        atr.push(await seen);
        shown.push(visible);
      }
      await card.remove();
      await picker.waitForSelector(entry, { state: 'detached', timeout: 30_000 });
    }
    const floor = report.add('floor: card insertion → pcscd reads its ATR (window runs)', 'ms', atr, null);
    report.add('card insertion → its certificate shown in the window (Chromium)', 'ms', shown, { name: floor.name, value: floor.value },
      'pcscd notices the card, OpenSC reports the slot event, the host answers wait-token-event, the picker lists again and redraws');
  } finally {
    await server.close();
    await browser.close();
    await stack.stop();
  }
}
