// Judging a finished run for the job: which failures are expected (with the
// packager's reason), how each check compares with a baseline report, and so
// which checks fail the job. Pure: the report in, a judged copy out.
import type { Baseline, ExpectedFailure } from '../config.js';
import { totalsOf, type Change, type CheckResult, type Conclusion, type Report, type Status } from './types.js';

export interface Judging {
  expectedFailures: readonly ExpectedFailure[];
  baseline?: Baseline;
}

const failing = (s: Status) => s === 'fail' || s === 'error';
const passing = (s: Status) => s === 'pass' || s === 'warn';

/** regression: was pass or warn, now fail or error; fixed: the other way; still failing; new: not judged before. */
export function changeOf(now: Status, before: Status | undefined): Change {
  if (before === undefined || !(failing(before) || passing(before))) return 'new';
  if (passing(before)) return failing(now) ? 'regression' : 'unchanged';
  return failing(now) ? 'still-failing' : passing(now) ? 'fixed' : 'unchanged';
}

/** Whether a check, once judged, fails the job. */
export function failsTheJob(c: CheckResult, withBaseline: boolean): boolean {
  if (!failing(c.status) || c.expected !== undefined) return false;
  return withBaseline ? c.change === 'regression' : true;
}

export function judge(report: Report, j: Judging): Report {
  const expected = new Map(j.expectedFailures.map((e) => [e.id, e.reason]));
  const before = new Map((j.baseline?.report.checks ?? []).map((c) => [c.id, c.status]));
  const checks = report.checks.map((c): CheckResult => {
    const out: CheckResult = { ...c };
    delete out.expected;
    delete out.change;
    const reason = expected.get(c.id);
    if (reason !== undefined && failing(c.status)) out.expected = reason;
    if (j.baseline) out.change = changeOf(c.status, before.get(c.id));
    return out;
  });
  const failingIds = checks.filter((c) => failsTheJob(c, !!j.baseline)).map((c) => c.id);
  const nowPassing = checks.filter((c) => expected.has(c.id) && passing(c.status)).map((c) => c.id);
  const b = j.baseline;
  return {
    ...report,
    checks,
    totals: totalsOf(checks),
    verdict: {
      conclusion: conclusionOf(report, failingIds.length),
      failing: failingIds,
      nowPassing,
      ...(b ? { baseline: { path: b.path, startedAt: b.report.startedAt, xenVersion: b.report.xenVersion, candidates: b.report.candidates ?? [] } } : {}),
    },
  };
}

/** The pipeline words a cancel as "cancelled (SIGINT) during <phase>". */
const CANCELLED = /^cancelled \(/;

function conclusionOf(report: Report, failingCount: number): Conclusion {
  if (report.infraError) return CANCELLED.test(report.infraError.message) ? 'cancelled' : 'infrastructure-failure';
  return failingCount > 0 ? 'failure' : 'success';
}

/** The exit code of both the CLI and the action: 0 success, 1 a check fails the job, 3 the run could not judge. */
export function exitCodeOf(report: Report): 0 | 1 | 3 {
  const c = report.verdict?.conclusion ?? (report.infraError ? 'infrastructure-failure' : report.totals.fail + report.totals.error > 0 ? 'failure' : 'success');
  return c === 'success' ? 0 : c === 'failure' ? 1 : 3;
}
