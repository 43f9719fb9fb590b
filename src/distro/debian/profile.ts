// Debian's releases: the profile puts Debian's parts together (apt and dpkg,
// GRUB's update-grub, initramfs-tools, systemd with SysV scripts, mmdebstrap).
import { existsSync } from 'node:fs';
import type { Recipe } from '../../image/recipe.js';
import type { DistroProfile } from '../profile.js';
import type { ImageSource, Run } from '../parts.js';
import { debianGrub, debianInitramfs } from './boot.js';
import { CONSOLE_FILE, customizeScript, guestCustomizeScript, guestFiles, overlayFiles } from './image-recipe.js';
import { debianHypervisorPackage, debianHypervisorVersion } from './hypervisor.js';
import { debianInit } from './init.js';
import { debianPackages } from './packages.js';

interface DebianRelease {
  id: string;
  title: string;
  suite: string;
  verified: boolean;
  units: { commons: string; domains: string; atBoot: string[] };
}

export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** mmdebstrap's hook directory that runs dpkg under eatmydata (mmdebstrap 1.x ships it). */
const EATMYDATA_HOOKS = '/usr/share/mmdebstrap/hooks/eatmydata';
export const DEBIAN_SECURITY = 'http://deb.debian.org/debian-security';

/**
 * A plain install, for the Xen host and the domU alike: SSH server, the boot
 * loader, and the stock kernel (KERNEL), which the customize hook installs
 * last (see image-recipe.ts).
 */
const PLAIN_INSTALL = ['grub-pc', 'openssh-server', 'systemd-sysv', 'udev', 'kmod', 'initramfs-tools', 'iproute2', 'procps'];

export class DebianProfile implements DistroProfile {
  readonly family = 'debian' as const;
  readonly arch = 'amd64';
  readonly packages = debianPackages;
  readonly boot = debianGrub;
  readonly initramfs = debianInitramfs;
  readonly init = debianInit;
  readonly image: ImageSource;
  readonly metaPackage = 'xen-system-amd64';
  readonly basePackages = [
    ...PLAIN_INSTALL,
    // A default Debian install has man-db (priority important): man -w answers.
    'man-db',
    // What the tool itself uses in dom0 to run a domU: a volume group for its
    // disks, a DHCP server on the bridge it makes, ping and arping for the checks.
    'lvm2',
    'dnsmasq-base',
    'iputils-ping',
    'iputils-arping',
  ];
  /** The domU: a plain install that boots through its own GRUB config, and ethtool for the network checks. */
  readonly guestPackages = [...PLAIN_INSTALL, 'iputils-ping', 'ethtool'];
  readonly id: string;
  readonly title: string;
  readonly suite: string;
  readonly verified: boolean;
  readonly services: { commons: string; domains: string; atBoot: string[] };
  // Confirmed in Debian 12's packages (4.17.7+13-g2445b30a44-0+deb12u1): xen-hypervisor-4.17-amd64
  // Provides xen-hypervisor, xen-utils-4.17 Provides xen-utils (and only Recommends qemu-system-xen,
  // which ships /usr/libexec/xen-qemu-system-i386, the path compiled into libxenlight), xl.1.gz and
  // the xl*.5 pages are in xen-utils-common, /usr/bin/xenstore-* in xenstore-utils.
  readonly xenPackages = {
    hypervisor: 'xen-hypervisor',
    tools: 'xen-utils',
    deviceModel: 'qemu-system-xen',
    manPages: 'xen-utils-common',
    xenstoreUtils: 'xenstore-utils',
  };
  readonly hotplugScriptDir = '/etc/xen/scripts';

  constructor(r: DebianRelease) {
    this.id = r.id;
    this.title = r.title;
    this.suite = r.suite;
    this.verified = r.verified;
    this.services = r.units;
    const guest = {
      name: `${this.id}-guest`,
      packages: this.guestPackages,
      files: guestFiles,
      customize: guestCustomizeScript(this.xenPackages.xenstoreUtils),
      diskBytes: 2 * 1024 ** 3,
    };
    this.image = {
      base: { name: this.id, packages: this.basePackages, files: overlayFiles, customize: customizeScript(this.metaPackage) },
      guest,
      consoleFile: CONSOLE_FILE,
      sources: () => this.sources(),
      builder: 'mmdebstrap',
      firstBoot: 'grub-install, update-grub',
      bootstrapCommand: (recipe, hook, root) => this.mmdebstrap(recipe, hook, root),
    };
  }

  /** mmdebstrap runs the executable hook directly with the root as $1. */
  private mmdebstrap(recipe: Recipe, hook: string, root: string): string[] {
    return [
      'mmdebstrap',
      '--variant=apt',
      '--mode=root',
      // dpkg inside eatmydata while the image is built (mmdebstrap's own hook, removed again
      // before it ends): the image is the same, its packages' fsyncs are skipped.
      ...(existsSync(EATMYDATA_HOOKS) ? [`--hook-dir=${EATMYDATA_HOOKS}`] : []),
      // Keep apt's lists and the downloaded Xen packages: the VM installs offline.
      '--skip=cleanup/apt/lists',
      '--skip=cleanup/apt/cache',
      `--include=${recipe.packages.join(',')}`,
      `--customize-hook=${hook}`,
      this.suite,
      root,
      ...this.sources(),
    ];
  }

  /** The apt sources a default install of this release has. */
  sources(): string[] {
    return [
      `deb ${DEBIAN_MIRROR} ${this.suite} main`,
      `deb ${DEBIAN_MIRROR} ${this.suite}-updates main`,
      `deb ${DEBIAN_SECURITY} ${this.suite}-security main`,
    ];
  }

  /** Why /etc/os-release says this is another system than the profile's, or undefined. */
  osReleaseMismatch(osRelease: string): string | undefined {
    const field = (name: string) => new RegExp(`^${name}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1];
    const id = field('ID');
    const codename = field('VERSION_CODENAME');
    if (id === 'debian' && codename === this.suite) return undefined;
    const seen = field('PRETTY_NAME') ?? `${id ?? 'an unknown system'} ${codename ?? ''}`.trim();
    return `the image is ${seen}, not ${this.title}; pass the distro the image is of, or an image of ${this.title}`;
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
