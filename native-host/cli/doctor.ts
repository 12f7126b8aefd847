// doctor (docs/PROTOCOL.md §5): checks everything between the browser and the token, each failure explained
// in plain words with the package or command that fixes it. The checks are the list DOCTOR_CHECKS below,
// their texts the table in doctor-messages.ts. The PKCS#11 checks go through the installed launcher with a
// browser-like minimal PATH, so doctor sees what the browser will see.
import { existsSync } from 'node:fs';
import { EXPIRY_WARNING_DAYS, type CertificateInfo, type HelloResult, type HostReply, type HostRequest, type TokenInfo } from '../../shared/protocol';
import { CHROME_EXTENSION_ID } from '../../shared/extension-id';
import { KNOWN_MODULES, resolveModulePaths, type ResolvedModules } from '../pkcs11/modules';
import type { DoctorOptions } from './args';
import type { CliContext } from './context';
import { M } from './doctor-messages';
import { exchangeWithHost, type HostExchange } from './host-client';
import { inspectManifest } from './host-manifest';
import { detectLanguage, tr, type Language, type Text } from './i18n';
import { readRecord, recordPathFor, type InstallRecord } from './install-record';
import { browserLocations, installDirectory, launcherFileName, manifestPaths, pathApi, registryPath, sandboxedBrowsers, type BrowserLocation, type InstallScope } from './locations';
import { readRegistryDefault } from './windows-registry';

export { inspectManifest };

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure (or a warning). */
  fix?: string;
  /** Passed, but the user should know (a certificate expiring soon, a sandboxed browser). */
  warning?: boolean;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/** What every check may look at; host replies are filled in once, before the host checks run. */
interface DoctorState {
  lang: Language;
  ctx: CliContext;
  records: InstallRecord[];
  /** Launchers named by correct manifests, user level first. */
  launchers: string[];
  exchange?: HostExchange;
  /** The host doctor talked to: the installed launcher, or (not installed) the bundle it runs from. */
  host?: { path: string; installed: boolean };
  resolved: ResolvedModules;
}

type DoctorStep = (s: DoctorState) => DoctorCheck[];

const HOST_TIMEOUT_MS = 20_000;
const MIN_NODE_MAJOR = 20;

function check(s: DoctorState, name: string, ok: boolean, detail: Text, fix?: Text, warning = false): DoctorCheck {
  return { name, ok, detail: tr(s.lang, detail), ...(fix ? { fix: tr(s.lang, fix) } : {}), ...(warning ? { warning } : {}) };
}

function installHint(browser?: string, scope: InstallScope = 'user'): string {
  return ['tokensign-host install', ...(browser ? [`--browsers ${browser}`] : []), ...(scope === 'system' ? ['--system'] : [])].join(' ');
}

const checkRuntime: DoctorStep = (s) => {
  const version = process.versions.node;
  if (s.ctx.executable) return [check(s, 'node', true, M.executable(s.ctx.executable, version))];
  const ok = Number(version.split('.')[0]) >= MIN_NODE_MAJOR;
  return [check(s, 'node', ok, M.node(version, s.ctx.execPath, ok ? null : MIN_NODE_MAJOR), ok ? undefined : M.nodeFix(MIN_NODE_MAJOR))];
};

/** The manifest files a browser would read, user level first, each with its scope. */
function manifestCandidates(ctx: CliContext, loc: BrowserLocation): Array<{ path: string; scope: InstallScope }> {
  const scopes: InstallScope[] = ['user', 'system'];
  if (ctx.platform === 'win32') {
    return scopes.flatMap((scope) => {
      const key = registryPath(loc, scope);
      const value = key === null ? null : readRegistryDefault(ctx.registry, key);
      return value ? [{ path: value, scope }] : [];
    });
  }
  return scopes.flatMap((scope) => manifestPaths(ctx, loc, scope).map((path) => ({ path, scope })));
}

