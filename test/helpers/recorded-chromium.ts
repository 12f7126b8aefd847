// Chromium with the extension and a *recording* native host (test/helpers/recording-host.ts):
// every command the host receives (PIN left out), every reply code and the host's stderr land in
// files the test reads. Pages record every message they receive. Used by the robustness and
// security suites to see what reaches the host and what reaches the page.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PAGE_REQUEST } from '../../shared/protocol';
import {
  bundlePageClient,
  clickClosing,
  findPickerPage,
  HOST_BUNDLE,
  launchChromiumWithExtension,
  PROJECT_ROOT,
  type ChromiumLaunchOptions,
  type ChromiumWithExtension,
} from './browser';

const RECORDING_HOST_SOURCE = join(PROJECT_ROOT, 'test', 'helpers', 'recording-host.ts');

/** Bundles the recording host into `dir` as one script a browser can start with node. */
async function buildRecordingHost(dir: string): Promise<string> {
  const outfile = join(dir, 'recording-host.mjs');
  await build({ entryPoints: [RECORDING_HOST_SOURCE], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent' });
  return outfile;
}

export interface RecordEntry {
  t: number;
  wrapper: number;
  event: 'start' | 'request' | 'reply' | 'stalled' | 'input-ended' | 'terminated' | 'exit';
  host?: number;
  id?: unknown;
  command?: string | null;
  params?: Record<string, unknown>;
  ok?: boolean | null;
  code?: string | null;
}

export interface RecordedChromium extends ChromiumWithExtension {
  records(): RecordEntry[];
  /** Commands the host received, in order. */
  commands(): RecordEntry[];
  hostStderr(): string;
  /** Hold back the next request with this command (null: forward everything again). */
  stall(command: string | null): void;
  /** Wrappers whose port the browser closed (their input ended) or that are gone (terminated or ended). */
  closedHosts(): Set<number>;
  /** Kill every wrapper process that started so far and is still alive. */
  killHosts(): number[];
}

const CLOSED: ReadonlySet<RecordEntry['event']> = new Set(['input-ended', 'terminated', 'exit']);
const GONE: ReadonlySet<RecordEntry['event']> = new Set(['terminated', 'exit']);

export async function launchRecordedChromium(hostEnv: Record<string, string>, options: ChromiumLaunchOptions = {}): Promise<RecordedChromium> {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-record-'));
  const recordFile = join(dir, 'record.jsonl');
  const stderrFile = join(dir, 'host-stderr.log');
  const stallFile = join(dir, 'stall');
  let browser: ChromiumWithExtension;
  try {
    browser = await launchChromiumWithExtension({
      ...options,
      hostPath: await buildRecordingHost(dir),
      hostEnv: {
        ...hostEnv,
        TOKENSIGN_REAL_HOST: HOST_BUNDLE,
        TOKENSIGN_RECORD_FILE: recordFile,
        TOKENSIGN_STDERR_FILE: stderrFile,
        TOKENSIGN_STALL_FILE: stallFile,
      },
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const records = (): RecordEntry[] =>
    existsSync(recordFile)
      ? readFileSync(recordFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as RecordEntry)
      : [];
  return {
    ...browser,
    records,
    commands: () => records().filter((r) => r.event === 'request'),
    hostStderr: () => (existsSync(stderrFile) ? readFileSync(stderrFile, 'utf8') : ''),
    stall: (command) => {
      if (command === null) {
        if (existsSync(stallFile)) unlinkSync(stallFile);
      } else writeFileSync(stallFile, command);
    },
    closedHosts: () => new Set(records().filter((r) => CLOSED.has(r.event)).map((r) => r.wrapper)),
    killHosts: () => {
      const exited = new Set(records().filter((r) => GONE.has(r.event)).map((r) => r.wrapper));
      const killed: number[] = [];
      for (const r of records()) {
        if (r.event !== 'start' || exited.has(r.wrapper)) continue;
        try {
          process.kill(r.wrapper, 'SIGKILL');
          killed.push(r.wrapper);
        } catch {
          // already gone
        }
      }
      return killed;
    },
    close: async () => {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A tiny HTTP server on 127.0.0.1 or localhost with named pages; each origin is its own server. */
export interface PageServer {
  origin: string;
  url(path?: string): string;
  server: Server;
  close(): Promise<void>;
}

export async function startPageServer(pages: Record<string, string>, host: '127.0.0.1' | 'localhost' = '127.0.0.1'): Promise<PageServer> {
  const client = await bundlePageClient();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const html = pages[path];
    if (path === '/page-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(client);
    } else if (html !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    url: (path = '/') => `${origin}${path}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const PLAIN_PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>RP</title></head><body><h1>RP</h1></body></html>';

/** Opens a page that records every message event it gets (data, origin, whether from itself). */
export async function openRecordingPage(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  // Page-side code is a string: tools that rename functions (tsx, esbuild keepNames) cannot reach into it.
  await page.addInitScript(`(() => {
    const seen = [];
    window.__tokensignSeen = seen;
    window.addEventListener('message', (event) => {
      let data;
      try {
        data = JSON.parse(JSON.stringify(event.data ?? null));
      } catch {
        data = String(event.data);
      }
      seen.push({ data, origin: event.origin, self: event.source === window });
    });
  })()`);
  await page.goto(url);
  return page;
}

export interface SeenMessage {
  data: unknown;
  origin: string;
  self: boolean;
}

export function seenMessages(page: Page): Promise<SeenMessage[]> {
  return page.evaluate('window.__tokensignSeen') as Promise<SeenMessage[]>;
}

export interface PageExchange {
  acked: boolean;
  response: { ok: boolean; result?: Record<string, unknown>; error?: { code: string; message: string } } | null;
}

/**
 * Posts one raw §3 request from the page and waits (in the page) for its ack and response.
 * The extension must answer within `timeoutMs`; a missing response is `response: null`.
 */
export function pageRequest(page: Page, action: string, params: unknown, options: { id?: string; timeoutMs?: number } = {}): Promise<PageExchange> {
  const id = options.id ?? `r-${Math.random().toString(36).slice(2)}`;
  const args = JSON.stringify({ id, action, params, timeoutMs: options.timeoutMs ?? 30_000, type: PAGE_REQUEST });
  return page.evaluate(`((a) => new Promise((resolve) => {
    let acked = false;
    const onMessage = (event) => {
      const data = event.data;
      if (event.source !== window || !data || data.id !== a.id) return;
      if (data.type === 'tokensign:ack') acked = true;
      if (data.type === 'tokensign:response') {
        clearTimeout(timer);
        window.removeEventListener('message', onMessage);
        resolve({ acked, response: data });
      }
    };
    const timer = setTimeout(() => {
      window.removeEventListener('message', onMessage);
      resolve({ acked, response: null });
    }, a.timeoutMs);
    window.addEventListener('message', onMessage);
    window.postMessage({ type: a.type, id: a.id, action: a.action, params: a.params }, location.origin);
  }))(${args})`) as Promise<PageExchange>;
}

export function thumbprintOf(derPath: string): string {
  return createHash('sha256').update(readFileSync(derPath)).digest('hex');
}

/** In the open picker: choose the certificate, type the PIN, confirm. Returns the picker page. */
export async function approveInPicker(context: BrowserContext, thumbprint: string, pin: string, timeoutMs = 20_000): Promise<Page> {
  const picker = await findPickerPage(context, timeoutMs);
  await picker.click(`[data-testid=cert][data-thumbprint="${thumbprint}"]`);
  await picker.fill('[data-testid=pin]', pin);
  await clickClosing(picker, '[data-testid=confirm]');
  return picker;
}

/** Polls until `predicate` holds or the time is up; returns whether it held. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

