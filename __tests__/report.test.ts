import { describe, it, expect, afterEach } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toJson } from '../src/report/json.js';
import { toJUnit } from '../src/report/junit.js';
import { toMarkdown } from '../src/report/summary.js';
import { toAnnotations } from '../src/report/annotations.js';
import { writeReportFiles } from '../src/report/write.js';
import { totalsOf, type CheckResult, type Report } from '../src/report/types.js';

const HOSTILE = `a"b<c>&d'e\x1b[0m`;

function check(over: Partial<CheckResult> & Pick<CheckResult, 'id' | 'status'>): CheckResult {
  return { title: over.id, where: 'dom0', seed: 'boot', durationMs: 1200, message: '', evidence: [], ...over };
}

function fixture(over: Partial<Report> = {}): Report {
  const checks: CheckResult[] = [
    check({
      id: 'boot.grub-xen-entry', title: 'GRUB has a Xen entry', where: 'host-before-reboot', status: 'pass',
      message: 'found "Debian GNU/Linux, with Xen hypervisor"',
      evidence: [{ command: 'grep -c multiboot2 /boot/grub/grub.cfg', exitCode: 0, output: '2\n' }],
    }),
    check({
      id: 'boot.default-is-xen', title: 'Default boot entry is Xen', where: 'host-before-reboot', status: 'fail',
      durationMs: 350, message: 'GRUB_DEFAULT points at the plain Linux entry',
      remedy: 'Ship /etc/default/grub.d/xen.cfg setting XEN_OVERRIDE_GRUB_DEFAULT=1',
      evidence: [{ command: 'grub-editenv list', exitCode: 0, output: 'saved_entry=gnulinux-simple\n```inner fence```\n' }],
    }),
    check({ id: 'boot.reaches-dom0', title: 'Boots into dom0', status: 'skip', durationMs: 0, message: 'default entry is not Xen' }),
    check({
      id: 'dom0.xl-info', title: 'xl info works', status: 'error', message: 'ssh timed out | retry later',
      evidence: [{ command: 'xl info', output: `garbage ${HOSTILE}\x00\x07` }],
    }),
    check({ id: 'dom0.xenstored', title: 'xenstored running', status: 'warn', message: 'oxenstored expected,\ncxenstored found' }),
    check({ id: 'domU.pvh-boots', title: 'PVH guest boots', where: 'domU', status: 'not-applicable', message: 'no PVH on this arch' }),
  ];
  return {
    tool: { name: 'xen-conformance', version: '0.1.0' },
    distro: 'debian-13',
    xenVersion: '4.20.1',
    candidateXenVersion: '4.20.1-2',
    kernel: '6.12.38-amd64',
    target: 'qemu (tcg)',
    candidates: ['xen-hypervisor-4.20-amd64_4.20.1-2_amd64.deb', 'xen-utils-4.20_4.20.1-2_amd64.deb'],
    startedAt: '2025-06-01T10:00:00Z',
    finishedAt: '2025-06-01T10:05:00Z',
    phases: [
      { phase: 'prepare-image', seconds: 42.34, ok: true },
      { phase: 'boot', seconds: 101.06, ok: true },
      { phase: 'checks', seconds: 12.5, ok: false },
    ],
    checks,
    totals: totalsOf(checks),
    ...over,
  };
}

/**
 * A small well-formedness check (no XML parser is installed): every tag is
 * balanced, attribute values are quoted and contain no raw < or ", text holds
 * no raw < > and every & starts a known entity or character reference.
 */
