// A relying-party test page over HTTPS that answers for any host name, so a test can load it as
// e.g. https://честныйзнак.рф:<port>/ (Chromium maps the names with --host-resolver-rules and
// accepts the throwaway self-signed certificate with ignoreHTTPSErrors).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundlePageClient } from './browser';

export interface NamedSiteServer {
  port: number;
  /** https://<host>:<port>/ for a host name as typed (Unicode is fine). */
  urlFor(host: string): string;
  close(): Promise<void>;
}

/** Chromium flag that sends every name to the local server. */
export const MAP_ALL_TO_LOOPBACK = '--host-resolver-rules=MAP * 127.0.0.1, EXCLUDE localhost';

export async function startNamedSite(): Promise<NamedSiteServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tokensign-named-site-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=tokensign test site', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const client = await bundlePageClient();
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>Site</title><script src="/page-client.js"></script></head><body><h1>Site</h1></body></html>';
  const server: Server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
    const isClient = req.url === '/page-client.js';
    res.writeHead(200, { 'content-type': isClient ? 'text/javascript; charset=utf-8' : 'text/html; charset=utf-8' });
    res.end(isClient ? client : html);
  });
  rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    urlFor: (host) => `https://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
