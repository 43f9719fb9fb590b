// Reports shaped as src/report/types.ts says, for tests of judging and rendering.
// (A report.json of a real run is in fixtures/ when one was available: see verdict-cli.test.ts.)
import { CHECK_IDS } from '../../src/checks/index.js';
import { totalsOf, type CheckResult, type Report, type Status } from '../../src/report/types.js';

export function result(id: string, status: Status, over: Partial<CheckResult> = {}): CheckResult {
  return {
    id, title: `title of ${id}`, where: 'dom0', seed: 'seed', status, durationMs: 1000,
    message: `${id} is ${status}`, evidence: [{ command: `probe ${id}`, exitCode: status === 'pass' ? 0 : 1, output: `output of ${id}\n` }],
    ...(status === 'fail' ? { remedy: `fix ${id}` } : {}),
    ...over,
  };
}

/** A report of the real check ids: these statuses, every other check passed. */
export function reportOf(statuses: Record<string, Status>, over: Partial<Report> = {}): Report {
  const checks = CHECK_IDS.map((id) => result(id, statuses[id] ?? 'pass'));
  return {
    tool: { name: 'xen-conformance', version: '0.1.0' },
    distro: 'debian-12', xenVersion: '4.17.5', target: 'qemu (tcg)',
    candidates: ['xen-hypervisor-4.17-amd64 4.17.5+72-g01a7e3e8d1-1 amd64'],
    startedAt: '2026-12-07T02:00:00.000Z', finishedAt: '2026-12-07T02:40:00.000Z',
    phases: [{ phase: 'boot', seconds: 60, ok: true }, { phase: 'total', seconds: 2400, ok: true }],
    checks, totals: totalsOf(checks), ...over,
  };
}
