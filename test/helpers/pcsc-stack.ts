// The real smart-card stack for tests: Debian's pcscd (started here as root, in the foreground,
// no systemd; stopped by pid) with only vsmartcard's vpcd reader configured, OpenSC's PKCS#11
// module on top, and virtual PIV cards (test/card) connecting to vpcd on TCP 35963.
// pcscd's socket (/run/pcscd/pcscd.comm) and vpcd's port are fixed, so only one stack may run on
// the machine at a time: every user takes the lock below first.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestPki, type FixtureCertSpec, type TestPki } from '../fixtures/pki';
import { PivApplet, type PivCardOptions } from '../card/piv-applet';
import { VPCD_PORT, VpcdCard } from '../card/vpcd-card';

export const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const PCSCD_SOCKET = '/run/pcscd/pcscd.comm';
const LOCK_DIR = join(tmpdir(), 'tokensign-card-stack.lock');
const NODELAY_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'card', 'nodelay-preload.c');

/** Why the stack cannot run here, or null when it can. */
export function cardStackUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'pcscd must be started as root';
  for (const path of ['/usr/sbin/pcscd', '/usr/lib/pcsc/drivers/serial/libifdvpcd.so', OPENSC_MODULE]) {
    if (!existsSync(path)) return `${path} is missing (npm run setup installs pcscd, vsmartcard-vpcd and opensc)`;
  }
  return null;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits for the machine-wide card-stack lock (a folder holding the owner's pid); returns its release. */
export async function lockCardStack(timeoutMs = 600_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch {
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
      } catch {
        // Being written or removed right now.
      }
      if (Number.isInteger(owner) && !pidAlive(owner)) rmSync(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the card stack stayed locked by pid ${owner} (${LOCK_DIR})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** pcscd in the foreground with a reader configuration holding only vpcd. */
export class Pcscd {
  private child: ChildProcess | undefined;
  private output = '';
  private readonly configDir: string;

  constructor() {
    this.configDir = mkdtempSync(join(tmpdir(), 'tokensign-pcscd-'));
    mkdirSync(join(this.configDir, 'readers'));
    // vpcd takes its TCP port from the device name (0x8C7B = 35963).
    const port = `0x${VPCD_PORT.toString(16).toUpperCase()}`;
    // See nodelay-preload.c: without it every APDU costs ~40 ms in vpcd's two-part writes.
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', join(this.configDir, 'nodelay.so'), NODELAY_SOURCE, '-ldl']);
    writeFileSync(
      join(this.configDir, 'readers', 'vpcd'),
      `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${port}\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID ${port}\n`,
    );
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts pcscd; resolves once its socket exists. */
  async start(): Promise<void> {
    if (existsSync(PCSCD_SOCKET)) rmSync(PCSCD_SOCKET, { force: true });
    const child = spawn('/usr/sbin/pcscd', ['--foreground', '--config', join(this.configDir, 'readers')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LD_PRELOAD: join(this.configDir, 'nodelay.so') },
    });
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    const deadline = Date.now() + 10_000;
    while (!existsSync(PCSCD_SOCKET)) {
      if (child.exitCode !== null) throw new Error(`pcscd exited at start (${child.exitCode}): ${this.output}`);
      if (Date.now() > deadline) throw new Error(`pcscd did not create ${PCSCD_SOCKET}: ${this.output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops pcscd by its pid and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  cleanup(): void {
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

const execFileAsync = promisify(execFile);

/**
 * Waits until pcscd reports the first vpcd reader with or without a card (asked through another
 * PC/SC client, `opensc-tool -l`). A card pulled out is seen at pcscd's next poll of the reader;
 * a module call that meets the missing card before that can hang in OpenSC 0.23 (see README).
 */
export async function waitForReader(present: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await execFileAsync('opensc-tool', ['--list-readers']).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
    const line = stdout.split('\n').find((l) => l.includes('Virtual PCD 00 00')) ?? '';
    if (/^\d+\s+(Yes|No)\b/.test(line) && line.includes(present ? 'Yes' : 'No')) return;
    if (Date.now() > deadline) throw new Error(`the reader never showed ${present ? 'a card' : 'no card'}: ${stdout}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const CARD_PIN = '123456';
export const OTHER_CARD_PIN = '24682468';

/** Two PIV cards' keys and certificates from the test PKI: each an RSA-2048 key in 9A and a P-256 key in 9C. */
export function createCardPki(): TestPki {
  const subject = (who: string) => `/CN=${who}/O=ООО "Ромашка"/C=RU`;
  const certs: FixtureCertSpec[] = [
    { name: 'cardA-auth', token: 'A', key: 'rsa2048', id: '01', label: 'PIV A 9A', subject: subject('Карта А, вход') },
    { name: 'cardA-sign', token: 'A', key: 'p256', id: '02', label: 'PIV A 9C', subject: subject('Карта А, подпись') },
    { name: 'cardB-auth', token: 'B', key: 'rsa2048', id: '01', label: 'PIV B 9A', subject: subject('Карта Б, вход') },
    { name: 'cardB-sign', token: 'B', key: 'p256', id: '02', label: 'PIV B 9C', subject: subject('Карта Б, подпись') },
  ];
  return createTestPki({ certs, noTokens: true });
}

/** The PIV applet of card "A" or "B" of createCardPki(). */
export function cardApplet(pki: TestPki, which: 'A' | 'B', options: Partial<PivCardOptions> = {}): PivApplet {
  const cert = (name: string) => pki.certs[name]!;
  const key = (reference: 0x9a | 0x9c, name: string) => ({
    reference,
    keyPem: readFileSync(cert(name).keyPem, 'utf8'),
    certificateDer: readFileSync(cert(name).certDer),
  });
  return new PivApplet({
    pin: which === 'A' ? CARD_PIN : OTHER_CARD_PIN,
    guid: Buffer.alloc(16, which === 'A' ? 0xa1 : 0xb2),
    keys: [key(0x9a, `card${which}-auth`), key(0x9c, `card${which}-sign`)],
    ...options,
  });
}

/** Environment for anything that loads OpenSC against this stack: its own cache folder, OpenSC the only module. */
export function openscEnv(dir: string): Record<string, string> {
  const cache = join(dir, 'cache');
  mkdirSync(cache, { recursive: true });
  return { TOKENSIGN_PKCS11_MODULES: OPENSC_MODULE, XDG_CACHE_HOME: cache };
}

export { PivApplet, VpcdCard };
