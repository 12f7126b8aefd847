// The demo login page's script: challenge from the portal → Tokensign page client → verification by the portal.
// Bundled for the browser by esbuild when the demo server starts.
import { authenticate, isTokensignPageError, status } from '../../../extension/page-client/index';
import { TEXTS, errorText, isLang, type Lang } from '../i18n';
// Type only: erased from the browser bundle.
import type { LoggedInUser } from '../server';

type LoginReply = { ok: true; user: LoggedInUser } | { ok: false; code: string; detail?: string };

const lang: Lang = isLang(document.documentElement.lang) ? document.documentElement.lang : 'ru';
const t = TEXTS[lang];

function el<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`page element #${id} is missing`);
  return node as T;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => values[k] ?? '');
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-GB', { dateStyle: 'long', timeStyle: 'short' });
}

async function postJson<T>(path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw Object.assign(new Error('network'), { code: 'NETWORK' });
  }
  let data: unknown;
  try {
    data = await res.json();
  } catch {
    throw Object.assign(new Error(`HTTP ${res.status}`), { code: 'SERVER_ERROR' });
  }
  return data as T;
}

const loginButton = el<HTMLButtonElement>('login');
const progress = el('progress');
const errorBox = el('login-error');
const profile = el('profile');
const loginPanel = el('login-panel');
const statusLine = el('extension-status');

function showError(code: string, detail?: string): void {
  errorBox.hidden = false;
  errorBox.dataset.code = code;
  el('login-error-text').textContent = errorText(lang, code);
  const technical = el('login-error-detail');
  technical.textContent = detail ? `${code}: ${detail}` : code;
}

function revocationText(r: LoggedInUser['revocation']): string {
  if (r.status !== 'good') return t.revocationNotChecked;
  return t.revocationGood.replace('{source}', (r.source ?? '').toUpperCase()).replace('{date}', formatDate(r.checkedAt ?? ''));
}

function showProfile(user: LoggedInUser): void {
  loginPanel.hidden = true;
  profile.hidden = false;
  const rows: [string, string | undefined][] = [
    [t.fieldName, user.name],
    [t.fieldTitle, user.title],
    [t.fieldOrganization, user.organization],
    [t.fieldInn, user.inn],
    [t.fieldInnle, user.innle],
    [t.fieldOgrn, user.ogrn],
    [t.fieldSnils, user.snils],
    [t.fieldOgrnip, user.ogrnip],
    [t.fieldHolder, (t.holders as Record<string, string>)[user.holder] ?? user.holder],
    [t.fieldQualified, user.qualified ? t.qualifiedYes.replace('{classes}', user.protectionClasses.join(', ')) : t.qualifiedNo],
    [t.fieldRevocation, revocationText(user.revocation)],
    [t.fieldIssuer, user.issuer],
    [t.fieldValidUntil, formatDate(user.validUntil)],
    [t.fieldSignedAt, formatDate(user.signedAt)],
  ];
  const list = el('profile-fields');
  list.replaceChildren();
  for (const [label, value] of rows) {
    if (!value) continue;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  el('profile-name').textContent = user.name;
  profile.dataset.name = user.name;
  profile.dataset.organization = user.organization ?? '';
  profile.dataset.inn = user.inn ?? '';
  profile.dataset.holder = user.holder;
  profile.dataset.qualified = String(user.qualified);
}

async function login(): Promise<void> {
  errorBox.hidden = true;
  loginButton.disabled = true;
  progress.hidden = false;
  progress.textContent = t.working;
  try {
    const { challenge } = await postJson<{ challenge: string }>('/api/challenge', {});
    const response = await authenticate({ challenge });
    progress.textContent = t.verifying;
    const reply = await postJson<LoginReply>('/api/login', { response });
    if (reply.ok) showProfile(reply.user);
    else showError(reply.code, reply.detail);
  } catch (e) {
    if (isTokensignPageError(e)) showError(String(e.code), e.message);
    else showError((e as { code?: string }).code ?? 'OTHER', (e as Error).message);
  } finally {
    loginButton.disabled = false;
    progress.hidden = true;
  }
}

async function showStatus(): Promise<void> {
  statusLine.textContent = t.statusChecking;
  try {
    const s = await status();
    statusLine.dataset.state = s.host ? 'ready' : 'no-host';
    statusLine.textContent = s.host ? fill(t.statusReady, { extension: s.extension, host: s.host }) : fill(t.statusNoHost, { extension: s.extension });
  } catch {
    statusLine.dataset.state = 'no-extension';
    statusLine.textContent = t.statusNoExtension;
  }
}

loginButton.addEventListener('click', () => void login());
el('logout').addEventListener('click', () => {
  profile.hidden = true;
  loginPanel.hidden = false;
  void fetch('/api/logout', { method: 'POST', credentials: 'same-origin' });
});
void showStatus();
