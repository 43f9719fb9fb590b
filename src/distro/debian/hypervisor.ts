// Debian's (and Ubuntu's) hypervisor package carries the Xen version in its
// name: xen-hypervisor-<major.minor>-<arch>.
import type { PackageManager, Run } from '../parts.js';

const PREFIX = 'xen-hypervisor-';

export function debianHypervisorVersion(packageNames: string[]): string | undefined {
  for (const n of packageNames) {
    const m = /^xen-hypervisor-(\d+\.\d+)-/.exec(n);
    if (m) return m[1];
  }
  return undefined;
}

/** The installed xen-hypervisor-<x.y>-<arch> (not the virtual or meta names beside it). */
export async function debianHypervisorPackage(packages: PackageManager, run: Run): Promise<{ name: string; version: string } | undefined> {
  return (await packages.installedVersions(run, `${PREFIX}*`)).find((p) => /^\d/.test(p.name.slice(PREFIX.length)));
}
