// Judging a run: expected failures, the baseline comparison, which checks fail the job.
import { describe, expect, it } from '@jest/globals';
import { toAnnotations } from '../src/report/annotations.js';
import { toJUnit } from '../src/report/junit.js';
import { MAX_SUMMARY_BYTES, runUrlFromEnv, toMarkdown } from '../src/report/summary.js';
import { changeOf, exitCodeOf, judge } from '../src/report/verdict.js';
import { reportOf, result } from './helpers/reports.js';

const base = (r = reportOf({})) => ({ path: '/tmp/base/report.json', report: r });

describe('changeOf', () => {
  it.each([
    ['pass', 'fail', 'regression'], ['warn', 'error', 'regression'], ['fail', 'pass', 'fixed'], ['error', 'warn', 'fixed'],
    ['fail', 'fail', 'still-failing'], ['fail', 'error', 'still-failing'], [undefined, 'fail', 'new'], ['skip', 'fail', 'new'],
    ['not-applicable', 'pass', 'new'], ['pass', 'pass', 'unchanged'], ['pass', 'skip', 'unchanged'],
  ] as const)('was %s, now %s: %s', (before, now, change) => {
    expect(changeOf(now, before)).toBe(change);
  });
});

describe('judge', () => {
  it('without expected failures or a baseline, every failure and error fails the job', () => {
    const r = judge(reportOf({ 'boot.serial-clean': 'fail', 'docs.man-pages': 'error', 'dom0.kernel-config': 'warn' }), { expectedFailures: [] });
    expect(r.verdict).toEqual({ conclusion: 'failure', failing: ['boot.serial-clean', 'docs.man-pages'], nowPassing: [] });
    expect(exitCodeOf(r)).toBe(1);
  });

  it('an expected failure stays failing, marked with its reason, and does not fail the job', () => {
    const r = judge(reportOf({ 'boot.serial-clean': 'fail' }), { expectedFailures: [{ id: 'boot.serial-clean', reason: 'bug 1234' }] });
    const c = r.checks.find((x) => x.id === 'boot.serial-clean')!;
    expect(c.status).toBe('fail');
    expect(c.expected).toBe('bug 1234');
    expect(r.totals.fail).toBe(1);
    expect(r.verdict?.conclusion).toBe('success');
    expect(exitCodeOf(r)).toBe(0);
    expect(toMarkdown(r).split('\n')[0]).toBe(`## ✅ ${r.totals.pass} passed (also failing: 1 expected) · debian-12 · Xen 4.17.5 · qemu (tcg)`);
  });

  it('an expected failure that passes is named "now passes" in a warning annotation and the summary', () => {
    const r = judge(reportOf({}), { expectedFailures: [{ id: 'boot.serial-clean', reason: 'bug 1234' }] });
    expect(r.verdict?.nowPassing).toEqual(['boot.serial-clean']);
    expect(r.checks.find((x) => x.id === 'boot.serial-clean')!.expected).toBeUndefined();
    expect(toAnnotations(r)).toContainEqual({ level: 'warning', title: 'boot.serial-clean: now passes', message: 'boot.serial-clean now passes: remove it from expected-failures' });
    expect(toMarkdown(r)).toContain('`boot.serial-clean` now passes: remove it from expected-failures');
    expect(exitCodeOf(r)).toBe(0);
  });

  it('with a baseline only regressions fail the job; fixed, still failing and new do not', () => {
    const before = reportOf({ 'boot.serial-clean': 'fail', 'docs.man-pages': 'fail' });
    before.checks = before.checks.filter((c) => c.id !== 'dom0.kernel-config');
    const now = reportOf({ 'boot.serial-clean': 'fail', 'boot.reaches-dom0': 'error', 'dom0.kernel-config': 'fail' });
    const r = judge(now, { expectedFailures: [], baseline: base(before) });
    const change = (id: string) => r.checks.find((c) => c.id === id)!.change;
    expect([change('boot.serial-clean'), change('boot.reaches-dom0'), change('docs.man-pages'), change('dom0.kernel-config'), change('boot.grub-xen-entry')])
      .toEqual(['still-failing', 'regression', 'fixed', 'new', 'unchanged']);
    expect(r.verdict).toMatchObject({ conclusion: 'failure', failing: ['boot.reaches-dom0'], baseline: { path: '/tmp/base/report.json', startedAt: before.startedAt } });
    expect(exitCodeOf(r)).toBe(1);
  });

  it('with a baseline and an expected regression the job passes', () => {
    const r = judge(reportOf({ 'boot.reaches-dom0': 'fail' }), { expectedFailures: [{ id: 'boot.reaches-dom0', reason: 'known' }], baseline: base() });
    expect(r.verdict?.conclusion).toBe('success');
  });

  it('an infrastructure failure is its own conclusion, and a cancel is "cancelled"', () => {
    const infra = (message: string) => judge(reportOf({}, { infraError: { phase: 'boot', message, serialTail: [] } }), { expectedFailures: [] });
    expect(infra('no login prompt after 300 s').verdict?.conclusion).toBe('infrastructure-failure');
    expect(infra('cancelled (SIGINT) during boot').verdict?.conclusion).toBe('cancelled');
    expect(toMarkdown(infra('cancelled (SIGINT) during boot')).split('\n')[0]).toBe('## 💥 infrastructure failed in phase boot (cancelled) · debian-12 · Xen 4.17.5 · qemu (tcg)');
    expect(exitCodeOf(infra('x'))).toBe(3);
  });

  it('judging again replaces the marks of an earlier judging', () => {
    const once = judge(reportOf({ 'boot.serial-clean': 'fail' }), { expectedFailures: [{ id: 'boot.serial-clean', reason: 'r' }], baseline: base() });
    const again = judge(once, { expectedFailures: [] });
    expect(again.checks.find((c) => c.id === 'boot.serial-clean')).not.toHaveProperty('expected');
    expect(again.checks.find((c) => c.id === 'boot.serial-clean')).not.toHaveProperty('change');
    expect(again.verdict?.conclusion).toBe('failure');
  });
});

