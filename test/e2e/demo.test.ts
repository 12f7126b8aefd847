// `npm run demo` headless (CI=true) from the built dist/relying-party/demo.mjs: a fresh demo folder,
// real SoftHSM token, host, extension and Chromium; the scripted user logs in. Then a broken token
// folder, where the demo must fail with a reason and a non-zero exit. Then the mode for a person at a
// display, with Chromium's headless Ozone backend standing in for the display this machine lacks.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/browser';

const DEMO = join(PROJECT_ROOT, 'dist', 'relying-party', 'demo.mjs');
let work: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>, timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) childEnv[k] = v;
    delete childEnv.DISPLAY;
    delete childEnv.WAYLAND_DISPLAY;
    const child = spawn(process.execPath, [DEMO], { cwd: PROJECT_ROOT, env: { ...childEnv, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the demo did not finish within ${timeoutMs / 1000} s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Width and height from a PNG's IHDR chunk; throws when the file is not a PNG. */
function pngSize(path: string): { width: number; height: number } {
  const png = readFileSync(path);
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

beforeAll(() => {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first`);
  work = mkdtempSync(join(tmpdir(), 'tokensign-demo-test-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm run demo (headless)', () => {
  it('makes its PKI, logs the director in through the picker, prints the line and saves both screenshots', async () => {
    const demoDir = join(work, 'demo');
    const outDir = join(work, 'out');
    const run = await runDemo({ TOKENSIGN_DEMO_DIR: demoDir, TOKENSIGN_DEMO_OUTPUT: outDir });
    expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^Вход выполнен: Иванов Иван Иванович, ООО "Ромашка", ИНН 007701234567$/m);
    expect(run.stdout).toMatch(/Портал: подпись проверена/);
    expect(existsSync(join(demoDir, 'pki.json'))).toBe(true);
    const picker = pngSize(join(outDir, 'picker.png'));
    const loggedIn = pngSize(join(outDir, 'logged-in.png'));
    expect(picker.width).toBeGreaterThan(300);
    expect(loggedIn.width).toBeGreaterThan(300);
    expect(readFileSync(join(outDir, 'picker.png')).equals(readFileSync(join(outDir, 'logged-in.png')))).toBe(false);
  });

  it('fails with a reason and a non-zero exit when the token is not there', async () => {
    // A saved PKI whose SoftHSM folder holds no token: the picker cannot list the director.
    const demoDir = join(work, 'broken');
    const tokens = join(demoDir, 'empty-tokens');
    mkdirSync(tokens, { recursive: true });
    const conf = join(demoDir, 'softhsm2.conf');
    writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const good = JSON.parse(readFileSync(join(work, 'demo', 'pki.json'), 'utf8')) as { caCertPem: string; director: { certDer: string; token: string } };
    writeFileSync(join(demoDir, 'pki.json'), JSON.stringify({ ...good, env: { SOFTHSM2_CONF: conf } }));
    const run = await runDemo({ TOKENSIGN_DEMO_DIR: demoDir, TOKENSIGN_DEMO_OUTPUT: join(work, 'out-broken') });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/demo failed: .*(certificate|certificates|token)/i);
    expect(run.stdout).not.toMatch(/Вход выполнен/);
  });

  it('with a display it opens the portal for the person, serves it, and cleans up on Ctrl+C', async () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'CI') env[k] = v;
    Object.assign(env, {
      DISPLAY: ':99',
      TOKENSIGN_DEMO_CHROMIUM_ARGS: '--ozone-platform=headless',
      TOKENSIGN_DEMO_DIR: join(work, 'demo'),
      TOKENSIGN_DEMO_OUTPUT: join(work, 'out-person'),
    });
    const child: ChildProcess = spawn(process.execPath, [DEMO], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('Закройте Chromium') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
      expect(stdout, stdout).toContain('Откройте окно Chromium');
      const portal = /Демо-портал: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      expect(portal, stdout).toBeDefined();
      const page = await fetch(`${portal}?lang=ru`);
      expect(await page.text()).toContain('Вход для руководителя организации');
      const profile = /профиле (\S+)/.exec(stdout)?.[1];
      expect(profile && existsSync(profile)).toBe(true);
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000))]);
      expect(code).toBe(130);
      expect(existsSync(profile!)).toBe(false);
      expect(stdout).not.toMatch(/Вход выполнен/);
      expect(existsSync(join(work, 'out-person', 'picker.png'))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
