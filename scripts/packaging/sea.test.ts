// What the single executable compiles at start (sea.ts, native-host/sea-assets.ts): a small loader,
// the host's hello path with a code cache from a training run, and the parts hello does not need as
// assets of their own that take the host's modules instead of copies.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bundleScripts, nodeRuntime } from './sea';
import { makeTrainingToken } from './training-token';

const ROOT = join(import.meta.dirname, '..', '..');
let work: string;
let scripts: Awaited<ReturnType<typeof bundleScripts>>;

/** The source files esbuild bundled into a script (it names each one in a comment). */
function sources(file: string): string[] {
  return [...readFileSync(file, 'latin1').matchAll(/^\/\/ ((?:native-host|shared)\/[\w/.-]+\.ts)$/gm)].map((m) => m[1]!);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tokensign-sea-test-'));
  // The training run loads pkcs11.node from beside the executable-to-be.
  copyFileSync(join(ROOT, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'), join(work, 'pkcs11.node'));
  scripts = await bundleScripts(ROOT, work, nodeRuntime(ROOT), join(work, 'tokensign-host'), []);
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the single executable scripts', () => {
  it('has a main script that only compiles and runs the host asset', () => {
    expect([...new Set(sources(scripts.main))].sort()).toEqual(['native-host/sea-assets.ts', 'native-host/sea-loader.ts']);
    expect(Object.keys(scripts.assets).sort()).toEqual(['cli.cache', 'cli.js', 'host.cache', 'host.js', 'token-parts.cache', 'token-parts.js']);
  });

  it('keeps the command-line tool and the token parts out of the host script', () => {
    const host = sources(scripts.assets['host.js']!);
    expect(host).toContain('native-host/host.ts');
    expect(host).toContain('native-host/pkcs11/module.ts');
    expect(host.filter((s) => /^native-host\/(cli|cms)\/|token-parts|pkcs11\/(token|signer|session|certificate|slot-events)\.ts$/.test(s))).toEqual([]);
    expect(sources(scripts.assets['cli.js']!)).toContain('native-host/cli/doctor.ts');
    expect(sources(scripts.assets['token-parts.js']!)).toContain('native-host/pkcs11/signer.ts');
  });

  it("gives the parts the host's own modules (error classes, log, loaded modules), not copies", () => {
    const parts = [...sources(scripts.assets['token-parts.js']!), ...sources(scripts.assets['cli.js']!)];
    for (const shared of ['shared/errors.ts', 'native-host/log.ts', 'native-host/pkcs11/module.ts', 'shared/protocol.ts']) {
      expect(parts).not.toContain(shared);
    }
    expect(readFileSync(scripts.assets['token-parts.js']!, 'latin1')).toContain('__tokensignHostModules["shared/errors.ts"]');
  });

  it('writes every code cache, the host and token parts ones after a training run that listed a token (the build checks that V8 accepts each)', () => {
    for (const name of ['host', 'cli', 'token-parts']) expect(statSync(scripts.assets[`${name}.cache`]!).size).toBeGreaterThan(10_000);
    // Trained: the functions of the hello path are compiled in it, so it outweighs the script's own bytes.
    expect(statSync(scripts.assets['host.cache']!).size).toBeGreaterThan(statSync(scripts.assets['host.js']!).size);
    // The training listed a throwaway SoftHSM token's certificates (npm run setup installs SoftHSM), so
    // the token parts' cache was made after that run too, with the functions a first listing compiles.
    expect(scripts.trained.sort()).toEqual(['host', 'token-parts']);
  });

  it('says what is missing when the training token cannot be made (the build then trains on hello only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensign-training-test-'));
    const path = process.env.PATH;
    try {
      process.env.PATH = dir;
      expect(makeTrainingToken(dir)).toEqual({ missing: 'softhsm2-util' });
      // Tools that are there but fail: the training goes without the token, and says why.
      for (const tool of ['softhsm2-util', 'openssl', 'pkcs11-tool']) writeFileSync(join(dir, tool), '#!/bin/sh\necho "no slots here" >&2\nexit 1\n', { mode: 0o755 });
      expect(makeTrainingToken(join(dir, 'token'))).toEqual({ missing: 'a working training token (no slots here)' });
    } finally {
      process.env.PATH = path;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a training token still builds, trains on hello only, and says why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tokensign-sea-notoken-'));
    const path = process.env.PATH;
    const said = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      copyFileSync(join(ROOT, 'node_modules', 'pkcs11js', 'build', 'Release', 'pkcs11.node'), join(dir, 'pkcs11.node'));
      process.env.PATH = dir;
      const bare = await bundleScripts(ROOT, dir, nodeRuntime(ROOT), join(dir, 'tokensign-host'), []);
      expect(bare.trained).toEqual(['host']);
      expect(said.mock.calls.map((call) => String(call[0])).join('')).toContain('no training token (missing: softhsm2-util)');
    } finally {
      process.env.PATH = path;
      said.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
