// The action's outputs from a judged report.
import type { Report } from '../report/types.js';

/**
 * The counts only when the run judged the packages: a run that stopped in
 * setup leaves passed/failed/skipped/warned empty, never "failed: 0".
 */
export function outputsOf(report: Report): Record<string, string> {
  const conclusion = report.verdict?.conclusion ?? (report.infraError ? 'infrastructure-failure' : 'success');
  if (report.infraError) return { conclusion, passed: '', failed: '', skipped: '', warned: '' };
  const t = report.totals;
  return {
    conclusion,
    passed: String(t.pass),
    failed: String(t.fail + t.error),
    skipped: String(t.skip + t['not-applicable']),
    warned: String(t.warn),
  };
}
