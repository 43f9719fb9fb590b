// Debian's package manager: apt installs (package files or archive names),
// dpkg answers what is installed and who owns a file, dpkg-deb reads a .deb.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InputError } from '../../errors.js';
import { reason, show } from '../../packages.js';
import type { PackageFileFields, PackageManager, Run } from '../parts.js';
import { DPKG_INSTALLED, dpkgOwner, parseInstalled, parseOwners } from './dpkg-parse.js';
import { unpackDeb } from './unpack.js';
import { aptFailureCause } from './apt-failure.js';

const execFileP = promisify(execFile);

/** Name, version and architecture from the package's control file, via dpkg-deb (argv, no shell). */
async function readDeb(file: string): Promise<PackageFileFields> {
  let stdout: string;
  try {
    ({ stdout } = await execFileP('dpkg-deb', ['--field', file, 'Package', 'Version', 'Architecture', 'Depends', 'Pre-Depends'], {
      env: { ...process.env, LC_ALL: 'C' }, // stable, English error lines
    }));
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new InputError('dpkg-deb was not found; install dpkg (apt-get install dpkg) to read .deb packages');
    const line = (e.stderr ?? '').split('\n').find((l) => l.trim() !== '') ?? reason(err);
    throw new InputError(`${show(file)} is not a Debian package (dpkg-deb: ${line.replace(/^dpkg-deb: /, '')})`);
  }
  const field = (name: string) => stdout.match(new RegExp(`^${name}:[ \\t]*(\\S.*)$`, 'm'))?.[1].trim();
  const [name, version, arch] = [field('Package'), field('Version'), field('Architecture')];
  if (!name || !version || !arch) {
    throw new InputError(`${show(file)} is not a Debian package (dpkg-deb: no Package, Version or Architecture field); rebuild it`);
  }
  const depends = [field('Depends'), field('Pre-Depends')]
    .flatMap((v) => (v ?? '').split(/[,|]/))
    .map((d) => d.trim().split(/[\s(:]/)[0])
    .filter(Boolean);
  return { name, version, arch, depends };
}

/** `dpkg-query -W` after the status column: the fields of each package installed ("ii"). */
async function queryInstalled(run: Run, format: string, globs: string[]): Promise<string[][]> {
  const r = await run(['dpkg-query', '-W', '-f', `\${db:Status-Abbrev} ${format}`, ...globs]);
  return r.stdout
    .split('\n')
    .filter((l) => /^ii /.test(l))
    .map((l) => l.slice(4).trim().split(/\s+/));
}

export const debianPackages: PackageManager = {
  format: 'deb',
  anyArch: 'all',
  // apt-get takes local files when they are paths; Recommends as a user's
  // default would (Debian's device model is only a Recommends of xen-utils).
  installCommand: (packages) => ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', ...packages],
  /** apt-get update: a cloud image's lists are as old as the image. */
  refreshIndexCommand: () => ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'update', '-q'],
  async installed(run) {
    const r = await run(DPKG_INSTALLED);
    if (r.code !== 0) throw new Error(`dpkg-query failed (exit ${r.code}): ${r.stderr.trim()}`);
    return parseInstalled(r.stdout);
  },
  // dpkg-query expands \n: the domU's query has always passed it escaped, the host's as a newline (same output).
  async installedNames(run, globs) {
    return (await queryInstalled(run, '${Package}\\n', globs)).map((f) => f[0]);
  },
  async installedVersions(run, glob) {
    return (await queryInstalled(run, '${Package} ${Version}\n', [glob])).map(([name, version]) => ({ name, version }));
  },
  owners: async (run, path) => parseOwners((await run(dpkgOwner(path))).stdout),
  fileName: (p) => `${p.name}_${p.version.replace(/:/g, '%3a')}_${p.arch}.deb`,
  readFile: readDeb,
  unpack: unpackDeb,
  isOwnReport: (line) => /^(dpkg:|dpkg-reconfigure:|debconf:|Errors were encountered)/.test(line),
  // apt explains unmet dependencies on stdout.
  installFailureLines: (output) => output.split('\n').filter((l) => /Depends:|unmet|E: /.test(l)),
  installFailureCause: aptFailureCause,
  /**
   * linux-image-<release>'s postinst, as a reinstall runs it after unpacking:
   * depmod, the /boot symlinks, then every /etc/kernel/postinst.d hook
   * (zz-update-grub regenerates grub.cfg). INITRD=No is the initramfs hook's
   * own switch: it keeps the initramfs the guest booted, since rebuilding it
   * took over 8 minutes in a PV guest under TCG. Measured there (Debian 12):
   * this 46 s, a full reinstall 139-143 s (75 s of it unpacking).
   */
  kernelReconfigureCommand: (release) => ['env', 'INITRD=No', 'DEBIAN_FRONTEND=noninteractive', 'dpkg-reconfigure', `linux-image-${release}`],
  ownerQueryHint: 'dpkg -S',
  sharedLibDependsHint: '${shlibs:Depends}, from dpkg-shlibdeps',
};
