// tokensign-host_<v>_amd64.deb and tokensign-host-<v>-1.x86_64.rpm: the executable in /usr/lib/tokensign,
// /usr/bin/tokensign-host, and a helper (browsers.sh) that the install scripts run to put the host
// manifest into every browser's all-users folder. The helper records each file and folder it creates
// and removal takes back exactly those, so a folder that was there before (an empty /etc/opt) stays.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manifestFor } from '../../native-host/cli/host-manifest';
import { browserLocations, type ManifestFamily } from '../../native-host/cli/locations';

export const LIB_DIR = '/usr/lib/tokensign';
export const STATE_DIR = '/var/lib/tokensign-host';
const SUMMARY = 'Tokensign host: sign in to web portals with the certificate on your USB token';
const DESCRIPTION = [
  'The native messaging host of the Tokensign browser extension (Chrome, Chromium, Edge,',
  'Brave, Vivaldi, Opera, Yandex Browser, Firefox): it talks to USB tokens and smart cards',
  'through their PKCS#11 drivers and signs login challenges and documents after the user',
  'chose a certificate and entered the PIN in the extension window.',
];

/** The all-users manifest folders of every browser on Linux; `optional` ones only where their parent exists. */
export function systemManifestFolders(): Array<{ family: ManifestFamily; dir: string; optional: boolean }> {
  const seen = new Set<string>();
  const out: Array<{ family: ManifestFamily; dir: string; optional: boolean }> = [];
  for (const loc of browserLocations({ platform: 'linux', home: '/nonexistent', env: {} })) {
    loc.systemManifestDirs.forEach((dir, i) => {
      if (seen.has(dir)) return;
      seen.add(dir);
      out.push({ family: loc.family, dir, optional: i > 0 });
    });
  }
  return out;
}

/** The helper the maintainer scripts run: `register` after install, `unregister` before removal. */
const BROWSERS_SH = `#!/bin/sh
# Tokensign: puts the host manifest into each browser's all-users folder (register) and removes exactly
# the files and folders it created (unregister). Written by the package build; run by the package scripts.
set -e
LIB=@LIB@
STATE=@STATE@
LIST="$STATE/created"
NAME=org.tokensign.host.json

record() { grep -qxF "$1" "$LIST" 2>/dev/null || echo "$1" >> "$LIST"; }

# Creates the missing folders of a path one by one, recording each.
make_dir() {
  d="$1"; missing=""
  while [ ! -d "$d" ]; do missing="$d $missing"; d=$(dirname "$d"); done
  for m in $missing; do mkdir -m 755 "$m"; record "dir $m"; done
}

folders() {
  cat <<'LIST'
@FOLDERS@
LIST
}

register() {
  [ -d "$STATE" ] || mkdir -m 755 "$STATE"
  folders | while read -r family dir when; do
    [ "$when" = optional ] && [ ! -d "$(dirname "$dir")" ] && continue
    target="$dir/$NAME"
    if [ -e "$target" ] && ! grep -qxF "file $target" "$LIST" 2>/dev/null; then
      echo "tokensign-host: $target exists and is not ours; left as it is" >&2
      continue
    fi
    make_dir "$dir"
    cp "$LIB/org.tokensign.host.$family.json" "$target"
    chmod 644 "$target"
    record "file $target"
  done
}

unregister() {
  [ -f "$LIST" ] || return 0
  grep '^file ' "$LIST" | cut -c6- | while read -r f; do rm -f "$f"; done
  # Children sort after their parents: reversed, the deepest come first. Only empty folders go.
  grep '^dir ' "$LIST" | cut -c5- | sort -r | while read -r d; do rmdir "$d" 2>/dev/null || true; done
  rm -f "$LIST"
  rmdir "$STATE" 2>/dev/null || true
}

case "$1" in
  register) register ;;
  unregister) unregister ;;
  *) echo "usage: $0 register|unregister" >&2; exit 2 ;;
esac
`;

export function browsersScript(): string {
  const entries = systemManifestFolders().map((f) => `  ${f.family} ${f.dir} ${f.optional ? 'optional' : 'always'}`);
  return BROWSERS_SH.replace('@LIB@', LIB_DIR).replace('@STATE@', STATE_DIR).replace('@FOLDERS@', entries.join('\n'));
}

