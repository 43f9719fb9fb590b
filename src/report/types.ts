// The one shape every output is made from: report.json is this object,
// summary.md, junit.xml and the annotations are pure functions of it.

export type Status = 'pass' | 'fail' | 'warn' | 'skip' | 'not-applicable' | 'error';
export const STATUSES: readonly Status[] = ['pass', 'fail', 'warn', 'skip', 'not-applicable', 'error'];

/** Where a check looks: the host before the reboot, dom0 after it, or a guest. */
export type Where = 'static' | 'host-before-reboot' | 'dom0' | 'domU';

/** One command a check ran and an excerpt of what it printed. */
export interface Evidence {
  command: string;
  exitCode?: number;
  output: string;
}

export interface CheckResult {
  id: string;
  title: string;
  where: Where;
  /** The checklist section it enforces. */
  seed: string;
  status: Status;
  durationMs: number;
  message: string;
  evidence: Evidence[];
  /** What a packager can do about a failure. */
  remedy?: string;
  /** Listed in expected-failures: the reason given there (see verdict.ts). */
  expected?: string;
  /** Against the baseline report, when one was given. */
  change?: Change;
}

/** A check against the baseline: regression (was pass or warn, now fail or error), fixed, still failing, new, or unchanged. */
export type Change = 'regression' | 'fixed' | 'still-failing' | 'new' | 'unchanged';

/** How the run ends for the job: only what is not expected and (with a baseline) a regression fails it. */
export type Conclusion = 'success' | 'failure' | 'infrastructure-failure' | 'cancelled';

export interface Verdict {
  conclusion: Conclusion;
  /** The checks that fail the job. */
  failing: string[];
  /** Checks listed in expected-failures that passed this time. */
  nowPassing: string[];
  /** The baseline report this run was compared with. */
  baseline?: { path: string; startedAt: string; xenVersion?: string; candidates: string[] };
}

export interface PhaseTiming {
  phase: string;
  seconds: number;
  ok: boolean;
}

/** The infrastructure failed: the run could not get far enough to judge the packages. */
export interface InfraError {
  phase: string;
  message: string;
  serialTail: string[];
}

export type Totals = Record<Status, number>;

export interface Report {
  tool: { name: string; version: string };
  distro: string;
  /** Xen version seen in dom0 (xl info), when it got that far. */
  xenVersion?: string;
  /** Xen version of the candidate hypervisor package. */
  candidateXenVersion?: string;
  kernel?: string;
  /** e.g. "qemu (tcg)" or "ssh root@host". */
  target: string;
  candidates: string[];
  startedAt: string;
  finishedAt: string;
  phases: PhaseTiming[];
  checks: CheckResult[];
  totals: Totals;
  infraError?: InfraError;
  /** The candidates stopped the run at this check (they do not install, the machine cannot boot them): nothing after it could be judged. */
  stoppedBy?: { check: string; phase: string; message: string };
  /** Settings of the test environment this tool chose (a VM host's), not the candidates': the report says so. */
  environment?: { xenOptions: string[] };
  /** The distro profile has not run end to end on this project's machines (built from its packaging and docs only). */
  profileUnverified?: boolean;
  /** Set once the run is judged (expected failures, baseline); absent in reports of older versions. */
  verdict?: Verdict;
}

export function totalsOf(checks: readonly CheckResult[]): Totals {
  const t = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Totals;
  for (const c of checks) t[c.status]++;
  return t;
}
