// A throwaway SoftHSM token for the executable's training run (sea.ts): the host lists it and reads its
// certificates, so the code caches hold the functions of a browser's first listing, not only of hello.
// Made with the tools the test setup installs (softhsm2-util, openssl, pkcs11-tool); where one is
// missing or fails, the training answers hello only and the build says why (the executable works the
// same, its first listing compiles more).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KNOWN_MODULES, type Platform } from '../../native-host/pkcs11/modules';

const TOOLS = ['softhsm2-util', 'openssl', 'pkcs11-tool'];

/** The environment that points a host at the token and how many certificates it holds, or why there is none. */
export type TrainingToken = { env: Record<string, string>; certificates: number } | { missing: string };

/** The kinds of key on the token, each with its certificate: `openssl req -newkey` arguments. */
const KEYS: Array<[name: string, newKey: string[]]> = [
  ['ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
  ['rsa', ['-newkey', 'rsa:2048']],
];

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));
}

/**
 * In `dir`: a token holding an ECDSA P-256 and an RSA key pair, each with a certificate whose subject
 * has the fields of a Russian qualified certificate (names, organization, INN, OGRN, SNILS), so the
 * training parses what a person's token holds. The keys are made here and die with `dir`.
 */
export function makeTrainingToken(dir: string): TrainingToken {
  // Where the host itself would look for SoftHSM (native-host/pkcs11/modules.ts).
  const candidates = KNOWN_MODULES.find((known) => known.vendor.startsWith('SoftHSM'))?.paths[process.platform as Platform] ?? [];
  const module = candidates.find((path) => existsSync(path));
  if (!module) return { missing: 'SoftHSM (libsofthsm2.so)' };
  const tool = TOOLS.find((name) => !onPath(name));
  if (tool) return { missing: tool };
  try {
    return { env: fillToken(dir, module), certificates: KEYS.length };
  } catch (error) {
    // A tool that fails (an odd SoftHSM or OpenSC build) costs the training, not the build.
    const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
    return { missing: `a working training token (${stderr || (error instanceof Error ? error.message : String(error))})` };
  }
}

function fillToken(dir: string, module: string): Record<string, string> {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true });
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: conf };
  const run = (program: string, args: string[]): void => void execFileSync(program, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const pin = '123456';
  run('softhsm2-util', ['--init-token', '--free', '--label', 'Tokensign training', '--so-pin', '12345678', '--pin', pin]);
  const subject =
    '/CN=Training Director/SN=Director/GN=Training/O=Training organization/title=Director' +
    '/1.2.643.3.131.1.1=007700000000/1.2.643.100.1=1027700000000/1.2.643.100.3=00000000000/C=RU/L=Moscow';
  KEYS.forEach(([name, keyArgs], i) => {
    const key = join(dir, `${name}.p8`);
    const cert = join(dir, `${name}.der`);
    const id = `0${i + 1}`;
    run('openssl', ['req', '-x509', '-utf8', ...keyArgs, '-nodes', '-keyout', key, '-subj', subject, '-days', '30', '-outform', 'DER', '-out', cert,
      '-addext', 'keyUsage=critical,digitalSignature,nonRepudiation']);
    run('softhsm2-util', ['--import', key, '--token', 'Tokensign training', '--label', name, '--id', id, '--pin', pin]);
    run('pkcs11-tool', ['--module', module, '--token-label', 'Tokensign training', '--login', '--pin', pin, '--write-object', cert, '--type', 'cert', '--id', id, '--label', name]);
  });
  return { SOFTHSM2_CONF: conf, TOKENSIGN_PKCS11_MODULES: module };
}
