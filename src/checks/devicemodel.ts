// qemu-xen-traditional and qemu-xen: the device models are where libxl,
// as built for this distro, will look for them. The paths are read from the
// installed libxenlight, not guessed.
import { type Check, fail, notApplicable, pass } from './check.js';
import { atLeast, fmt, runningXen, type Version } from './dom0facts.js';

const SEED = 'qemu-xen-traditional and qemu-xen';

/**
 * Every installed libxenlight: "library PATH", then the path-like strings in
 * it that name a device model (qemu-system-*, qemu-dm) or a bin directory
 * (libxl's private bindir, where it looks for qemu-dm). Exit 3 if none.
 */
export const LIBXL_STRINGS = [
  'found=',
  'for f in /usr/lib/*/libxenlight.so.* /usr/lib64/libxenlight.so.* /usr/lib/libxenlight.so.* /usr/local/lib/libxenlight.so.* /usr/local/lib64/libxenlight.so.*; do',
  '  [ -f "$f" ] && [ ! -L "$f" ] || continue',
  '  found=1',
  '  echo "library $f"',
  "  grep -a -o -E '/[A-Za-z0-9_./+-]*(qemu-system-[A-Za-z0-9_]+|qemu-dm|/bin)' \"$f\" | sort -u",
  'done',
  '[ -n "$found" ] || { echo "no libxenlight.so found" >&2; exit 3; }',
].join('\n');

export interface LibxlPaths {
  library: string;
  /** QEMU_XEN_PATH: the qemu-xen binary libxl starts for HVM guests. */
  qemuXen?: string;
  /** An absolute qemu-dm path, when compiled in as one. */
  qemuDm?: string;
  /** libxl's private bindir (LIBEXEC_BIN): qemu-dm is looked up there. */
  privateBindir?: string;
}

export function parseLibxlStrings(text: string): LibxlPaths[] {
  const libs: LibxlPaths[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const lib = /^library (\S+)$/.exec(line);
    if (lib) {
      libs.push({ library: lib[1] });
      continue;
    }
    const cur = libs[libs.length - 1];
    if (!cur || !line.startsWith('/')) continue;
    if (/qemu-system-i386$/.test(line)) cur.qemuXen ??= line;
    else if (/\/qemu-dm$/.test(line)) cur.qemuDm ??= line;
    else if (/\/bin$/.test(line) && /xen/.test(line)) cur.privateBindir ??= line;
  }
  return libs;
}

/** The libxenlight of the running Xen (its soname carries the version), else the first one. */
export function pickLibxl(libs: LibxlPaths[], xen?: Version): LibxlPaths | undefined {
  const v = xen ? `.so.${fmt(xen)}` : undefined;
  return (v && libs.find((l) => l.library.includes(v))) || libs[0];
}

async function libxlPaths(ctx: Parameters<Check['run']>[0], xen?: Version): Promise<LibxlPaths> {
  const r = await ctx.run(['sh', '-c', LIBXL_STRINGS, 'sh']);
  const lib = pickLibxl(parseLibxlStrings(r.stdout), xen);
  if (!lib) throw new Error(`no libxenlight found to read the device model paths from (${r.stderr.trim() || `exit ${r.code}`})`);
  return lib;
}

/** Prints the path and exits 0 when it is an executable file. */
export const IS_EXECUTABLE = '[ -f "$1" ] && [ -x "$1" ] && ls -lL "$1"';

export const qemuXen: Check = {
  id: 'devicemodel.qemu-xen',
  title: 'The qemu-xen device model libxl starts for HVM guests is installed at the path libxl was built with, and runs',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const xen = await runningXen(ctx);
    const lib = await libxlPaths(ctx, xen?.version);
    const pkg = ctx.profile.xenPackages.deviceModel;
    if (!lib.qemuXen) {
      return fail(
        `${lib.library} names no qemu-system-i386 path (QEMU_XEN_PATH)`,
        `Build the tools with --with-system-qemu=<path of the qemu-system-i386 in ${pkg}>.`,
      );
    }
    const present = await ctx.run(['sh', '-c', IS_EXECUTABLE, 'sh', lib.qemuXen]);
    if (present.code !== 0) {
      return fail(
        `libxl (${lib.library}) starts HVM guests with ${lib.qemuXen}, which is not installed`,
        `Make the tools package (${ctx.profile.xenPackages.tools}) pull in ${pkg}, which provides ${lib.qemuXen}: a Depends, not a Recommends that --no-install-recommends installs skip; or build libxl with --with-system-qemu pointing at where ${pkg} puts it.`,
      );
    }
    const v = await ctx.run([lib.qemuXen, '--version']);
    const version = /QEMU emulator version [^\n]*/.exec(v.stdout)?.[0];
    if (v.code !== 0 || !version) {
      return fail(
        `${lib.qemuXen} --version fails (exit ${v.code}): ${(v.stderr || v.stdout).trim().split('\n')[0] ?? ''}`,
        `${pkg} must install a device model that runs: check its shared library dependencies (ldd ${lib.qemuXen}).`,
      );
    }
    return pass(`${lib.qemuXen} (from ${lib.library}) runs: ${version.trim()}`);
  },
};

/** Upstream stopped building qemu-xen-traditional by default in 4.16 (--enable-qemu-traditional) and removed it in 4.21. */
export const QEMU_TRAD_OFF_BY_DEFAULT: Version = [4, 16];
export const QEMU_TRAD_REMOVED: Version = [4, 21];

export const qemuTraditional: Check = {
  id: 'devicemodel.qemu-traditional',
  title: 'Where this Xen still ships qemu-xen-traditional, qemu-dm is installed where libxl looks for it',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const xen = await runningXen(ctx);
    if (!xen) throw new Error('cannot tell the Xen version: xl info does not answer and no hypervisor package is known');
    const seen = `Xen ${xen.text} runs (${xen.from})`;
    if (atLeast(xen.version, QEMU_TRAD_REMOVED)) {
      return notApplicable(`${seen}: qemu-xen-traditional was removed from Xen in ${fmt(QEMU_TRAD_REMOVED)}`);
    }
    const lib = await libxlPaths(ctx, xen.version);
    const path = lib.qemuDm ?? `${lib.privateBindir ?? '/usr/lib/xen/bin'}/qemu-dm`;
    const r = await ctx.run(['sh', '-c', IS_EXECUTABLE, 'sh', path]);
    if (atLeast(xen.version, QEMU_TRAD_OFF_BY_DEFAULT)) {
      if (r.code === 0) return pass(`${seen}; this build ships qemu-xen-traditional: ${path} is installed`);
      return notApplicable(
        `${seen}: since Xen ${fmt(QEMU_TRAD_OFF_BY_DEFAULT)} qemu-xen-traditional is not built unless configured with --enable-qemu-traditional (removed in ${fmt(QEMU_TRAD_REMOVED)}), and this build does not ship it (no ${path})`,
      );
    }
    if (r.code !== 0) {
      return fail(
        `${seen}, which builds qemu-xen-traditional by default, but ${path} (where libxl ${lib.library} looks for qemu-dm) is not an executable file`,
        `Install qemu-dm from the Xen build (tools/qemu-xen-traditional) at ${path}, in the tools package or one it depends on.`,
      );
    }
    return pass(`${seen}: ${path} is installed`);
  },
};

export const deviceModelChecks: Check[] = [qemuXen, qemuTraditional];
