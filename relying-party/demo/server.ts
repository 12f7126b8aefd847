// The demo portal: a small node:http server on loopback. GET / is the login page, POST /api/challenge
// issues a single-use challenge (bound to the browser by a cookie), POST /api/login verifies the
// Tokensign answer with the library against the demo CA, for the server's own configured origin.
import { build } from 'esbuild';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createChallengeStore, type ChallengeStore } from '../challenge-store';
import { VerificationError } from '../errors';
import type { TrustedCertificateInput } from '../chain';
import type { RevocationOptions } from '../revocation/index';
import { verifyAuthentication, type VerifiedAuthentication } from '../verify';
import { TEXTS, isLang, negotiateLang, type Lang } from './i18n';
import { DEMO_CSS } from './style';

export interface DemoServerOptions {
  /** Repository root (the page script is bundled from its sources). */
  root: string;
  trustedCertificates: readonly TrustedCertificateInput[];
  /** 127.0.0.1 by default; loopback only, as the demo serves plain http. */
  host?: '127.0.0.1' | 'localhost';
  /** 0 (a free port) by default. */
  port?: number;
  /** The origin signatures must name; defaults to http://<host>:<port>. Never taken from a request. */
  origin?: string;
  challengeStore?: ChallengeStore;
  /** The library's revocation policy (default: OCSP then CRL, fail closed). */
  revocation?: RevocationOptions;
  /**
   * Let an organization's head log in with a certificate that is not qualified. Off by default: a portal for
   * heads of organizations refuses those (NOT_QUALIFIED), as the law requires a qualified signature there.
   */
  allowUnqualifiedOrganizations?: boolean;
  /** Called after each verified login and each refused one (for the console and tests). */
  onLogin?: (event: LoginEvent) => void;
}

export type LoginEvent = { ok: true; user: LoggedInUser; result: VerifiedAuthentication } | { ok: false; code: string; detail: string };

export interface LoggedInUser {
  name: string;
  title?: string;
  organization?: string;
  inn?: string;
  innle?: string;
  ogrn?: string;
  snils?: string;
  ogrnip?: string;
  /** 'legal-entity' | 'entrepreneur' | 'person' */
  holder: string;
  qualified: boolean;
  /** Protection classes (KC1, …) of a qualified certificate. */
  protectionClasses: string[];
  revocation: { status: 'good' | 'not-checked'; source: string | null; checkedAt: string | null };
  issuer: string;
  validUntil: string;
  signedAt: string;
}