function browserManifestChecks(s: DoctorState, loc: BrowserLocation, developmentIds: string[]): DoctorCheck[] {
  const name = `manifest:${loc.variant}`;
  const present = manifestCandidates(s.ctx, loc).filter((c) => existsSync(c.path));
  if (present.length === 0) {
    const where = s.ctx.platform === 'win32' ? (registryPath(loc, 'user') ?? '') : [...manifestPaths(s.ctx, loc, 'user'), ...manifestPaths(s.ctx, loc, 'system')].join(', ');
    return [check(s, name, false, M.manifestMissing(loc.displayName, where), M.manifestMissingFix(installHint(loc.browser)))];
  }
  return present.map(({ path, scope }) => {
    const result = inspectManifest(path, loc.family, s.ctx.platform, loc.family === 'chromium' ? developmentIds : []);
    if (result.ok) {
      s.launchers.push(result.launcher);
      return check(s, name, true, M.manifestOk(loc.displayName, path, result.launcher, scope === 'system'));
    }
    const recordedSystem = s.records.some((r) => r.scope === 'system');
    const fix = scope === 'system' && !recordedSystem ? M.systemManifestFix : M.userManifestFix(installHint(loc.browser, scope));
    return check(s, name, false, { en: `${loc.displayName}: ${result.problem.en}`, ru: `${loc.displayName}: ${result.problem.ru}` }, fix);
  });
}

/** Every browser this machine has, this user has run, an install registered, or that has a manifest. */
const checkManifests: DoctorStep = (s) => {
  const recorded = new Set(s.records.flatMap((r) => r.browsers.map((b) => b.variant)));
  const developmentIds = [...new Set(s.records.flatMap((r) => r.extensionIds))];
  const checks = browserLocations(s.ctx)
    .filter((loc) => recorded.has(loc.variant) || [...loc.profileDirs, ...loc.programPaths].some(existsSync) || manifestCandidates(s.ctx, loc).some((c) => existsSync(c.path)))
    .flatMap((loc) => browserManifestChecks(s, loc, developmentIds));
  return checks.length > 0 ? checks : [check(s, 'browsers', false, M.noBrowser, M.noBrowserFix)];
};

const checkSandboxes: DoctorStep = (s) =>
  sandboxedBrowsers(s.ctx)
    .filter((b) => existsSync(b.dataDir))
    .map((b) => {
      const name = `sandbox:${b.variant}`;
      if (b.family !== 'firefox') return check(s, name, true, M.sandboxChromium(b.displayName), M.sandboxChromiumFix, true);
      return b.kind === 'snap'
        ? check(s, name, true, M.sandboxFirefoxSnap(b.displayName), M.sandboxFirefoxSnapFix, true)
        : check(s, name, true, M.sandboxFirefoxFlatpak(b.displayName), M.sandboxFirefoxFlatpakFix, true);
    });

function replyResult<T>(exchange: HostExchange | undefined, id: string): { ok: true; result: T } | { ok: false; message: string } {
  const reply: HostReply | undefined = exchange?.replies.get(id);
  if (!reply) return { ok: false, message: exchange?.failure ?? 'no reply' };
  if (reply.ok) return { ok: true, result: reply.result as T };
  return { ok: false, message: `${reply.error.code}: ${reply.error.message}` };
}

