// The run plan as data: the phases that run checks, in order, and which checks
// each takes, with its bound and how many run at once. The pipeline walks it;
// the suite runs each phase's checks. A check finds its phase from what it
// declares (where it looks, whether it changes the guest or ends the host).
import type { Check, RunFacts } from './checks/check.js';
import { CATALOGUE, isWanted, wantsGuest } from './checks/index.js';
import { MIGRATE_TO_HOST } from './checks/requirements.js';
import type { Timeouts } from './config.js';

export interface CheckPhase {
  /** The phase's name in the report (report.phases) and the log. */
  name: string;
  takes(c: Check): boolean;
  /** Left out of the report when none of its checks is wanted (else it runs, empty). */
  onlyWhenWanted?: boolean;
  /** Each check's bound, in seconds (default: timeout-check). */
  boundS?(t: Timeouts, facts: RunFacts): number;
  /** Checks at once (default: the suite's). */
  concurrency?: number;
}

export const PHASES = {
  // First, on the runner, before any VM: the candidate files themselves.
  static: { name: 'static checks', takes: (c) => c.where === 'static', onlyWhenWanted: true },
  beforeReboot: { name: 'checks before reboot', takes: (c) => c.where === 'host-before-reboot' },
  dom0: { name: 'dom0 checks', takes: (c) => c.where === 'dom0' && !c.endsHost },
  domU: { name: 'domU checks', takes: (c) => c.where === 'domU' && !c.changesGuest },
  // A lifecycle check waits for the guest to come back: its bound is a check's plus a boot's,
  // and an install's more with a second host (the guest's volume is copied there). One at a time.
  lifecycle: {
    name: 'domU lifecycle',
    takes: (c) => !!c.changesGuest,
    onlyWhenWanted: true,
    boundS: (t, facts) => t.check + t.boot + (facts.migrateTo ? t.install : 0),
    concurrency: 1,
  },
  // Last: these shut the host down. Their own bound plus room to gather the evidence.
  endsHost: { name: 'shut down dom0', takes: (c) => !!c.endsHost, onlyWhenWanted: true, boundS: (t) => t.shutdown + 30 },
} satisfies Record<string, CheckPhase>;

/** What a run with this filter (null: every check) does. */
export interface RunPlan {
  wanted(c: Check): boolean;
  /** The wanted checks of a phase, in catalogue order. */
  checksOf(phase: CheckPhase): Check[];
  /** A check that looks at a host is wanted (a run filtered to the static checks starts none). */
  needsHost: boolean;
  /** A check that looks after the reboot is wanted (a run filtered to the checks before it needs none). */
  reboots: boolean;
  /** A domU check is wanted: the guest's image is built and the guest started. */
  startsGuest: boolean;
  /** A wanted check moves the guest to the migrate-to host, when one is given (which is then set up for it). */
  usesSecondHost: boolean;
}

export function planRun(filter: readonly string[] | null): RunPlan {
  const catalogue = CATALOGUE;
  const wanted = (c: Check) => isWanted(filter, c);
  const any = (p: (c: Check) => boolean) => catalogue.some((c) => p(c) && wanted(c));
  return {
    wanted,
    checksOf: (phase) => catalogue.filter((c) => phase.takes(c) && wanted(c)),
    needsHost: any((c) => c.where !== 'static'),
    reboots: any((c) => c.where !== 'host-before-reboot' && c.where !== 'static'),
    startsGuest: wantsGuest(filter),
    usesSecondHost: any((c) => !!c.requires?.includes(MIGRATE_TO_HOST)),
  };
}
