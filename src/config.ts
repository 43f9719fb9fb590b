// One settings object for the action and the CLI. (Filled in: see parseSettings.)
import type { Report } from './report/types.js';

export type Accel = 'auto' | 'kvm' | 'tcg';

export interface Timeouts {
  /** Seconds for each phase; each wait names its phase when it runs out. */
  image: number;
  boot: number;
  install: number;
  reboot: number;
  check: number;
  /** The bound dom0.clean-shutdown holds dom0's shutdown to. */
  shutdown: number;
}

/** An official cloud image of the distro, instead of one built with mmdebstrap. */
export interface CloudImageSource {
  /** http(s) URL of a qcow2 or raw disk image. */
  url: string;
  /** Lower-case hex; the download must match it before anything boots. */
  sha256: string;
}

export interface RunConfig {
  distro: string;
  /** Absolute paths of the candidate package files; empty means the archive's own (a baseline). */
  packages: string[];
  /** Check ids to run; null means all. */
  checks: string[] | null;
  outDir: string;
  accel: Accel;
  timeouts: Timeouts;
  /** Where base images are kept between runs. */
  cacheDir: string;
  /** Boot this cloud image instead of building one; undefined: build with mmdebstrap. */
  image?: CloudImageSource;
  /** Where Xen runs: a VM on the runner (the default) or a machine of the user's over SSH. */
  target: Target;
  /** Checks known to fail, with why: reported as failing, marked expected, not failing the job. */
  expectedFailures: ExpectedFailure[];
  /** An earlier run's report: with it, only regressions fail the job. */
  baseline?: Baseline;
  /** Install the host tools the runner lacks (apt-get, through sudo when not root). */
  installHostTools: boolean;
}

export interface ExpectedFailure {
  id: string;
  reason: string;
}

export interface Baseline {
  /** Absolute path of the report.json, as the summary names it. */
  path: string;
  report: Report;
}

export type Target = { kind: 'qemu' } | SshTargetConfig;

/** A machine the user owns, reached over SSH with a pinned host key. */
export interface SshTargetConfig {
  kind: 'ssh';
  host: string;
  user: string;
  port: number;
  /** The private key's text: a secret, never logged or written outside the run's private directory. */
  key: string;
  /** known_hosts lines with the host's key (and the migrate-to host's): never trust an unseen key. */
  knownHosts: string;
  /** A second host for migration (same user, key and known_hosts). */
  migrateTo?: { host: string; port: number };
}

/** How the report names an SSH target. */
export function sshTargetName(t: { user: string; host: string; port: number }): string {
  return `${t.user}@${t.host}:${t.port}`;
}