const checkLauncher: DoctorStep = (s) => {
  if (!s.host) return [];
  const hello = replyResult<HelloResult>(s.exchange, '1');
  const name = s.host.installed ? 'launcher' : 'host';
  const missing = s.host.installed ? [] : [check(s, 'launcher', false, M.launcherMissing(defaultLauncher(s.ctx)), M.launcherMissingFix)];
  if (!hello.ok && !s.exchange) return missing;
  if (!hello.ok) {
    const stderr = (s.exchange?.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    return [...missing, check(s, name, false, M.noHello(s.host.path, hello.message, stderr), M.noHelloFix)];
  }
  if (!s.host.installed) return missing;
  return [check(s, name, true, M.hello(s.host.path, hello.result.version, hello.result.protocol, s.exchange?.elapsedMs ?? 0))];
};

function helloModules(s: DoctorState): NonNullable<HelloResult['modules']> | null {
  const hello = replyResult<HelloResult>(s.exchange, '1');
  if (!hello.ok) return null;
  return Array.isArray(hello.result.modules) ? hello.result.modules : [];
}

const checkModules: DoctorStep = (s) => {
  const modules = helloModules(s);
  if (modules === null) return [];
  const config = s.resolved.configFile ?? 'config.json';
  const checks: DoctorCheck[] = [];
  if (s.resolved.configError) checks.push(check(s, 'pkcs11-config', false, M.configBroken(s.resolved.configError), M.configBrokenFix(config)));
  if (modules.length === 0) {
    return [...checks, check(s, 'pkcs11-modules', false, M.noModules(KNOWN_MODULES.map((k) => k.vendor).join(', ')), M.noModulesFix(config))];
  }
  const how = s.resolved.source === 'config' ? M.modulesFrom.config(config) : M.modulesFrom[s.resolved.source];
  checks.push(check(s, 'pkcs11-modules', true, M.modules(modules.length, how)));
  for (const m of modules) {
    checks.push(m.loaded ? check(s, `module:${m.path}`, true, M.moduleLoaded(m.path)) : check(s, `module:${m.path}`, false, M.moduleFailed(m.path, m.error), M.moduleFailedFix));
  }
  return checks;
};

function tokenList(s: DoctorState): TokenInfo[] {
  const tokens = replyResult<{ tokens: TokenInfo[] }>(s.exchange, '2');
  return tokens.ok && Array.isArray(tokens.result.tokens) ? tokens.result.tokens : [];
}

const checkTokens: DoctorStep = (s) => {
  const modules = helloModules(s);
  if (modules === null) return [];
  // Without a loaded module no token can be listed: one plain sentence instead of two host errors.
  if (!modules.some((m) => m.loaded)) return [check(s, 'tokens', false, M.tokensNotLooked)];
  const tokens = replyResult<{ tokens: TokenInfo[] }>(s.exchange, '2');
  if (!tokens.ok) return [check(s, 'tokens', false, M.tokensFailed(tokens.message))];
  const list = tokenList(s);
  if (list.length === 0) return [check(s, 'tokens', false, M.noTokens, M.noTokensFix)];
  const checks = [check(s, 'tokens', true, M.tokens(list.map((t) => `${t.label} (${t.manufacturer} ${t.model}, №${t.serial})`).join('; ')))];
  for (const t of list) {
    if (t.pin?.locked) checks.push(check(s, `token:${t.id}`, false, M.pinLocked(t.label), M.pinLockedFix));
    else if (t.pin?.finalTry) checks.push(check(s, `token:${t.id}`, true, M.pinFinalTry(t.label), undefined, true));
    else if (t.pin?.countLow) checks.push(check(s, `token:${t.id}`, true, M.pinCountLow(t.label), undefined, true));
  }
  return checks;
};

function certificateCheck(s: DoctorState, cert: CertificateInfo, tokenLabel: string): DoctorCheck {
  const who = `${cert.subject.commonName || cert.label} (${tokenLabel}, ${cert.keyAlgorithm})`;
  const name = `certificate:${cert.thumbprint.slice(0, 16)}`;
  const until = cert.notAfter.slice(0, 10);
  if (cert.status === 'expired') return check(s, name, true, M.certExpired(who, until), M.renew, true);
  if (cert.status === 'not-yet-valid') return check(s, name, true, M.certNotYet(who, cert.notBefore.slice(0, 10)), undefined, true);
  if (!cert.hasPrivateKey) return check(s, name, true, M.certNoKey(who, until), undefined, true);
  if (cert.expiresInDays <= EXPIRY_WARNING_DAYS) return check(s, name, true, M.certExpiring(who, cert.expiresInDays, until), M.renew, true);
  return check(s, name, true, M.certValid(who, until));
}

const checkCertificates: DoctorStep = (s) => {
  const modules = helloModules(s);
  const tokens = tokenList(s);
  if (modules === null || !modules.some((m) => m.loaded)) return [];
  const certs = replyResult<{ certificates: CertificateInfo[] }>(s.exchange, '3');
  if (!certs.ok) return [check(s, 'certificates', false, M.certificatesFailed(certs.message))];
  if (tokens.length === 0) return [];
  const list = Array.isArray(certs.result.certificates) ? certs.result.certificates : [];
  const labelOf = new Map(tokens.map((t) => [t.id, t.label]));
  const usable = list.filter((c) => c.status === 'valid' && c.hasPrivateKey).length;
  const summary = usable > 0 ? check(s, 'certificates', true, M.certificates(list.length, usable)) : check(s, 'certificates', false, M.noUsable(list.length), M.noUsableFix);
  return [summary, ...list.map((c) => certificateCheck(s, c, labelOf.get(c.tokenId) ?? c.tokenId))];
};

/** The order doctor reports in. The host is asked once, between the manifest and the launcher checks. */
export const DOCTOR_CHECKS: Array<DoctorStep | 'ask-host'> = [checkRuntime, checkManifests, 'ask-host', checkLauncher, checkModules, checkTokens, checkCertificates, checkSandboxes];

function defaultLauncher(ctx: CliContext): string {
  return pathApi(ctx.platform).join(installDirectory(ctx, 'user'), launcherFileName(ctx.platform));
}

/** Asks the installed host (or, not installed, the one doctor runs from) hello, list-tokens, list-certificates. */
async function askHost(s: DoctorState): Promise<void> {
  const launcher = s.records[0]?.launcher ?? s.launchers[0] ?? defaultLauncher(s.ctx);
  const requests: HostRequest[] = [
    { id: '1', command: 'hello' },
    { id: '2', command: 'list-tokens' },
    { id: '3', command: 'list-certificates' },
  ];
  const origin = `chrome-extension://${CHROME_EXTENSION_ID}/`;
  if (existsSync(launcher)) {
    // Browsers start hosts with a minimal PATH but the session's other variables; do the same.
    const env: NodeJS.ProcessEnv = { ...s.ctx.env, ...(s.ctx.platform !== 'win32' ? { PATH: '/usr/bin:/bin' } : {}) };
    // A .bat needs cmd.exe (shell), and the shell needs the path quoted: it may hold spaces.
    const win = s.ctx.platform === 'win32';
    s.host = { path: launcher, installed: true };
    s.exchange = await exchangeWithHost({ command: win ? `"${launcher}"` : launcher, args: [origin], env, requests, timeoutMs: HOST_TIMEOUT_MS, shell: win });
    return;
  }
  const self = s.ctx.executable ?? (s.ctx.bundleDir ? pathApi(s.ctx.platform).join(s.ctx.bundleDir, 'host.mjs') : null);
  s.host = { path: self ?? launcher, installed: false };
  if (self === null || !existsSync(self)) return;
  const [command, args] = s.ctx.executable ? [self, [origin]] : [s.ctx.execPath, [self, origin]];
  s.exchange = await exchangeWithHost({ command, args, env: s.ctx.env, requests, timeoutMs: HOST_TIMEOUT_MS });
}

export async function collectDoctorReport(ctx: CliContext): Promise<DoctorReport> {
  const records = (['user', 'system'] as const).map((scope) => readRecord(recordPathFor(ctx, scope))).filter((r): r is InstallRecord => r !== null);
  const s: DoctorState = { lang: detectLanguage(ctx.env), ctx, records, launchers: [], resolved: resolveModulePaths({ env: ctx.env, platform: ctx.platform, home: ctx.home }) };
  const checks: DoctorCheck[] = [];
  for (const step of DOCTOR_CHECKS) {
    if (step === 'ask-host') await askHost(s);
    else checks.push(...step(s));
  }
  return { ok: checks.every((c) => c.ok), checks };
}

export function formatReport(lang: Language, report: DoctorReport): string {
  const lines = [tr(lang, M.title)];
  for (const c of report.checks) {
    lines.push(`${tr(lang, !c.ok ? M.fail : c.warning ? M.warn : M.ok)} ${c.detail}`);
    if (c.fix && (!c.ok || c.warning)) lines.push(`       ${tr(lang, M.fixLabel)}: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push(tr(lang, failed === 0 ? M.allGood : M.problems(failed)));
  return lines.join('\n');
}

export async function runDoctor(ctx: CliContext, options: DoctorOptions): Promise<number> {
  const report = await collectDoctorReport(ctx);
  ctx.out(options.json ? JSON.stringify(report, null, 2) : formatReport(detectLanguage(ctx.env), report));
  return report.ok ? 0 : 1;
}
