// What differs between distributions, in one place per family. The pipeline
// and the checks ask the profile; they never branch on a distro's name.

export interface DistroProfile {
  id: string;
  title: string;
  family: 'debian';
  /** Verified end to end on this project's machines (the README says which). */
  verified: boolean;
  arch: string;
  packageFormat: 'deb';
  /** The meta package that pulls in the hypervisor, the tools and the docs. */
  metaPackage: string;
  /** Packages of a plain install: stock kernel, SSH server, the boot loader; no Xen. */
  basePackages: string[];
  /** Packages of the domU's plain install (its own kernel and boot loader config). */
  guestPackages: string[];
  /** Where the boot loader's generated config lives. */
  grubCfg: string;
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
  /** Where a kernel's initramfs is (it is read on the runner). */
  initramfs: { image(kernelRelease: string): string };
  /** argv, run on the Xen host, that installs these package files (or archive names) with their dependencies. */
  installCommand(packages: string[]): string[];
  /** argv, run on the Xen host, that refreshes the package manager's lists (a cloud image's are old). */
  refreshIndexCommand(): string[];
  /** Why the host's /etc/os-release names another release than this profile's, or undefined. */
  osReleaseMismatch(osRelease: string): string | undefined;
  /**
   * argv, run in a guest, that configures this kernel release's package again
   * as its (re)install does: every kernel hook, the boot config among them.
   */
  kernelReconfigureCommand(release: string): string[];
  /** argv, run on the Xen host, that regenerates the boot config with the distro's own tool. */
  bootConfigCommand(): string[];
  /** Where the hypervisor package puts its version: read from the candidate's package name. */
  hypervisorVersion(packageNames: string[]): string | undefined;
}
