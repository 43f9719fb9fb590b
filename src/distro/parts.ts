// The parts a distro is made of, each with behaviour: the checks and the
// pipeline ask these questions and never name a family's tools or paths.
// A family implements every part once (src/distro/debian/ is the one to copy);
// profileFor (index.ts) puts a release's parts together from the `distro` setting.
import type { ImageFile, Recipe } from '../image/recipe.js';
import type { PackageDb } from '../parsers/package-relations.js';
import type { RunResult } from '../proc.js';

/** Runs argv where the caller chose (a check's host or guest, recorded as evidence); a non-zero exit is returned. */
export type Run = (argv: readonly string[]) => Promise<RunResult>;

/** A package file's own fields, read on the runner. */
export interface PackageFileFields {
  name: string;
  version: string;
  arch: string;
  /** Names it depends on (alternatives and versions dropped). */
  depends: string[];
}

/** A package file unpacked on the runner, for the static checks: its fields, its files and its maintainer scripts. */
export interface UnpackedPackage {
  name: string;
  version: string;
  arch: string;
  provides: string[];
  /** Pre-Depends then Depends: each clause a list of alternatives (names only). */
  depends: string[][];
  recommends: string[][];
  /** Absolute paths of what it ships that is not a directory (links included), e.g. /usr/bin/xl. */
  files: string[];
  /** Maintainer scripts by Debian's names for their roles (preinst, postinst, prerm, postrm), whatever the family calls them. */
  scripts: Record<string, string>;
  /** Where its files were unpacked on the runner: read them there, never run them. */
  root: string;
}

export interface PackageManager {
  /** What a package file is (the `packages` input takes these): 'deb', 'rpm', ... */
  format: string;
  /** Unpacks a package file into dir on the runner, running none of it; undefined: no static reader for this family yet. */
  unpack?(file: string, dir: string): Promise<UnpackedPackage>;
  /** The architecture a package for every architecture says: Debian's `all`, rpm's `noarch`. */
  anyArch: string;
  /** argv that installs these package files (or archive names) with their dependencies. */
  installCommand(packages: string[]): string[];
  /** argv that refreshes the package manager's lists (a cloud image's are old). */
  refreshIndexCommand(): string[];
  /** Every installed package with its relationships; throws when the query fails. */
  installed(run: Run): Promise<PackageDb>;
  /** The installed packages whose names match these globs. */
  installedNames(run: Run, globs: string[]): Promise<string[]>;
  /** Name and version of each installed package whose name matches the glob. */
  installedVersions(run: Run, glob: string): Promise<{ name: string; version: string }[]>;
  /** The packages that ship a path (or glob); none when no package does. */
  owners(run: Run, path: string): Promise<string[]>;
  /** A package file's name as the package manager would give it, from its own fields. */
  fileName(p: { name: string; version: string; arch: string }): string;
  /** Reads a package file on the runner; throws InputError when it is not one. */
  readFile(file: string): Promise<PackageFileFields>;
  /** Whether an output line is the package tools' own account of a failure (not its cause). */
  isOwnReport(line: string): boolean;
  /** The lines of a failed install's output that say why. */
  installFailureLines(output: string): string[];
  /** A failed install's cause naming the package, the maintainer script or the conflicting file; undefined when the output says none. */
  installFailureCause(output: string): string | undefined;
  /** argv that configures a kernel release's package again, as its (re)install does (every kernel hook). */
  kernelReconfigureCommand(release: string): string[];
  /** Advice words: how a packager finds the package that ships a file. */
  ownerQueryHint: string;
  /** Advice words: how a package's shared library dependencies get filled in. */
  sharedLibDependsHint: string;
}

export interface BootConfig {
  /** Whether a maintainer script regenerates the boot config (the checklist: installing Xen updates the boot entries). */
  regeneratedByScript?(script: string): boolean;
  /** Where the boot loader's generated config lives. */
  configPath: string;
  /** Where the boot loader keeps a saved default (read with the config; may be absent). */
  savedDefaultPath: string;
  /** GRUB's own checkers as this family names them: the config's syntax (grub-script-check), a kernel's loadability (grub-file). */
  grubTools: { scriptCheck: string; file: string };
  /** argv that regenerates the boot config with the distro's own tool. */
  regenerateCommand(): string[];
  /** A settings file of ours for the boot config generator (name: a word, no path). */
  dropInPath(name: string): string;
  /** Advice: how the hypervisor package makes Xen the default entry on this family. */
  xenDefaultAdvice: string;
}

export interface Initramfs {
  /** Where a kernel release's initramfs is (it is read on the runner). */
  image(kernelRelease: string): string;
}

/** How a unit stands at boot: enabled or not, in the words a message uses. */
export interface UnitBootState {
  enabled: boolean;
  /** enabled: "(how)", e.g. "SysV, S links in rc2,3,4,5"; not enabled: "is ..." after the unit's name. */
  detail: string;
}

export interface InitSystem {
  /** Where a package ships the unit or script of this service (any of these). */
  unitFiles?(unit: string): string[];
  /** Whether a maintainer script enables this service at boot. */
  enabledByScript?(script: string, unit: string): boolean;
  /** Whether each unit starts at boot, asked in the order given. */
  bootStates(run: Run, units: readonly string[]): Promise<Map<string, UnitBootState>>;
  /** Advice: how a package enables its services on this family. */
  enableAdvice: string;
}

/** The recipe the image builder follows for this release (a family without one cannot build images yet). */
export interface ImageSource {
  /** The Xen host's plain install. */
  base: Recipe;
  /** The domU's. */
  guest: Recipe;
  /** The boot loader's serial console settings, which a cloud image gets through cloud-init. */
  consoleFile: ImageFile;
  /** The archive's sources: part of the cache key. */
  sources(): string[];
  /** The builder's name, for the log. */
  builder: string;
  /** What the image's first boot runs to make it bootable, for the log. */
  firstBoot: string;
  /** argv that builds the root tree into `root`, running the executable `hook` with the root as $1. */
  bootstrapCommand(recipe: Recipe, hook: string, root: string): string[];
}
