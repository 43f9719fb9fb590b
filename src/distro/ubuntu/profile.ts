// Ubuntu LTS: Debian's parts (apt and dpkg, update-grub, initramfs-tools,
// systemd with SysV scripts) and Ubuntu's own Xen packages, which Ubuntu
// takes from Debian's packaging (salsa.debian.org/xen-team/debian-xen).
//
// Ubuntu's debian/ directory itself was not found with the search tool: the
// package names, the meta package and the SysV units below are Debian's, as
// verified on Debian 12 (src/distro/debian/profile.ts). The one Ubuntu delta
// found is from Ubuntu's changelog (launchpad.net/ubuntu/+source/xen,
// 4.16.0-1~ubuntu2, "Remaining changes: Recommend qemu-system-x86-xen"):
// the device model is Ubuntu's qemu-system-x86-xen, not Debian's
// qemu-system-xen; that noble's 4.17 package keeps this delta is assumed.
// No image builder here (mmdebstrap from Ubuntu's archive is not reachable
// from this project's machines): a run needs Ubuntu's cloud image.
import { debianGrub, debianInitramfs } from '../debian/boot.js';
import { debianHypervisorPackage, debianHypervisorVersion } from '../debian/hypervisor.js';
import { debianInit } from '../debian/init.js';
import { debianPackages } from '../debian/packages.js';
import { osReleaseMismatch } from '../os-release.js';
import type { Run } from '../parts.js';
import type { DistroProfile } from '../profile.js';

export class UbuntuProfile implements DistroProfile {
  readonly family = 'debian' as const;
  /** Never booted here (notes/distros-readme.md). */
  readonly verified = false;
  readonly arch = 'amd64';
  readonly packages = debianPackages;
  readonly boot = debianGrub;
  readonly initramfs = debianInitramfs;
  readonly init = debianInit;
  readonly image = undefined;
  readonly cloudImagePage: string;
  readonly metaPackage = 'xen-system-amd64';
  readonly basePackages: string[] = [];
  readonly guestPackages: string[] = [];
  readonly services = { commons: 'xen', domains: 'xendomains', atBoot: ['xen', 'xendomains'] };
  readonly xenPackages = {
    hypervisor: 'xen-hypervisor',
    tools: 'xen-utils',
    deviceModel: 'qemu-system-x86-xen',
    manPages: 'xen-utils-common',
    xenstoreUtils: 'xenstore-utils',
  };
  readonly hotplugScriptDir = '/etc/xen/scripts';

  constructor(
    readonly id: string,
    readonly title: string,
    private readonly codename: string,
  ) {
    this.cloudImagePage = `https://cloud-images.ubuntu.com/${codename}/current/`;
  }

  osReleaseMismatch(osRelease: string): string | undefined {
    return osReleaseMismatch(osRelease, { id: 'ubuntu', field: 'VERSION_CODENAME', value: this.codename, title: this.title });
  }

  hypervisorVersion(packageNames: string[]): string | undefined {
    return debianHypervisorVersion(packageNames);
  }

  hypervisorPackage(run: Run): Promise<{ name: string; version: string } | undefined> {
    return debianHypervisorPackage(this.packages, run);
  }

  hypervisorXenVersion(pkg: { name: string; version: string }): string | undefined {
    return debianHypervisorVersion([pkg.name]);
  }
}
