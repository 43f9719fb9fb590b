// Where Xen runs: a VM on the runner or a machine of the user's. The pipeline
// and the checks only ever see this interface.
import type { ExecOptions, RunResult } from '../proc.js';

export type { ExecOptions };

export interface Host {
  /** e.g. "qemu (tcg)": goes into the report. */
  readonly target: string;
  /** Run argv on the host (quoted by shJoin on the way). */
  run(argv: readonly string[], opts: ExecOptions): Promise<RunResult>;
  /** Copy a local file to a path on the host. */
  put(localPath: string, remotePath: string, opts: ExecOptions): Promise<void>;
  /** Reboot and wait for a new boot (the boot id must change). */
  reboot(opts: ExecOptions): Promise<void>;
  bootId(opts: ExecOptions): Promise<string>;
  /**
   * Shut the host down (a machine that must come back reboots instead) and
   * say whether it was down within opts.timeoutMs, and by which command.
   * Nothing can run on it afterwards: this is the run's last act on the host.
   */
  shutdown(opts: ExecOptions): Promise<{ down: boolean; command: string }>;
  /** The last lines the host printed on its serial console, for errors. */
  serialTail(n: number): Promise<string[]>;
  /** Everything the serial console printed, for the out dir. */
  serialLog(): Promise<string>;
  close(): Promise<void>;
}
