#!/usr/bin/env node
// Installs the Debian packages Tokensign's build, tests and demo need, when they are missing.
// As root: apt-get install -y. Otherwise: prints the one command to run and exits 1.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// package → a file that proves it is installed (checked when dpkg is not available)
const PACKAGES = {
  softhsm2: '/usr/bin/softhsm2-util',
  opensc: '/usr/bin/pkcs11-tool',
  // The card stack of the tests: pcscd (started by the tests themselves, no systemd) and the vpcd
  // reader driver the virtual PIV card connects to (test/card)
  pcscd: '/usr/sbin/pcscd',
  'vsmartcard-vpcd': '/usr/lib/pcsc/drivers/serial/libifdvpcd.so',
  openssl: '/usr/bin/openssl',
  'libengine-gost-openssl': null,
  'libssl-dev': '/usr/include/openssl/ssl.h',
  chromium: '/usr/bin/chromium',
  'firefox-esr': '/usr/bin/firefox-esr',
  // Firefox's Russian UI: the window tests run Firefox in the language of the person we build for
  'firefox-esr-l10n-ru': '/usr/lib/firefox-esr/browser/extensions/langpack-ru@firefox-esr.mozilla.org.xpi',
  'redis-server': '/usr/bin/redis-server',
  gcc: '/usr/bin/gcc',
  make: '/usr/bin/make',
  // Packages: .rpm built and installed (in a private mount namespace) by Debian's rpm; zip for .xpi/.zip.
  rpm: '/usr/bin/rpmbuild',
  zip: '/usr/bin/zip',
  // Cyrillic glyphs for the picker and demo screenshots
  'fonts-dejavu-core': '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
};

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  if (r.error) {
    const proof = PACKAGES[pkg];
    return proof ? existsSync(proof) : true;
  }
  return r.status === 0 && r.stdout.includes('install ok installed');
}

const missing = Object.keys(PACKAGES).filter((p) => !installed(p));
if (missing.length === 0) {
  process.exit(0);
}
const command = `apt-get install -y ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(`Tokensign needs these system packages: ${missing.join(', ')}.\nInstall them with:\n  sudo apt-get update && sudo ${command}`);
  process.exit(1);
}
console.error(`Installing system packages: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'inherit', 'inherit'], env });
} catch (e) {
  console.error(`Could not install system packages (${e.message}). Run as root:\n  apt-get update && ${command}`);
  process.exit(1);
}
const still = missing.filter((p) => !installed(p));
if (still.length) {
  console.error(`Still missing after apt-get: ${still.join(', ')}`);
  process.exit(1);
}
