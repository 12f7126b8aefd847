// Host figures: cold start, warm authenticate, list-certificates; each beside its floor.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROME_EXTENSION_ID } from '../shared/extension-id';
import { createTestPki, type FixtureCertSpec, type FixtureToken, type TestPki } from '../test/fixtures/pki';
import { HostClient, type HostReplyFrame } from './host-client';
import { Pkcs11Floor } from './pkcs11-floor';
import type { Report } from './report';
import { progress, timeRuns } from './stats';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const HOST_BUNDLE = join(ROOT, 'dist', 'native-host', 'host.mjs');
const CHROME_ARG = `chrome-extension://${CHROME_EXTENSION_ID}/`;
const BENCH_ORIGIN = 'https://esia.gosuslugi.ru';

export function randomChallenge(): string {
  return randomBytes(32).toString('base64url');
}

function expectOk(reply: HostReplyFrame, what: string): Record<string, unknown> {
  if (!reply.ok || !reply.result) throw new Error(`${what}: ${reply.error?.code}: ${reply.error?.message}`);
  return reply.result;
}

/** Spawn → first reply to `command`, in milliseconds, for a fresh process each time: `script` under this
 * node, or `{ program }` (an executable, or another node with its script in `args`). */
export async function coldRun(script: string | { program: string; args?: string[] }, env: Record<string, string>, command: string): Promise<number> {
  const [program, args] = typeof script === 'string' ? [process.execPath, [script]] : [script.program, script.args ?? []];
  const client = new HostClient({ command: program, args: [...args, CHROME_ARG], env });
  const reply = await client.request(command, command === 'list-certificates' ? {} : undefined);
  const elapsed = performance.now() - client.spawnedAt;
  expectOk(reply, `${program} ${args.join(' ')} ${command}`);
  await client.close();
  return elapsed;
}

/** Interleaves floor and figure runs so that drift on the machine hits both alike. */
export async function interleaved(runs: number, a: () => Promise<number>, b: (() => Promise<number>) | null): Promise<[number[], number[]]> {
  const sa: number[] = [];
  const sb: number[] = [];
  await a();
  await b?.();
  for (let i = 0; i < runs; i++) {
    sa.push(await a());
    if (b) sb.push(await b());
  }
  return [sa, sb];
}

export const hostBuilt = (): boolean => existsSync(HOST_BUNDLE);

export async function benchColdStart(report: Report, pki: TestPki, runs: number): Promise<void> {
  progress(`cold start: ${runs} spawns each of the bare Node floor and the host`);
  const floorScript = join(ROOT, 'bench', 'floor-host.mjs');
  const [floor, host] = await interleaved(
    runs,
    () => coldRun(floorScript, pki.env, 'hello'),
    hostBuilt() ? () => coldRun(HOST_BUNDLE, pki.env, 'hello') : null,
  );
  const f = report.add('floor: bare Node process answering one frame', 'ms', floor, null);
  if (host.length) report.add('host cold start (spawn → hello reply)', 'ms', host, { name: f.name, value: f.value });
}

export async function benchWarmAuthenticate(report: Report, pki: TestPki, runs: number): Promise<void> {
  const rawFloor = new Pkcs11Floor(pki.modulePath, pki.env);
  const host = hostBuilt() ? new HostClient({ command: process.execPath, args: [HOST_BUNDLE, CHROME_ARG], env: pki.env }) : null;
  try {
    const listed = host ? expectOk(await host.request('list-certificates', {}), 'list-certificates') : { certificates: [] };
    const certificates = listed.certificates as Array<{ id: string; der: string }>;
    for (const [fixture, kind, label] of [
      ['p256', 'p256', 'ECDSA-P256'],
      ['rsa', 'rsa2048', 'RSA-2048'],
    ] as const) {
      const cert = pki.certs[fixture]!;
      const der = readFileSync(cert.certDer).toString('base64');
      const onToken = certificates.find((c) => c.der === der);
      if (host && !onToken) throw new Error(`host does not list the ${fixture} certificate`);
      const token = pki.tokens.find((t) => t.label === cert.token)!;
      progress(`warm authenticate ${label}: ${runs} runs each in-process and over one host`);
      const raw = rawFloor.signer({ tokenLabel: token.label, pin: token.pin, id: cert.id, kind }, BENCH_ORIGIN, randomChallenge());
      const authenticate = async () => {
        expectOk(
          await host!.request('authenticate', { certificateId: onToken!.id, pin: token.pin, origin: BENCH_ORIGIN, challenge: randomChallenge() }),
          'authenticate',
        );
      };
      // Floor and host alternate in short batches, so that drift on the machine hits both alike.
      const rawSamples: number[] = [];
      const hostSamples: number[] = [];
      await timeRuns(20, raw);
      if (host && onToken) await timeRuns(20, authenticate);
      for (let done = 0; done < runs; done += 20) {
        rawSamples.push(...(await timeRuns(20, raw)));
        if (host && onToken) hostSamples.push(...(await timeRuns(20, authenticate)));
      }
      const f = report.add(`floor: raw PKCS#11 session+login+find+sign+logout ${label}`, 'ms', rawSamples, null);
      if (!host || !onToken) continue;
      report.add(`host warm authenticate round trip ${label}`, 'ms', hostSamples, { name: f.name, value: f.value });
    }
  } finally {
    rawFloor.close();
    await host?.close();
  }
}

