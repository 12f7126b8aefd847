// The packaged host: cold start of the single executable (spawn → hello reply) beside a bare Node process
// answering one frame, and its first listing (spawn → list-certificates reply) beside a bare Node process
// reading the certificates, all on the Node it is built from (packaging/node-runtime); and the sizes of the
// executable and the packages. The packages come from dist/packages, built by `npm run package` when missing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPki } from '../test/fixtures/pki';
import { buildPackages, PACKAGES_DIR } from '../scripts/packaging/package';
import { nodeRuntime } from '../scripts/packaging/sea';
import { coldRun, HOST_BUNDLE, interleaved, ROOT } from './host-bench';
import type { Report } from './report';
import { progress } from './stats';

export const EXECUTABLE = join(PACKAGES_DIR, 'tokensign-host');

/** dist/packages, rebuilt when older than the host bundle. */
export async function packagesReady(): Promise<void> {
  if (existsSync(EXECUTABLE) && statSync(EXECUTABLE).mtimeMs >= statSync(HOST_BUNDLE).mtimeMs) return;
  progress('building dist/packages (npm run package)');
  await buildPackages();
}

export async function benchPackagedColdStart(report: Report, pki: TestPki, runs: number): Promise<void> {
  await packagesReady();
  progress(`packaged host cold start: ${runs} spawns each of bare Node ${nodeRuntime(ROOT)} and the executable`);
  const floorScript = join(ROOT, 'bench', 'floor-host.mjs');
  const [floor, executable] = await interleaved(
    runs,
    () => coldRun({ program: nodeRuntime(ROOT), args: [floorScript] }, pki.env, 'hello'),
    () => coldRun({ program: EXECUTABLE }, pki.env, 'hello'),
  );
  const f = report.add('floor: bare Node (the packaged runtime) answering one frame', 'ms', floor, null);
  report.add('packaged host cold start (spawn → hello reply)', 'ms', executable, { name: f.name, value: f.value });
  // A browser's first listing: the token parts compile and parse with the code cache of the build's training run.
  const count = Object.keys(pki.certs).length;
  progress(`packaged host first listing: ${runs} spawns each of bare Node + pkcs11js and the executable, list-certificates`);
  const [listFloor, listing] = await interleaved(
    runs,
    () => coldRun({ program: nodeRuntime(ROOT), args: [join(ROOT, 'bench', 'floor-list.mjs')] }, pki.env, 'list-certificates'),
    () => coldRun({ program: EXECUTABLE }, pki.env, 'list-certificates'),
  );
  const lf = report.add(`floor: bare Node (the packaged runtime) + pkcs11js reading ${count} certificates, cold`, 'ms', listFloor, null);
  report.add(`packaged host list-certificates ${count} cold (spawn → reply)`, 'ms', listing, { name: lf.name, value: lf.value });
}

/** Bytes of each file in dist/packages. */
export function packageSizes(): Record<string, number> {
  if (!existsSync(PACKAGES_DIR)) return {};
  return Object.fromEntries(readdirSync(PACKAGES_DIR).map((name) => [name, statSync(join(PACKAGES_DIR, name)).size]));
}
