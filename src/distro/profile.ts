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
  /** Where the boot loader's generated config lives. */
  grubCfg: string;
  /** Names the init system knows the toolstack services by. */
  services: { commons: string; domains: string };
  /** argv, run on the Xen host, that installs these package files (or archive names) with their dependencies. */
  installCommand(packages: string[]): string[];
  /** argv, run on the Xen host, that regenerates the boot config with the distro's own tool. */
  bootConfigCommand(): string[];
  /** Where the hypervisor package puts its version: read from the candidate's package name. */
  hypervisorVersion(packageNames: string[]): string | undefined;
}