function assertWellFormed(xml: string): void {
  expect(xml).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
  const body = xml.replace(/^<\?xml [^?]*\?>\n/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (const m of body.matchAll(tag)) {
    const text = body.slice(last, m.index);
    expect(text).not.toMatch(/[<>]/);
    expect(text.replace(/&(amp|lt|gt|quot|apos|#\d+);/g, '')).not.toContain('&');
    last = m.index! + m[0].length;
    const [, close, name, , selfClose] = m;
    if (close) expect(stack.pop()).toBe(name);
    else if (!selfClose) stack.push(name);
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
}

const attr = (xml: string, el: string, i = 0) => {
  const m = [...xml.matchAll(new RegExp(`<${el} ([^>]*)>`, 'g'))][i];
  return Object.fromEntries([...m[1].matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
};
const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe('toJson', () => {
  it('is pretty, round-trips, and ends with a newline', () => {
    const r = fixture();
    const s = toJson(r);
    expect(s.endsWith('}\n')).toBe(true);
    expect(s).toContain('\n  "distro": "debian-13"');
    expect(JSON.parse(s)).toEqual(r);
  });
});

describe('toJUnit', () => {
  it('groups by where, with the right counts', () => {
    const xml = toJUnit(fixture());
    assertWellFormed(xml);
    expect(count(xml, /<testsuite /g)).toBe(3);
    expect(attr(xml, 'testsuites')).toMatchObject({ tests: '6', failures: '1', errors: '1', skipped: '2' });
    // host-before-reboot: pass + fail
    expect(attr(xml, 'testsuite', 0)).toMatchObject({ name: 'xen-conformance debian-13 (host-before-reboot)', tests: '2', failures: '1', errors: '0', skipped: '0', time: '1.550' });
    // dom0: skip, error, warn
    expect(attr(xml, 'testsuite', 1)).toMatchObject({ tests: '3', failures: '0', errors: '1', skipped: '1' });
    // domU: not-applicable counts as skipped
    expect(attr(xml, 'testsuite', 2)).toMatchObject({ tests: '1', skipped: '1' });
    expect(count(xml, /<testcase /g)).toBe(6);
    expect(count(xml, /<failure /g)).toBe(1);
    expect(count(xml, /<error /g)).toBe(1);
    expect(count(xml, /<skipped /g)).toBe(2);
  });

  it('puts remedy and evidence in the failure body, WARN in system-out', () => {
    const xml = toJUnit(fixture());
    expect(xml).toMatch(/<testcase classname="host-before-reboot" name="boot.default-is-xen: Default boot entry is Xen" time="0.350">/);
    const failure = xml.match(/<failure [^>]*>([^<]*)<\/failure>/)![1];
    expect(failure).toContain('Remedy: Ship /etc/default/grub.d/xen.cfg');
    expect(failure).toContain('$ grub-editenv list  (exit 0)');
    expect(xml).toMatch(/<system-out>WARN: oxenstored expected,\ncxenstored found<\/system-out>/);
    expect(xml).toContain('<skipped message="skip: default entry is not Xen"/>');
  });

  it('escapes hostile strings and strips control characters', () => {
    const r = fixture();
    r.distro = HOSTILE;
    r.checks[0].title = HOSTILE;
    r.checks[1].message = `${HOSTILE}\nline2`;
    const xml = toJUnit(r);
    assertWellFormed(xml);
    const escaped = 'a&quot;b&lt;c&gt;&amp;d&apos;e';
    expect(xml).toContain(`<testsuite name="xen-conformance ${escaped} (host-before-reboot)"`);
    expect(xml).toContain(`name="boot.grub-xen-entry: ${escaped}"`);
    expect(xml).toContain(`<failure message="${escaped}&#10;line2"`);
    expect(xml).toContain(`garbage ${escaped}</`); // ESC[0m, NUL and BEL gone
    expect(xml).not.toContain('[0m');
  });

  it('reports an infrastructure error as its own errored testcase', () => {
    const xml = toJUnit(fixture({
      checks: [], totals: totalsOf([]),
      infraError: { phase: 'boot', message: 'no login prompt after 600s', serialTail: ['\x1b[1;31m(XEN) Panic on CPU 0:\x1b[0m', '(XEN) ****'] },
    }));
    assertWellFormed(xml);
    expect(attr(xml, 'testsuites')).toMatchObject({ tests: '1', errors: '1', failures: '0' });
    expect(xml).toContain('name="infrastructure: boot"');
    expect(xml).toContain('<error message="no login prompt after 600s" type="infrastructure">');
    expect(xml).toContain('(XEN) Panic on CPU 0:\n(XEN) ****');
  });
});

describe('toMarkdown', () => {
  const md = toMarkdown(fixture());

  it('starts with the verdict and totals, then the context', () => {
    const lines = md.split('\n');
    expect(lines[0]).toBe('## ❌ 1 failed, 1 errored · debian-13 · Xen 4.20.1 · qemu (tcg)');
    expect(lines[2]).toBe('**1** pass · **1** fail · **1** warn · **1** skip · **1** not-applicable · **1** error');
    expect(lines[4]).toBe('Distro: debian-13 · Xen seen: 4.20.1 · candidate Xen: 4.20.1-2 · kernel: 6.12.38-amd64 · target: qemu (tcg) · candidates: 2');
  });

  it('has a row per check with escaped cells', () => {
    expect(md).toContain('| ✅ pass | `boot.grub-xen-entry` | GRUB has a Xen entry | host-before-reboot | 1.2 | found "Debian GNU/Linux, with Xen hypervisor" |');
    expect(md).toContain('| ⏭️ skip | `boot.reaches-dom0` | Boots into dom0 | dom0 | 0.0 | default entry is not Xen |');
    expect(md).toContain('| 💥 error | `dom0.xl-info` | xl info works | dom0 | 1.2 | ssh timed out \\| retry later |');
    expect(md).toContain('| oxenstored expected,<br>cxenstored found |');
    expect(count(md, /^\| (✅|❌|⚠️|⏭️|➖|💥) /gm)).toBe(6);
  });

  it('has details for fail, error and warn only, with fenced evidence', () => {
    expect(count(md, /<details( open)?>/g)).toBe(3);
    expect(count(md, /<details open>/g)).toBe(2); // the failure and the error, open; the warning folded
    expect(md).toContain('<summary>❌ fail <code>boot.default-is-xen</code> Default boot entry is Xen</summary>');
    expect(md).toContain('**Remedy:** Ship /etc/default/grub.d/xen.cfg setting XEN_OVERRIDE_GRUB_DEFAULT=1');
    // The output holds a ``` run, so the fence must be longer.
    expect(md).toContain('`grub-editenv list` (exit 0)\n\n````\nsaved_entry=gnulinux-simple\n```inner fence```\n````');
    expect(md).not.toContain('\x1b');
  });

  it('ends with phase timings and the total', () => {
    expect(md).toContain('| prepare-image | 42.3 | ✅ |');
    expect(md).toContain('| checks | 12.5 | ❌ |');
    expect(md).toContain('| **total** | **155.9** | |');
  });

  it("shows the pipeline's own total once, not a sum that counts it again", () => {
    const phases = [
      { phase: 'boot', seconds: 10, ok: true },
      { phase: 'total', seconds: 12.5, ok: true },
    ];
    const s = toMarkdown(fixture({ phases }));
    expect(s).toContain('| total | 12.5 | ✅ |');
    expect(s).not.toMatch(/\*\*total\*\*/);
  });

  it('leads with the infrastructure failure and shows the serial tail', () => {
    const s = toMarkdown(fixture({ infraError: { phase: 'boot', message: 'no login prompt', serialTail: ['\x1b[31m(XEN) Panic\x1b[0m'] } }));
    expect(s.split('\n')[0]).toBe('## 💥 infrastructure failed in phase boot · debian-13 · Xen 4.20.1 · qemu (tcg)');
    expect(s).toContain('Last 1 serial lines:\n\n```\n(XEN) Panic\n```');
  });

  it('says passed when nothing failed', () => {
    const checks = fixture().checks.filter((c) => c.status === 'pass');
    expect(toMarkdown(fixture({ checks, totals: totalsOf(checks) })).split('\n')[0]).toBe('## ✅ 1 passed · debian-13 · Xen 4.20.1 · qemu (tcg)');
  });
});

describe('toAnnotations', () => {
  it('maps fail/error to error and warn to warning, with remedy', () => {
    const a = toAnnotations(fixture());
    expect(a.map((x) => [x.level, x.title])).toEqual([
      ['error', 'boot.default-is-xen: Default boot entry is Xen (fail)'],
      ['error', 'dom0.xl-info: xl info works (error)'],
      ['warning', 'dom0.xenstored: xenstored running (warn)'],
    ]);
    expect(a[0].message).toBe('GRUB_DEFAULT points at the plain Linux entry\n\nRemedy: Ship /etc/default/grub.d/xen.cfg setting XEN_OVERRIDE_GRUB_DEFAULT=1');
  });

  it('puts the infrastructure error first', () => {
    const a = toAnnotations(fixture({ infraError: { phase: 'boot', message: 'no login prompt', serialTail: ['x', '\x1b[31mPanic\x1b[0m'] } }));
    expect(a[0]).toEqual({ level: 'error', title: 'infrastructure failed in phase boot', message: 'no login prompt\n\nLast serial lines:\nx\nPanic' });
  });

  it('keeps at most 10 per level, grouping the rest into the 10th', () => {
    const fails = Array.from({ length: 25 }, (_, i) => check({ id: `f.${i + 1}`, status: 'fail', message: 'no' }));
    const warns = Array.from({ length: 10 }, (_, i) => check({ id: `w.${i + 1}`, status: 'warn', message: 'hm' }));
    const checks = [...fails, ...warns];
    const a = toAnnotations(fixture({ checks, totals: totalsOf(checks) }));
    const errors = a.filter((x) => x.level === 'error');
    expect(errors).toHaveLength(10);
    expect(errors.slice(0, 9).map((x) => x.title.split(':')[0])).toEqual(fails.slice(0, 9).map((c) => c.id));
    const ids = fails.slice(9).map((c) => c.id).join(', ');
    expect(errors[9].message).toBe(`16 more failures: ${ids} — see the job summary`);
    // exactly 10 warnings: no grouping
    expect(a.filter((x) => x.level === 'warning').map((x) => x.title.split(':')[0])).toEqual(warns.map((c) => c.id));
  });
});

describe('writeReportFiles', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('writes the three files into a new directory and returns absolute paths', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'xen-conformance-report-'));
    const r = fixture();
    const out = path.join(dir, 'nested', 'out');
    const paths = await writeReportFiles(r, out);
    expect(paths).toEqual({
      json: path.join(out, 'report.json'),
      junit: path.join(out, 'junit.xml'),
      summary: path.join(out, 'summary.md'),
    });
    for (const p of Object.values(paths)) expect(path.isAbsolute(p)).toBe(true);
    expect(JSON.parse(await readFile(paths.json, 'utf8'))).toEqual(r);
    expect(await readFile(paths.junit, 'utf8')).toBe(toJUnit(r));
    expect(await readFile(paths.summary, 'utf8')).toBe(toMarkdown(r));
  });
});

describe('what the summary says of the run itself', () => {
  test('an unverified profile is named in the headline; the test environment\'s Xen options are stated', async () => {
    const { toMarkdown: renderSummary } = await import('../src/report/summary.js');
    const base = JSON.parse(JSON.stringify(await import('./fixtures/report-debian12-baseline.json', { with: { type: 'json' } }).then((m) => m.default)));
    const md = renderSummary({ ...base, distro: 'fedora-45', profileUnverified: true, environment: { xenOptions: ['cet=no-shstk,no-ibt'] } });
    expect(md.split('\n')[0]).toMatch(/^## .* · fedora-45 · profile not verified end to end · /);
    expect(md).toContain('Test environment: Xen booted with `cet=no-shstk,no-ibt` (a setting of this VM, not of the packages).');
    expect(renderSummary(base).split('\n')[0]).not.toMatch(/not verified/);
  });
});
