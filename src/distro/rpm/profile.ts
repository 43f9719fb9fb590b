// An RPM-family release put together from its parts (rpm with dnf or zypper,
// GRUB 2, dracut, native systemd units). Each release's facts, with where
// they were read, are in src/distro/<family>/; none has an image builder
// here (their archives are unreachable from this project's machines), so a
// run needs the release's cloud image (image-url).
import type { BootConfig, Initramfs, InitSystem, PackageManager, Run } from '../parts.js';
import type { DistroFamily, DistroProfile } from '../profile.js';
import { osReleaseMismatch } from '../os-release.js';

export interface RpmRelease {
  id: string;
  title: string;
  family: DistroFamily;
  /** /etc/os-release's ID and VERSION_ID on this release. */
  osRelease: { id: string; versionId: string };
  packages: PackageManager;
  boot: BootConfig;
  initramfs: Initramfs;
  init: InitSystem;
  metaPackage: string;
  services: DistroProfile['services'];
  xenPackages: DistroProfile['xenPackages'];
  hotplugScriptDir: string;
  cloudImagePage: string;
}

export class RpmProfile implements DistroProfile {
  readonly id: string;
  readonly title: string;
  readonly family: DistroFamily;
  /** Never booted here: every fact is from the packaging and recorded outputs (notes/distros-readme.md). */
  readonly verified = false;
  readonly arch = 'x86_64';
  readonly packages: PackageManager;
  readonly boot: BootConfig;
  readonly initramfs: Initramfs;
  readonly init: InitSystem;
  readonly image = undefined;
  readonly cloudImagePage: string;
  readonly metaPackage: string;
  // Only an image builder installs these; there is none for this release.
  readonly basePackages: string[] = [];
  readonly guestPackages: string[] = [];
  readonly services: DistroProfile['services'];
  readonly xenPackages: DistroProfile['xenPackages'];
  readonly hotplugScriptDir: string;
  private readonly os: RpmRelease['osRelease'];

  constructor(r: RpmRelease) {
    this.id = r.id;
    this.title = r.title;
    this.family = r.family;
    this.packages = r.packages;
    this.boot = r.boot;
    this.initramfs = r.initramfs;
    this.init = r.init;
    this.cloudImagePage = r.cloudImagePage;
    this.metaPackage = r.metaPackage;
    this.services = r.services;
    this.xenPackages = r.xenPackages;
    this.hotplugScriptDir = r.hotplugScriptDir;
    this.os = r.osRelease;
  }

  osReleaseMismatch(osRelease: string): string | undefined {
    return osReleaseMismatch(osRelease, { id: this.os.id, field: 'VERSION_ID', value: this.os.versionId, title: this.title });
  }

  /** The hypervisor package's name carries no version on these families (xen-hypervisor, xen): none to read. */
  hypervisorVersion(): string | undefined {
    return undefined;
  }

  /** The package named xenPackages.hypervisor, exactly: its version says which Xen. */
  async hypervisorPackage(run: Run): Promise<{ name: string; version: string } | undefined> {
    const name = this.xenPackages.hypervisor;
    return (await this.packages.installedVersions(run, name)).find((p) => p.name === name);
  }

  /** major.minor of the package version: 4.19.1-2.fc45 (Fedora), 4.18.5_02-150600.3.1 (openSUSE). */
  hypervisorXenVersion(pkg: { name: string; version: string }): string | undefined {
    return /^(?:\d+:)?(\d+\.\d+)/.exec(pkg.version)?.[1];
  }
}
