// One settings object for the action and the CLI. (Filled in: see parseSettings.)
export type Accel = 'auto' | 'kvm' | 'tcg';

export interface Timeouts {
  /** Seconds for each phase; each wait names its phase when it runs out. */
  image: number;
  boot: number;
  install: number;
  reboot: number;
  check: number;
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
}
