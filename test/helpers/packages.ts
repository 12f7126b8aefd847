// The packages under test, built once per `npm run build` (dist/test-packages, xz level 0: the same files
// as a release, compressed faster), and a private root to install them into: a mount namespace whose
// /etc /usr /opt /var are copy-on-write overlays, so dpkg and rpm change nothing on the machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from './host-process';

export const TEST_PACKAGES_DIR = join(PROJECT_ROOT, 'dist', 'test-packages');
const STAMP = join(TEST_PACKAGES_DIR, 'built-from.json');
const LOCK = join(PROJECT_ROOT, 'dist', '.test-packages.lock');
const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface TestPackages {
  dir: string;
  version: string;
  executable: string;
  deb: string;
  rpm: string;
  crx: string;
  xpi: string;
  zip: string;
  updatesXml: string;
  /** The id of the throwaway key that signed the .crx, baked into the host's manifests. */
  crxId: string;
}

/** What the packages are built from: `npm run build`'s outputs. */
function buildInputs(): string {
  const inputs = ['native-host/host.mjs', 'chrome/manifest.json', 'firefox/manifest.json'].map((f) => join(PROJECT_ROOT, 'dist', f));
  for (const f of inputs) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run build\` first`);
  return JSON.stringify(inputs.map((f) => [f, statSync(f).mtimeMs]));
}

function describePackages(): TestPackages {
  const dir = TEST_PACKAGES_DIR;
  const updatesXml = join(dir, 'updates.xml');
  const crxId = /appid='([a-p]{32})'/.exec(readFileSync(updatesXml, 'utf8'))?.[1];
  if (!crxId) throw new Error(`${updatesXml} names no extension id`);
  return {
    dir,
    version: VERSION,
    executable: join(dir, 'tokensign-host'),
    deb: join(dir, `tokensign-host_${VERSION}_amd64.deb`),
    rpm: join(dir, `tokensign-host-${VERSION}-1.x86_64.rpm`),
    crx: join(dir, `tokensign-${VERSION}.crx`),
    xpi: join(dir, `tokensign-${VERSION}.xpi`),
    zip: join(dir, `tokensign-${VERSION}-chrome.zip`),
    updatesXml,
    crxId,
  };
}

function runPackageBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'TOKENSIGN_CRX_KEY') env[k] = v;
    env.TOKENSIGN_PACKAGE_XZ_LEVEL = '0';
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'packaging', 'package.ts'), '--out', TEST_PACKAGES_DIR], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`npm run package failed (${code}):\n${stderr}`))));
  });
}

/** A build takes a few minutes; a lock older than this was left by a run that was killed. */
const STALE_LOCK_MS = 20 * 60 * 1000;

/** Builds the packages unless this build of dist/ already has them; other test files wait for the one building. */
export async function ensureTestPackages(): Promise<TestPackages> {
  const inputs = buildInputs();
  const fresh = (): boolean => existsSync(STAMP) && readFileSync(STAMP, 'utf8') === inputs;
  for (;;) {
    if (fresh()) return describePackages();
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test file is building them: wait for its stamp, or take over a lock its killed run left.
      const since = statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs;
      if (since !== undefined && Date.now() - since > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    try {
      if (!fresh()) {
        await runPackageBuild();
        writeFileSync(STAMP, inputs);
      }
      return describePackages();
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}

const OVERLAID = ['etc', 'usr', 'opt', 'var'];

/** Bookkeeping the package managers keep about themselves, not files of a package. */
const BOOKKEEPING = [/^\/var\/lib\/dpkg\//, /^\/var\/log\//, /^\/var\/lib\/rpm\//, /^\/var\/cache\/ldconfig\//, /^\/etc\/ld\.so\.cache$/, /^\/var\/lib\/rpm$/, /^\/var\/cache\/ldconfig$/];

/** A mount namespace whose /etc /usr /opt /var are overlays on the real ones; everything else is shared. */
export class PrivateRoot {
  private constructor(
    private readonly holder: ChildProcess,
    private readonly work: string,
  ) {}

  static async start(): Promise<PrivateRoot> {
    const work = mkdtempSync(join(tmpdir(), 'tokensign-private-root-'));
    const mounts = OVERLAID.map((d) => {
      const upper = join(work, d, 'upper');
      const wd = join(work, d, 'work');
      mkdirSync(upper, { recursive: true });
      mkdirSync(wd, { recursive: true });
      return `mount -t overlay overlay -o lowerdir=/${d},upperdir=${upper},workdir=${wd} /${d}`;
    });
    // The holder keeps the namespace alive; commands join it with nsenter.
    const holder = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `set -e; ${mounts.join('; ')}; echo ready; exec sleep 86400`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      holder.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      holder.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      holder.on('close', (code) => reject(new Error(`unshare failed (${code}): ${err}`)));
    });
    return new PrivateRoot(holder, work);
  }

  get pid(): number {
    return this.holder.pid ?? 0;
  }

  /** Runs a command inside the namespace. */
  run(command: string, args: string[], env: Record<string, string> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, input?: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync('nsenter', ['-t', String(this.pid), '-m', '--', command, ...args], { env, encoding: 'utf8', timeout: 120_000, input });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Writes a file inside the namespace (through its own view of the overlays). */
  writeFile(path: string, content: string): void {
    const r = this.run('sh', ['-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', path], undefined, content);
    if (r.status !== 0) throw new Error(`writing ${path} in the private root failed: ${r.stderr}`);
  }

  exists(path: string): boolean {
    return this.run('test', ['-e', path]).status === 0;
  }

  /** An executable that starts `program` inside the namespace (for a browser driver to launch). */
  wrapper(program: string): string {
    const path = join(this.work, `in-root-${program.replace(/\W/g, '_')}`);
    writeFileSync(path, `#!/bin/sh\nexec nsenter -t ${this.pid} -m -- ${program} "$@"\n`, { mode: 0o755 });
    return path;
  }

  /** Files and folders that exist only inside the namespace (not on the real machine), bookkeeping aside. */
  newPaths(): string[] {
    const out: string[] = [];
    const walk = (upper: string, path: string): void => {
      for (const name of readdirSync(upper)) {
        const inUpper = join(upper, name);
        const real = `${path}/${name}`;
        const st = lstatSync(inUpper);
        if (st.isCharacterDevice()) continue; // a whiteout: something removed, not added
        if (!existsSync(real) && !BOOKKEEPING.some((re) => re.test(real))) out.push(real);
        if (st.isDirectory() && !BOOKKEEPING.some((re) => re.test(`${real}/`))) walk(inUpper, real);
      }
    };
    for (const d of OVERLAID) walk(join(this.work, d, 'upper'), `/${d}`);
    return out.sort();
  }

  stop(): void {
    this.holder.kill('SIGKILL');
    rmSync(this.work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
