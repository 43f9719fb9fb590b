// One settings object for the action and the CLI. (Filled in: see parseSettings.)
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
}