export interface DemoServer {
  origin: string;
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;
const CHALLENGE_COOKIE = 'tokensign_challenge';
const LANG_COOKIE = 'lang';

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

let clientBundle: Promise<string> | undefined;

/** The page script (page client + app) for the browser, bundled once per process. */
export function bundleDemoClient(root: string): Promise<string> {
  clientBundle ??= build({
    entryPoints: [join(root, 'relying-party', 'demo', 'page', 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    logLevel: 'silent',
  }).then((r) => {
    const file = r.outputFiles[0];
    if (!file) throw new Error('esbuild produced no page script');
    return file.text;
  });
  return clientBundle;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

const EMBLEM =
  '<svg class="emblem" viewBox="0 0 48 48" aria-hidden="true"><circle cx="24" cy="24" r="22" fill="#fff"/>' +
  '<path d="M24 8l4 8 9 1-6.5 6 1.7 9L24 27.5 15.8 32l1.7-9L11 17l9-1z" fill="#0d4cd3"/>' +
  '<rect x="14" y="34" width="20" height="4" rx="2" fill="#ee3f58"/></svg>';

export function renderLoginPage(lang: Lang): string {
  const t = TEXTS[lang];
  const other: Lang = lang === 'ru' ? 'en' : 'ru';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.htmlTitle)}</title>
<link rel="stylesheet" href="/style.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/">${EMBLEM}<span><strong>${escapeHtml(t.portalName)}</strong><small>${escapeHtml(t.portalNote)}</small></span></a>
    <a class="lang" data-testid="lang" href="/?lang=${other}" hreflang="${other}">${escapeHtml(t.otherLanguage)}</a>
  </div>
</header>
<main class="page">
  <section class="card" id="login-panel" data-testid="login-panel">
    <h1>${escapeHtml(t.heading)}</h1>
    <p class="lead">${escapeHtml(t.lead)}</p>
    <ol class="steps">${t.steps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ol>
    <button id="login" data-testid="login" class="primary" type="button">${escapeHtml(t.login)}</button>
    <p id="progress" data-testid="progress" class="progress" role="status" hidden></p>
    <div id="login-error" data-testid="login-error" class="error" role="alert" hidden>
      <strong>${escapeHtml(t.failed)}</strong>
      <p id="login-error-text"></p>
      <details><summary>${escapeHtml(t.technical)}</summary><code id="login-error-detail" data-testid="login-error-detail"></code></details>
    </div>
    <p id="extension-status" data-testid="extension-status" class="status"></p>
  </section>
  <section class="card profile" id="profile" data-testid="profile" hidden>
    <p class="welcome">✓ ${escapeHtml(t.welcome)}</p>
    <h1 id="profile-name" data-testid="profile-name"></h1>
    <dl id="profile-fields" data-testid="profile-fields"></dl>
    <button id="logout" data-testid="logout" type="button">${escapeHtml(t.logout)}</button>
  </section>
  <p class="footer">${escapeHtml(t.footer)}</p>
</main>
</body>
</html>
`;
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string | string[]> = {}): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      reject(new HttpError(415, 'BAD_REQUEST', 'send application/json'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return; // drained and dropped until the 413 goes out and the connection closes
      size += chunk.length;
      if (size > MAX_BODY) {
        tooLarge = true;
        chunks.length = 0;
        reject(new HttpError(413, 'BAD_REQUEST', `request body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HttpError(400, 'BAD_REQUEST', 'the body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function userOf(result: VerifiedAuthentication): LoggedInUser {
  const s = result.certificate.subject;
  const { revocation } = result;
  const user: LoggedInUser = {
    name: s.commonName,
    holder: result.certificate.holder,
    qualified: result.certificate.qualified,
    protectionClasses: result.certificate.qualification.protectionClasses,
    revocation: { status: revocation.status, source: revocation.source, checkedAt: revocation.checkedAt?.toISOString() ?? null },
    issuer: result.certificate.issuerCommonName,
    validUntil: result.certificate.notAfter,
    signedAt: result.signedAt.toISOString(),
  };
  for (const key of ['title', 'organization', 'inn', 'innle', 'ogrn', 'ogrnip', 'snils'] as const) {
    const value = s[key];
    if (value) user[key] = value;
  }
  return user;
}

/** An organization's head must sign with a qualified certificate unless the portal was started to allow otherwise. */
function qualificationRefusal(result: VerifiedAuthentication, allowUnqualified: boolean): LoginEvent | null {
  const { certificate } = result;
  if (certificate.holder !== 'legal-entity' || certificate.qualified || allowUnqualified) return null;
  const detail = `the certificate of ${certificate.subject.commonName} names an organization but is not qualified: it lacks ${certificate.qualification.missing.join(', ')}`;
  return { ok: false, code: 'NOT_QUALIFIED', detail };
}

export async function startDemoServer(options: DemoServerOptions): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const ownStore = !options.challengeStore;
  const store = options.challengeStore ?? createChallengeStore({ ttlMs: 5 * 60 * 1000 });
  const script = await bundleDemoClient(options.root);
  let origin = options.origin ?? '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      // Cross-site requests carry another Origin: refuse them (the challenge cookie is SameSite too).
      const requestOrigin = req.headers.origin;
      if (requestOrigin !== undefined && requestOrigin !== origin) throw new HttpError(403, 'BAD_REQUEST', `requests from ${requestOrigin} are not accepted`);
    }
    if (method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      const asked = url.searchParams.get('lang');
      const fromCookie = cookies(req)[LANG_COOKIE];
      const lang: Lang = isLang(asked) ? asked : isLang(fromCookie) ? fromCookie : negotiateLang(req.headers['accept-language']);
      const headers: Record<string, string> = { 'content-language': lang, vary: 'Accept-Language, Cookie' };
      if (isLang(asked)) headers['set-cookie'] = `${LANG_COOKIE}=${asked}; Path=/; SameSite=Lax; Max-Age=31536000`;
      send(res, 200, 'text/html; charset=utf-8', renderLoginPage(lang), headers);
      return;
    }
    if (method === 'GET' && url.pathname === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', script);
    if (method === 'GET' && url.pathname === '/style.css') return send(res, 200, 'text/css; charset=utf-8', DEMO_CSS);
    if (method === 'GET' && url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (method === 'POST' && url.pathname === '/api/challenge') {
      const challenge = await store.issue();
      sendJson(res, 200, { challenge }, { 'set-cookie': `${CHALLENGE_COOKIE}=${challenge}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=300` });
      return;
    }
    if (method === 'POST' && url.pathname === '/api/login') {
      const body = await readJson(req);
      const clear = { 'set-cookie': `${CHALLENGE_COOKIE}=; Path=/api; HttpOnly; SameSite=Strict; Max-Age=0` };
      const challenge = cookies(req)[CHALLENGE_COOKIE];
      // The challenge comes from this browser's cookie, is checked against the store and used once.
      if (!challenge || !(await store.consume(challenge))) {
        const event = { ok: false as const, code: 'CHALLENGE_UNKNOWN', detail: 'no live challenge for this browser: expired, used, or never issued' };
        options.onLogin?.(event);
        sendJson(res, 401, event, clear);
        return;
      }
      const response = typeof body === 'object' && body !== null ? (body as { response?: unknown }).response : undefined;
      try {
        const result = await verifyAuthentication({
          response,
          challenge,
          origin,
          trustedCertificates: options.trustedCertificates,
          ...(options.revocation ? { revocation: options.revocation } : {}),
        });
        const refusal = qualificationRefusal(result, options.allowUnqualifiedOrganizations === true);
        if (refusal) {
          options.onLogin?.(refusal);
          sendJson(res, 403, refusal, clear);
          return;
        }
        const user = userOf(result);
        options.onLogin?.({ ok: true, user, result });
        sendJson(res, 200, { ok: true, user }, clear);
      } catch (e) {
        if (!(e instanceof VerificationError)) throw e;
        const event = { ok: false as const, code: e.code, detail: e.message };
        options.onLogin?.(event);
        sendJson(res, 401, event, clear);
      }
      return;
    }
    if (method === 'POST' && url.pathname === '/api/logout') return sendJson(res, 200, { ok: true });
    send(res, 404, 'text/plain; charset=utf-8', 'not found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const code = e instanceof HttpError ? e.code : 'SERVER_ERROR';
      if (status === 500) console.error('demo portal:', e);
      if (!res.headersSent) sendJson(res, status, { ok: false, code, detail: (e as Error).message }, status === 413 ? { connection: 'close' } : {});
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin ||= `http://${host}:${port}`;
  return {
    origin,
    url: `${origin}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        if (ownStore) void store.close();
      }),
  };
}