/** 5 tokens × 10 certificates (P-256, quick to make). */
export function createListPki(tokenCount = 5, perToken = 10): TestPki {
  const tokens: FixtureToken[] = [];
  const certs: FixtureCertSpec[] = [];
  for (let t = 1; t <= tokenCount; t++) {
    const label = `Bench Token ${t}`;
    tokens.push({ label, pin: '123456', soPin: '87654321' });
    for (let c = 1; c <= perToken; c++) {
      certs.push({
        name: `t${t}c${c}`,
        token: label,
        key: 'p256',
        id: (t * 16 + c).toString(16).padStart(2, '0'),
        label: `Bench ${t}.${c}`,
        subject: `/CN=Сотрудник ${t}.${c}/SN=Сотрудник/GN=Номер ${c}/O=ООО "Бенч ${t}"/C=RU/INN=007701234567`,
      });
    }
  }
  return createTestPki({ tokens, certs });
}

export async function benchListCertificates(report: Report, pki: TestPki, coldRuns: number, warmRuns: number): Promise<void> {
  const expected = Object.keys(pki.certs).length;
  const floorScript = join(ROOT, 'bench', 'floor-list.mjs');
  progress(`list-certificates cold (${pki.tokens.length} tokens × ${expected / pki.tokens.length}): ${coldRuns} spawns each`);
  const [floorCold, hostCold] = await interleaved(
    coldRuns,
    () => coldRun(floorScript, pki.env, 'list-certificates'),
    hostBuilt() ? () => coldRun(HOST_BUNDLE, pki.env, 'list-certificates') : null,
  );
  const fc = report.add(`floor: bare Node + pkcs11js reading ${expected} certificates, cold`, 'ms', floorCold, null);
  if (hostCold.length) report.add(`host list-certificates ${pki.tokens.length}×${expected / pki.tokens.length} cold (spawn → reply)`, 'ms', hostCold, {
    name: fc.name,
    value: fc.value,
  });

  progress(`list-certificates warm: ${warmRuns} calls each on one process`);
  const floor = new HostClient({ command: process.execPath, args: [floorScript], env: pki.env, stderr: 'ignore' });
  const host = hostBuilt() ? new HostClient({ command: process.execPath, args: [HOST_BUNDLE, CHROME_ARG], env: pki.env, stderr: 'ignore' }) : null;
  try {
    const check = async (client: HostClient, who: string) => {
      const result = expectOk(await client.request('list-certificates', {}), who);
      const count = (result.certificates as unknown[]).length;
      if (count !== expected) throw new Error(`${who} listed ${count} certificates, expected ${expected}`);
    };
    await check(floor, 'floor');
    const floorWarm = await timeRuns(warmRuns, () => check(floor, 'floor'), 3);
    const fw = report.add(`floor: bare Node + pkcs11js reading ${expected} certificates, warm`, 'ms', floorWarm, null);
    if (!host) return;
    await check(host, 'host');
    const hostWarm = await timeRuns(warmRuns, () => check(host, 'host'), 3);
    report.add(`host list-certificates ${pki.tokens.length}×${expected / pki.tokens.length} warm`, 'ms', hostWarm, {
      name: fw.name,
      value: fw.value,
    });
  } finally {
    await floor.close();
    await host?.close();
  }
}
