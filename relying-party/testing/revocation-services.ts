// Test-only: the revocation services of a test CA on 127.0.0.1, started and stopped by the test: OpenSSL's own
// OCSP responder (`openssl ocsp -index … -port …`), and a small HTTP server for CRLs, recorded answers and a
// responder that never answers. CRLs are made by `openssl ca -gencrl` at test time.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createTcpServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface OcspResponderOptions {
  /** The CA's `openssl ca` index.txt (or an edited copy). */
  index: string;
  caCertPem: string;
  /** The certificate and key that sign the answers (the CA itself, a delegated responder, or an impostor). */
  signerCertPem: string;
  signerKeyPem: string;
  /** Minutes until nextUpdate; default 60. */
  nmin?: number;
  /** Extra environment (OPENSSL_CONF loading the gost engine). */
  env?: Record<string, string>;
  /** A port reserved earlier (e.g. named in the certificates' authorityInfoAccess); a free one otherwise. */
  port?: number;
}

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/** Stops a child by its pid: SIGTERM, then SIGKILL after 3 s. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Starts `openssl ocsp` as a responder (OpenSSL 3.0 takes only a port number) and waits until it listens. */
export async function startOcspResponder(options: OcspResponderOptions): Promise<RunningService> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = options.port ?? (await freePort());
    const child = spawn(
      'openssl',
      ['ocsp', '-index', options.index, '-port', String(port), '-CA', options.caCertPem, '-rsigner', options.signerCertPem,
        '-rkey', options.signerKeyPem, '-nmin', String(options.nmin ?? 60), '-ignore_err'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
    );
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (d: Buffer) => {
        out += d.toString();
        if (/waiting for OCSP client connections/i.test(out)) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) return { url: `http://127.0.0.1:${port}/`, stop: () => stopChild(child) };
    await stopChild(child);
  }
  throw new Error('openssl ocsp did not start as a responder');
}

/**
 * The same OpenSSL responder, one `openssl ocsp -reqin … -respout …` run per request behind a node:http server
 * bound to 127.0.0.1 (OpenSSL 3.0's `-port` listens on every interface): what the demo portal's CA runs.
 */
export async function startLoopbackOcspResponder(options: Omit<OcspResponderOptions, 'port'>): Promise<RunningService> {
  const work = mkdtempSync(join(tmpdir(), 'tokensign-ocsp-'));
  let count = 0;
  const answer = (request: Buffer): Promise<Buffer> => {
    const id = ++count;
    writeFileSync(join(work, `${id}.req`), request);
    const args = ['ocsp', '-index', options.index, '-CA', options.caCertPem, '-rsigner', options.signerCertPem, '-rkey', options.signerKeyPem,
      '-nmin', String(options.nmin ?? 60), '-reqin', join(work, `${id}.req`), '-respout', join(work, `${id}.der`)];
    return new Promise((resolve, reject) =>
      execFile('openssl', args, { env: { ...process.env, ...options.env } }, (error) => (error ? reject(error) : resolve(readFileSync(join(work, `${id}.der`))))),
    );
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 64 * 1024) chunks.push(c);
    });
    req.on('end', () => {
      if (req.method !== 'POST' || size > 64 * 1024) return void res.writeHead(400).end();
      answer(Buffer.concat(chunks)).then(
        (body) => res.writeHead(200, { 'content-type': 'application/ocsp-response', 'content-length': body.length }).end(body),
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(work, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

export interface HttpFiles extends RunningService {
  /** Serve `body` at `path`; 'hang' accepts the request and never answers. */
  set(path: string, body: Uint8Array | 'hang'): void;
  /** Requests seen, by path. */
  hits: Map<string, number>;
}

/** A plain HTTP server on 127.0.0.1 for CRLs and recorded OCSP answers (GET or POST alike). */
export async function startHttpFiles(): Promise<HttpFiles> {
  const files = new Map<string, Uint8Array | 'hang'>();
  const hits = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume();
    const body = files.get(path);
    if (body === 'hang') {
      hanging.add(res);
      return;
    }
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, body) => files.set(path, body),
    hits,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `openssl ca -gencrl` with the CA's configuration, as DER. */
export function makeCrl(caConfig: string, out: string, extra: string[] = [], env: Record<string, string> = {}): Buffer {
  execFileSync('openssl', ['ca', '-gencrl', '-config', caConfig, '-crlhours', '2', ...extra, '-out', `${out}.pem`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  execFileSync('openssl', ['crl', '-in', `${out}.pem`, '-outform', 'DER', '-out', out], { stdio: 'ignore', env: { ...process.env, ...env } });
  return readFileSync(out);
}

/** `openssl ca -revoke` with a CRL reason. */
export function revoke(caConfig: string, certPem: string, reason = 'keyCompromise', env: Record<string, string> = {}): void {
  execFileSync('openssl', ['ca', '-config', caConfig, '-revoke', certPem, '-crl_reason', reason], { stdio: 'ignore', env: { ...process.env, ...env } });
}

/** An OCSP answer recorded with the `openssl ocsp` client, for replay tests. */
export function recordOcsp(responderUrl: string, issuerPem: string, certPem: string, out: string, nonce: boolean): Buffer {
  execFileSync('openssl', ['ocsp', '-issuer', issuerPem, '-cert', certPem, '-url', responderUrl, '-respout', out, nonce ? '-nonce' : '-no_nonce', '-noverify'], {
    stdio: 'ignore',
  });
  return readFileSync(out);
}
