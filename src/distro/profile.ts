// What differs between distributions, in one place per family. The pipeline
// and the checks ask the profile and its parts (parts.ts); they never branch
// on a distro's name nor name its tools.
import type { BootConfig, ImageSource, Initramfs, InitSystem, PackageManager, Run } from './parts.js';

/** The package family: debian (Debian, Ubuntu), rpm (dnf: Fedora, CentOS Stream), zypper (openSUSE); apk is not implemented. */
export type DistroFamily = 'debian' | 'rpm' | 'zypper' | 'apk';

export interface DistroProfile {
  id: string;
  title: string;
  family: DistroFamily;
  /** Verified end to end on this project's machines (the README says which). */
  verified: boolean;
  arch: string;
  /** Installs, queries and reads packages. */
  packages: PackageManager;
  /** The boot loader's generated config. */
  boot: BootConfig;
  initramfs: Initramfs;
  /** Which services start at boot. */
  init: InitSystem;
  /** How the image builder makes this release's images; undefined: no image builder for it yet. */
  image?: ImageSource;
  /**
   * The distro's official cloud images page: where a user finds the image
   * (image-url, image-sha256) for a release without an image builder here.
   */
  cloudImagePage?: string;
  /** The meta package that pulls in the hypervisor, the tools and the docs. */
  metaPackage: string;
  /** Packages of a plain install: stock kernel, SSH server, the boot loader; no Xen. */
  basePackages: string[];
  /** Packages of the domU's plain install (its own kernel and boot loader config). */
  guestPackages: string[];
  /**
   * Names the init system knows the toolstack services by; `atBoot`: every
   * one that must be enabled at boot (upstream: xencommons or xenstored,
   * xenconsoled, xen-init-dom0; and xendomains).
   */
  services: { commons: string; domains: string; atBoot: string[] };
  /**
   * Which package carries each part of Xen: a package name, or a virtual
   * name the package Provides (so it holds across Xen versions).
   */
  xenPackages: {
    /** The hypervisor (Debian: xen-hypervisor-<ver>-<arch> Provides xen-hypervisor). */
    hypervisor: string;
    /** The full toolstack (Debian: xen-utils-<ver> Provides xen-utils). */
    tools: string;
    /** The device model libxl runs for HVM guests (qemu-system-i386 built for Xen). */
    deviceModel: string;
    /** The xl man pages. */
    manPages: string;
    /** The xenstore-* utilities, apart from the toolstack. */
    xenstoreUtils: string;
  };
  /** Where the hotplug scripts live (libxl's XEN_SCRIPT_DIR). */
  hotplugScriptDir: string;
  /** Why the host's /etc/os-release names another release than this profile's, or undefined. */
  osReleaseMismatch(osRelease: string): string | undefined;
  /** Where the hypervisor package puts its version: read from the candidate's package name. */
  hypervisorVersion(packageNames: string[]): string | undefined;
  /**
   * The installed hypervisor package, asked with the family's tools (the
   * pipeline's installedHypervisor asks Debian's naming only: xen-hypervisor-<x.y>-*).
   */
  hypervisorPackage(run: Run): Promise<{ name: string; version: string } | undefined>;
  /**
   * The Xen major.minor a hypervisor package installs: Debian's is in the
   * package name, the RPM families' in the package version.
   */
  hypervisorXenVersion(pkg: { name: string; version: string }): string | undefined;
}