/** The files both packages carry, under `root`. */
function stage(root: string, executable: string, addon: string, releaseIds: readonly string[]): void {
  const lib = join(root, LIB_DIR);
  mkdirSync(lib, { recursive: true });
  copyFileSync(executable, join(lib, 'tokensign-host'));
  chmodSync(join(lib, 'tokensign-host'), 0o755);
  copyFileSync(addon, join(lib, 'pkcs11.node'));
  chmodSync(join(lib, 'pkcs11.node'), 0o644);
  const launcher = `${LIB_DIR}/tokensign-host`;
  for (const family of ['chromium', 'firefox'] as const) {
    // The manifests trust the release ids baked into the executable (manifests/release-ids.json and the
    // .crx key's id), and no development id.
    writeFileSync(join(lib, `org.tokensign.host.${family}.json`), `${JSON.stringify(manifestFor(family, launcher, releaseIds), null, 2)}\n`, { mode: 0o644 });
  }
  writeFileSync(join(lib, 'browsers.sh'), browsersScript(), { mode: 0o755 });
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  symlinkSync('../lib/tokensign/tokensign-host', join(root, 'usr', 'bin', 'tokensign-host'));
}

function debControl(version: string, installedKb: number): string {
  return [
    'Package: tokensign-host',
    `Version: ${version}`,
    'Architecture: amd64',
    'Maintainer: Tokensign <packages@tokensign.org>',
    `Installed-Size: ${installedKb}`,
    'Depends: libc6 (>= 2.28), libstdc++6',
    'Suggests: opensc, pcscd',
    'Section: utils',
    'Priority: optional',
    'Homepage: https://tokensign.org',
    `Description: ${SUMMARY}`,
    ...DESCRIPTION.map((l) => ` ${l}`),
    '',
  ].join('\n');
}

/** xz level for both packages: 6 for releases; tests ask for 0 (same files, built ~10x faster). */
function xzLevel(): number {
  const level = Number(process.env.TOKENSIGN_PACKAGE_XZ_LEVEL ?? '6');
  return Number.isInteger(level) && level >= 0 && level <= 9 ? level : 6;
}

const maintainerScript = (body: string): string => `#!/bin/sh\nset -e\n${body}\nexit 0\n`;

export function buildDeb(outDir: string, version: string, executable: string, addon: string, releaseIds: readonly string[]): string {
  const work = mkdtempSync(join(tmpdir(), 'tokensign-deb-'));
  try {
    const root = join(work, 'root');
    stage(root, executable, addon, releaseIds);
    const du = execFileSync('du', ['-sk', '--apparent-size', root], { encoding: 'utf8' });
    const debian = join(root, 'DEBIAN');
    mkdirSync(debian);
    writeFileSync(join(debian, 'control'), debControl(version, Number(du.split('\t')[0])));
    writeFileSync(join(debian, 'postinst'), maintainerScript(`if [ "$1" = configure ]; then ${LIB_DIR}/browsers.sh register; fi`), { mode: 0o755 });
    // On upgrade the new postinst overwrites what it recorded; only removal takes the manifests back.
    writeFileSync(join(debian, 'prerm'), maintainerScript(`case "$1" in remove|deconfigure) ${LIB_DIR}/browsers.sh unregister ;; esac`), { mode: 0o755 });
    const out = join(outDir, `tokensign-host_${version}_amd64.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', `-z${xzLevel()}`, '--build', root, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function rpmSpec(version: string, staged: string): string {
  return `# rpm must not strip or relink the single executable: its payload sits inside the ELF file.
%global __os_install_post %{nil}
%global debug_package %{nil}
%define _build_id_links none
%define _build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm
Name: tokensign-host
Version: ${version}
Release: 1
Summary: ${SUMMARY}
License: MIT
URL: https://tokensign.org
AutoReqProv: no
Requires: glibc >= 2.28, libstdc++

%description
${DESCRIPTION.join('\n')}

%install
cp -a ${staged}/. %{buildroot}/

%files
%dir ${LIB_DIR}
${LIB_DIR}/tokensign-host
${LIB_DIR}/pkcs11.node
${LIB_DIR}/org.tokensign.host.chromium.json
${LIB_DIR}/org.tokensign.host.firefox.json
${LIB_DIR}/browsers.sh
/usr/bin/tokensign-host

%post
${LIB_DIR}/browsers.sh register

%preun
if [ "$1" = 0 ]; then ${LIB_DIR}/browsers.sh unregister; fi
`;
}

export function buildRpm(outDir: string, version: string, executable: string, addon: string, releaseIds: readonly string[]): string {
  const work = mkdtempSync(join(tmpdir(), 'tokensign-rpm-'));
  try {
    const staged = join(work, 'root');
    stage(staged, executable, addon, releaseIds);
    const spec = join(work, 'tokensign-host.spec');
    writeFileSync(spec, rpmSpec(version, staged));
    execFileSync(
      'rpmbuild',
      ['-bb', '--target', 'x86_64', '--define', `_topdir ${join(work, 'top')}`, '--define', `_rpmdir ${outDir}`, '--define', `_binary_payload w${xzLevel()}.xzdio`, spec],
      // rpmbuild narrates every step on stderr; a failure's error message carries it.
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return join(outDir, `tokensign-host-${version}-1.x86_64.rpm`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
