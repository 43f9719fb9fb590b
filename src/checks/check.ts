// What a check is: a small declarative object the suite runs. It says where it
// looks, which checklist section it enforces, which checks it builds on (a
// check whose foundation failed is skipped with that reason, never passed),
// and what it requires of the run (judged by the suite: see requirements.ts).
import type { CandidateFault } from '../errors.js';
import type { BootFailure } from '../diagnose.js';
import type { Timeouts } from '../config.js';
import type { DistroProfile } from '../distro/profile.js';
import type { UnpackedPackage } from '../distro/parts.js';
import type { GuestStart, StartStep } from '../guest/guest.js';
import type { Host } from '../host/host.js';
import type { RunResult } from '../proc.js';
import type { Evidence, Status, Where } from '../report/types.js';

/** What the pipeline learned before the checks run. */
export interface RunFacts {
  /** The candidate package files unpacked on the runner, for the static checks (undefined: the family has no static reader). */
  candidateFiles?: UnpackedPackage[];
  /** The candidates' install as it ran (undefined: not installed yet, or the run needs no host). */
  install?: { command: string; code: number; output: string };
  /** The candidates stopped the run here: the named check fails with this, and nothing after it runs. */
  fault?: CandidateFault;
  /** The boot config (and its saved default) as the install left it, before this tool regenerated it; undefined: not read. */
  bootConfigAfterInstall?: { config?: string; savedDefault?: string };
  bootIdBeforeReboot?: string;
  bootIdAfterReboot?: string;
  /** The hypervisor package installed from the candidates, e.g. xen-hypervisor-4.17-amd64 4.17.7+13-... */
  hypervisorPackage?: { name: string; version: string };
  /** The reboot into Xen did not come back, and the console says why (GRUB's error, a panic). */
  bootFailure?: BootFailure;
  /** The serial console from the reboot into Xen on. */
  serialSinceReboot?: string;
  /** How bringing up the domU went (undefined: it was not started; see guestNotStarted). */
  guest?: GuestStart;
  /** Why no domU was started on this target. */
  guestNotStarted?: string;
  /** How QEMU runs the host (undefined: target ssh, a real machine). */
  accel?: 'kvm' | 'tcg';
  /** Candidate files in dom0 that the domU installs for domU.xenstore-utils (empty: the archive's). */
  guestCandidates?: string[];
  /** The second Xen host, when one was given and a wanted check moves the guest there. */
  migrateTo?: MigrateToHost;
}

/**
 * The second Xen host (migrate-to), in Xen with the candidates and ready to
 * receive the guest: its volume holds the guest's image, whose chunks have
 * the md5s volumeDigests lists (SPARSE_SEND's stdin).
 */
export interface MigrateToHost {
  host: Host;
  name: string;
  setup: StartStep[];
  volumeDigests: string[];
}

export interface CheckContext {
  host: Host;
  profile: DistroProfile;
  facts: RunFacts;
  timeoutMs: number;
  /** The run's timeouts in seconds (some are bounds a check holds the host to). */
  timeouts: Timeouts;
  /** Run argv on the host, recorded as evidence; a non-zero exit is returned, not thrown. */
  run(argv: readonly string[]): Promise<RunResult>;
  /** Run argv in the domU (through dom0), recorded as evidence; throws when there is no domU. */
  guest(argv: readonly string[]): Promise<RunResult>;
  /** run and guest on another host (the migrate-to host), recorded as evidence under its name; guest there is not checked to be up. */
  on(host: Host, name: string): Pick<CheckContext, 'run' | 'guest'>;
  /**
   * A file's bytes, read on the runner (dom0's, or the domU's through dom0),
   * recorded as evidence by its size; undefined when it cannot be read.
   */
  readFile(path: string, where?: 'dom0' | 'domU'): Promise<Buffer | undefined>;
  /** Record something that is not a command (a log excerpt). */
  note(what: string, output: string): void;
}

/**
 * Something a check needs of the run. The suite judges it before the check
 * runs: when `missing` names a reason, the check is skipped with it (the
 * reason is the skip's message). One without `missing` is used when the run
 * has it and the check runs either way (the pipeline sets it up only for a
 * wanted check that names it).
 */
export interface Requirement {
  what: string;
  missing?(facts: RunFacts): string | undefined;
}

export interface Outcome {
  status: Status;
  message: string;
  remedy?: string;
}

export interface Check {
  id: string;
  title: string;
  where: Where;
  seed: string;
  /** Ids of checks this one builds on: if one of them did not pass, this one is skipped. */
  after?: string[];
  /** Runs after every other check, in a phase of its own: it shuts the host down. */
  endsHost?: boolean;
  /** Changes the domU (hot-plug, save, migrate, reboot): runs alone, after the domU checks that only look. */
  changesGuest?: boolean;
  /** What it needs of the run: judged by the suite before it runs (see Requirement). */
  requires?: Requirement[];
  /** Its own bound in seconds, for a check whose work is an install or a copy (default: its phase's). */
  boundS?(t: Timeouts): number;
  run(ctx: CheckContext): Promise<Outcome>;
}

export const pass = (message: string): Outcome => ({ status: 'pass', message });
export const fail = (message: string, remedy: string): Outcome => ({ status: 'fail', message, remedy });
export const warn = (message: string, remedy?: string): Outcome => ({ status: 'warn', message, remedy });
export const notApplicable = (message: string): Outcome => ({ status: 'not-applicable', message });
/** Not judged here, for a reason of the environment (no IOMMU, no domU on this target), never for a failure. */
export const skip = (message: string): Outcome => ({ status: 'skip', message });

/** Keep evidence short enough for a job summary: the head and tail of long output. */
export function excerpt(text: string, maxLines = 40, maxChars = 4000): string {
  let lines = text.replace(/\r/g, '').split('\n');
  if (lines.length > maxLines) {
    const head = lines.slice(0, 10);
    const tail = lines.slice(-(maxLines - 11));
    lines = [...head, `... (${lines.length - maxLines + 1} lines left out) ...`, ...tail];
  }
  const s = lines.join('\n').trimEnd();
  return s.length > maxChars ? `${s.slice(0, 1000)}\n... (${s.length - maxChars} characters left out) ...\n${s.slice(-(maxChars - 1000))}` : s;
}

export type { Evidence };