describe('JUnit and annotations of a judged run', () => {
  const r = judge(reportOf({ 'boot.reaches-dom0': 'fail', 'boot.serial-clean': 'fail', 'docs.man-pages': 'error' }), {
    expectedFailures: [{ id: 'boot.serial-clean', reason: 'bug 1234' }],
    baseline: base(reportOf({ 'docs.man-pages': 'error' })),
  });
  const xml = toJUnit(r);

  it('says which failure is a regression, which expected, which still failing', () => {
    expect(xml).toMatch(/name="boot\.reaches-dom0: [^"]*"[^>]*>\n\s*<failure message="[^"]*" type="regression">Regression: /);
    expect(xml).toMatch(/<failure message="[^"]*" type="expected">Expected failure \(does not fail the job\): bug 1234/);
    expect(xml).toMatch(/<error message="[^"]*" type="still-failing">Still failing: /);
  });

  it('only what fails the job is an error annotation', () => {
    const a = toAnnotations(r);
    expect(a.filter((x) => x.level === 'error').map((x) => x.title)).toEqual(['boot.reaches-dom0: title of boot.reaches-dom0 (fail, regression)']);
    expect(a.filter((x) => x.level === 'warning').map((x) => x.title)).toEqual([
      'boot.serial-clean: title of boot.serial-clean (fail, expected: bug 1234)',
      'docs.man-pages: title of docs.man-pages (error, still-failing)',
    ]);
  });
});

describe('the summary of a judged run', () => {
  const big = 'x'.repeat(200) + '\n';
  const failing = { 'boot.reaches-dom0': 'fail', 'boot.serial-clean': 'fail', 'docs.man-pages': 'error', 'dom0.kernel-config': 'warn' } as const;
  const judged = judge(reportOf(failing), {
    expectedFailures: [{ id: 'boot.serial-clean', reason: 'bug 1234' }],
    baseline: base(reportOf({ 'docs.man-pages': 'error' })),
  });
  const md = toMarkdown(judged, { runUrl: 'https://github.com/o/r/actions/runs/42' });

  it('reads headline (distro, Xen, target, verdict), then what needs attention, then the table, timings and the artifacts', () => {
    expect(md.split('\n')[0]).toBe('## ❌ 1 regression (also failing: 1 expected, 1 as in the baseline) · debian-12 · Xen 4.17.5 · qemu (tcg)');
    const at = (s: string) => {
      const i = md.indexOf(s);
      if (i < 0) throw new Error(`no "${s}" in the summary:\n${md}`);
      return i;
    };
    const order = [
      at('### Needs attention'),
      at('<details open><summary>❌ fail <code>boot.reaches-dom0</code>'),
      at('<details><summary>❌ fail <code>boot.serial-clean</code> title of boot.serial-clean — regression; expected: bug 1234</summary>'),
      at('<details><summary>All '), // 37 checks: the table is folded
      at('| Status | Check | Title | Where | Duration (s) | Message | Note |'),
      at('### Phase timings'),
      at('[this run\'s page](https://github.com/o/r/actions/runs/42)'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(md).toContain('**Remedy:** fix boot.reaches-dom0');
    expect(md).toContain('`probe boot.reaches-dom0` (exit 1)');
    expect(md).toContain('| regression |');
  });

  it('shows the end of long evidence, where the error usually is, and says the rest is in report.json', () => {
    const r = reportOf({ 'boot.serial-clean': 'fail' });
    r.checks.find((c) => c.id === 'boot.serial-clean')!.evidence = [{ command: 'journalctl -b', output: Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n') }];
    const out = toMarkdown(judge(r, { expectedFailures: [] }));
    expect(out).toContain('```\n[… earlier output in report.json]\nline 480\n');
    expect(out).toContain('line 499\n```');
    expect(out).not.toContain('line 479\n');
  });

  it('stays under the bound whatever the evidence, cutting evidence first', () => {
    const huge = reportOf(Object.fromEntries(Object.keys(failing).map((id) => [id, 'fail'])));
    // 4 checks x 20 commands x 200 KB of output: 16 MB of evidence.
    for (const c of huge.checks.filter((x) => x.status === 'fail')) c.evidence = Array.from({ length: 20 }, (_, i) => ({ command: `cmd ${i}`, output: big.repeat(1000) }));
    const out = toMarkdown(judge(huge, { expectedFailures: [] }));
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(out).toContain('### Needs attention');
    expect(out).toContain('### Phase timings');
  });

  it('cuts a summary that is too long even without evidence, and says so', () => {
    const many = reportOf({});
    many.checks = Array.from({ length: 3000 }, (_, i) => result(`c.${i}`, 'fail', { message: 'm'.repeat(200) }));
    const out = toMarkdown(many);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(out).toMatch(/summary cut to stay under GitHub's limit: report\.json has everything\]\n$/);
  });

  it('links the run only when GitHub says which run it is', () => {
    expect(runUrlFromEnv({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' })).toBe('https://github.com/o/r/actions/runs/42');
    expect(runUrlFromEnv({ GITHUB_REPOSITORY: 'o/r' })).toBeUndefined();
    expect(toMarkdown(judged)).not.toContain('this run\'s page');
  });
});
