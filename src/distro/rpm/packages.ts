// The RPM families' package manager: dnf (Fedora, CentOS Stream) or zypper
// (openSUSE) installs, rpm answers what is installed and who owns a file,
// rpm -qp reads a candidate .rpm.
import { rpmFailureCause } from './rpm-failure.js';
import type { PackageManager, Run } from '../parts.js';
import { readRpm } from './read-rpm.js';
import { parseQaLines, parseRpmInstalled, parseRpmOwners, RPM_INSTALLED, rpmOwner } from './rpm-parse.js';

export interface Installer {
  /** argv that installs package files (paths) or repository names, answering yes. */
  install(packages: string[]): string[];
  /** argv that refreshes the repository metadata. */
  refresh(): string[];
  /** Lines of its output that say why an install failed. */
  failure: RegExp;
  /** argv that runs a kernel release's install hooks again (initramfs, boot entries). */
  kernelReconfigure(release: string): string[];
}

/** dnf (Fedora, CentOS Stream): its solver's "Problem:" and "nothing provides" lines say why. */
export const DNF: Installer = {
  install: (packages) => ['dnf', 'install', '-y', ...packages],
  refresh: () => ['dnf', 'makecache'],
  failure: /Problem|nothing provides|conflicts with|Error:/,
  // kernel-install runs every /usr/lib/kernel/install.d plugin, as the kernel package's %posttrans does
  // (dracut's initramfs, the BootLoaderSpec entry). From kernel-install(8); not run here.
  kernelReconfigure: (release) => ['kernel-install', 'add', release, `/lib/modules/${release}/vmlinuz`],
};

/** zypper (openSUSE): --non-interactive answers its questions. */
export const ZYPPER: Installer = {
  install: (packages) => ['zypper', '--non-interactive', 'install', ...packages],
  refresh: () => ['zypper', '--non-interactive', 'refresh'],
  failure: /Problem:|nothing provides|conflicts with|Error/,
  // What kernel-default's scriptlets amount to: a new initramfs, then the boot config
  // (update-bootloader is openSUSE's perl-Bootloader). Written from their documentation; not run here.
  kernelReconfigure: (release) => ['sh', '-c', 'dracut --force --kver "$1" && update-bootloader --refresh', 'sh', release],
};

async function qa(run: Run, format: string, globs: string[]): Promise<string[][]> {
  const r = await run(['rpm', '-qa', '--qf', format, ...globs]);
  return parseQaLines(r.stdout);
}

export function rpmPackages(installer: Installer): PackageManager {
  return {
    format: 'rpm',
    anyArch: 'noarch',
    installCommand: installer.install,
    refreshIndexCommand: installer.refresh,
    async installed(run) {
      const r = await run(RPM_INSTALLED);
      if (r.code !== 0) throw new Error(`rpm -qa failed (exit ${r.code}): ${r.stderr.trim()}`);
      return parseRpmInstalled(r.stdout);
    },
    async installedNames(run, globs) {
      return (await qa(run, '%{NAME}\\n', globs)).map((f) => f[0]);
    },
    async installedVersions(run, glob) {
      return (await qa(run, '%{NAME} %{VERSION}-%{RELEASE}\\n', [glob])).map(([name, version]) => ({ name, version }));
    },
    owners: async (run, path) => parseRpmOwners((await run(rpmOwner(path))).stdout),
    // rpmbuild's own name for it (%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}.rpm); an epoch is not in file names.
    fileName: (p) => `${p.name}-${p.version.replace(/^\d+:/, '')}.${p.arch}.rpm`,
    readFile: readRpm,
    // rpm's own closing words after a scriptlet failed (the cause is the scriptlet's line before them).
    isOwnReport: (line) => /^(error: %\S+\(|warning: %\S+\(|Error in (PREIN|POSTIN|PREUN|POSTUN) scriptlet|Non-fatal POSTIN scriptlet failure)/.test(line),
    installFailureLines: (output) => output.split('\n').filter((l) => installer.failure.test(l)),
    installFailureCause: rpmFailureCause,
    kernelReconfigureCommand: installer.kernelReconfigure,
    ownerQueryHint: 'rpm -qf',
    sharedLibDependsHint: "rpmbuild's automatic library Requires (find-requires)",
  };
}
