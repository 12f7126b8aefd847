// The packaged host (dist/test-packages/tokensign-host, a Node single executable application) on a
// machine without Node: PATH holds no node, and the executable answers hello, list-certificates and
// authenticate against real SoftHSM tokens; OpenSSL verifies the login signature. Its own install,
// doctor and uninstall work from the executable too, and trust the .crx's id it was built for.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authPayload, type CertificateInfo, type HelloResult } from '../../shared/protocol';
import { exchangeWithHost, type HostExchange } from '../../native-host/cli/host-client';
import { createTestPki, type TestPki } from '../fixtures/pki';
import { opensslVerify } from '../helpers/cms-verify';
import { ensureTestPackages, type TestPackages } from '../helpers/packages';

const CHALLENGE = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5d2FsZG8';
/** Folders with no node in them: what a person's machine without Node.js offers. */
const NO_NODE_PATH = '/usr/sbin:/sbin';

let packages: TestPackages;
let pki: TestPki;
let work: string;
let executable: string;

function reply<T>(exchange: HostExchange, id: string): T {
  const r = exchange.replies.get(id);
  if (!r?.ok) throw new Error(`no good reply ${id}: ${JSON.stringify(r)} ${exchange.failure ?? ''} ${exchange.stderr}`);
  return r.result as T;
}

function run(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(executable, args, { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  packages = await ensureTestPackages();
  pki = createTestPki();
  // A copy in a folder of its own, as a person would unpack it: the executable and pkcs11.node beside it.
  work = mkdtempSync(join(tmpdir(), 'tokensign-executable-'));
  mkdirSync(join(work, 'bin'));
  executable = join(work, 'bin', 'tokensign-host');
  copyFileSync(packages.executable, executable);
  copyFileSync(join(packages.dir, 'pkcs11.node'), join(work, 'bin', 'pkcs11.node'));
  expect(spawnSync('sh', ['-c', 'command -v node'], { env: { PATH: NO_NODE_PATH } }).status).not.toBe(0);
}, 600_000);

afterAll(() => {
  pki?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged host executable, with no node on PATH', () => {
  it('answers hello, list-certificates and authenticate; OpenSSL verifies the login', async () => {
    const env = { PATH: NO_NODE_PATH, ...pki.env };
    const origin = 'https://portal.example';
    const first = await exchangeWithHost({
      command: executable,
      args: [`chrome-extension://${packages.crxId}/`],
      env,
      requests: [
        { id: '1', command: 'hello' },
        { id: '2', command: 'list-certificates' },
      ],
      timeoutMs: 30_000,
    });
    const hello = reply<HelloResult>(first, '1');
    expect(hello).toMatchObject({ protocol: 1, version: packages.version });
    const certificates = reply<{ certificates: CertificateInfo[] }>(first, '2').certificates;
    const director = certificates.find((c) => c.label === 'Director RSA');
    expect(director?.status).toBe('valid');
    const second = await exchangeWithHost({
      command: executable,
      args: [`chrome-extension://${packages.crxId}/`],
      env,
      requests: [{ id: '3', command: 'authenticate', params: { certificateId: director?.id, pin: '123456', origin, challenge: CHALLENGE } }],
      timeoutMs: 30_000,
    });
    const login = reply<{ format: string; cms: string }>(second, '3');
    expect(login.format).toBe('tokensign-auth:1');
    const cms = Buffer.from(login.cms, 'base64');
    expect(opensslVerify(cms, pki.caCertPem, authPayload(origin, CHALLENGE))).toMatchObject({ ok: true });
    expect(opensslVerify(cms, pki.caCertPem, authPayload('https://evil.example', CHALLENGE)).ok).toBe(false);
  });

  it('reports a wrong PIN as PIN_INCORRECT: the token parts (an asset compiled on first use) share the error classes of the main script', async () => {
    // Were the parts bundled with their own copy of shared/errors.ts, the host would not know the
    // error for one of its own and would answer INTERNAL.
    const env = { PATH: NO_NODE_PATH, ...pki.env };
    const exchange = await exchangeWithHost({
      command: executable,
      args: [`chrome-extension://${packages.crxId}/`],
      env,
      requests: [{ id: 'list', command: 'list-certificates' }],
      timeoutMs: 30_000,
    });
    const director = reply<{ certificates: CertificateInfo[] }>(exchange, 'list').certificates.find((c) => c.label === 'Director RSA');
    const wrong = await exchangeWithHost({
      command: executable,
      args: [`chrome-extension://${packages.crxId}/`],
      env,
      requests: [{ id: 'login', command: 'authenticate', params: { certificateId: director?.id, pin: '000000', origin: 'https://portal.example', challenge: CHALLENGE } }],
      timeoutMs: 30_000,
    });
    expect(wrong.replies.get('login')).toMatchObject({ ok: false, error: { code: 'PIN_INCORRECT' } });
  });

  it('installs itself for a person (trusting the .crx id it was built for), passes doctor, and uninstalls', () => {
    const home = mkdtempSync(join(tmpdir(), 'tokensign-executable-home-'));
    try {
      mkdirSync(join(home, '.config', 'chromium'), { recursive: true });
      const env = { HOME: home, PATH: NO_NODE_PATH, LANG: 'C.UTF-8', ...pki.env };
      const installed = run(['install', '--browsers', 'chromium,firefox'], env);
      expect(installed.stderr).toBe('');
      expect(installed.status).toBe(0);
      const dir = join(home, '.local', 'share', 'tokensign');
      expect(readFileSync(join(dir, 'tokensign-host')).equals(readFileSync(executable))).toBe(true);
      expect(existsSync(join(dir, 'pkcs11.node'))).toBe(true);
      const manifest = JSON.parse(readFileSync(join(home, '.config', 'chromium', 'NativeMessagingHosts', 'org.tokensign.host.json'), 'utf8')) as { path: string; allowed_origins: string[] };
      expect(manifest).toMatchObject({ path: join(dir, 'tokensign-host'), allowed_origins: [`chrome-extension://${packages.crxId}/`] });
      const doctor = run(['doctor', '--json'], env);
      const report = JSON.parse(doctor.stdout) as { ok: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.checks.find((c) => c.name === 'node')?.detail).toMatch(/^Tokensign host executable .* \(Node\.js 24\.\d+\.\d+ built in\)$/);
      expect(run(['uninstall'], env).status).toBe(0);
      expect(existsSync(dir)).toBe(false);
      expect(existsSync(join(home, '.local', 'bin', 'tokensign-host'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
