// The CLI in-process (main(argv) returns the exit code): judge an existing
// report against a baseline and expected failures, --json, --help, --version.
// A spawn test of the bundled dist/cli.js belongs beside cli-input.test.ts once bundled.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECK_IDS } from '../src/checks/index.js';
import { main } from '../src/cli/main.js';
import { OPTION_HELP } from '../src/cli/help.js';
import { SETTING_NAMES } from '../src/settings.js';
import { VERSION } from '../src/version.js';
import { reportOf } from './helpers/reports.js';

/** A real run's report.json when the fixture is there; else one shaped by src/report/types.ts. */
const REAL = new URL('./fixtures/report-debian12-baseline.json', import.meta.url);
const baselineReport = () => (existsSync(REAL) ? JSON.parse(readFileSync(REAL, 'utf8')) : reportOf({ 'docs.man-pages': 'fail' }));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xc-cli-judge-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), env: {}, cwd: dir });
  return { code, stdout, stderr };
}

/** This run: the baseline's statuses, with these changed. */
function runWith(name: string, changes: Record<string, 'pass' | 'fail' | 'error'>): string {
  const r = baselineReport();
  for (const c of r.checks) if (changes[c.id]) c.status = changes[c.id];
  const out = join(dir, name);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'report.json'), JSON.stringify(r));
  return join(name, 'report.json');
}

describe('xen-conformance judge', () => {
  beforeAll(() => writeFileSync(join(dir, 'baseline.json'), JSON.stringify(baselineReport())));
  const passing = () => (baselineReport().checks as { id: string; status: string }[]).find((c) => c.status === 'pass')!.id;

  it('exits 1 on a regression against the baseline, and rewrites the report, JUnit and summary', async () => {
    const id = passing();
    const report = runWith('regressed', { [id]: 'fail' });
    const r = await cli(['judge', '--report', report, '--baseline', 'baseline.json']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toMatch(/^## ❌ 1 regression/);
    const judged = JSON.parse(readFileSync(join(dir, report), 'utf8'));
    expect(judged.verdict).toMatchObject({ conclusion: 'failure', failing: [id] });
    expect(readFileSync(join(dir, 'regressed/junit.xml'), 'utf8')).toContain('type="regression"');
    expect(readFileSync(join(dir, 'regressed/summary.md'), 'utf8')).toBe(r.stdout);
  });

  it('exits 0 when the only failures are expected ones', async () => {
    const id = passing();
    const report = runWith('expected', { [id]: 'fail' });
    // The baseline's own failures are expected too: the file lists every failure of this run.
    const others = (baselineReport().checks as { id: string; status: string }[]).filter((c) => c.status === 'fail' || c.status === 'error');
    writeFileSync(join(dir, 'expected-failures.txt'), [`${id}: known, bug 1234`, ...others.map((c) => `${c.id}: fails in the archive too`)].join('\n'));
    const r = await cli(['judge', '--report', report, '--expected-failures', 'expected-failures.txt']);
    expect(r.code).toBe(0);
    const judged = JSON.parse(readFileSync(join(dir, report), 'utf8'));
    expect(judged.checks.find((c: { id: string }) => c.id === id)).toMatchObject({ status: 'fail', expected: 'known, bug 1234' });
    expect(judged.verdict.conclusion).toBe('success');
  });

  it('exits 0 against a baseline that failed the same checks (still failing is no regression)', async () => {
    const r = await cli(['judge', '--report', 'baseline.json', '--baseline', 'baseline.json', '--out', 'same']);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'same/summary.md'))).toBe(true);
  });

  it('--json prints report.json on stdout and no Markdown', async () => {
    const r = await cli(['judge', '--report', runWith('json', {}), '--json']);
    // The whole of stdout is the JSON; the summary's headline and table are on neither stream.
    expect(JSON.parse(r.stdout).verdict.conclusion).toBeDefined();
    for (const out of [r.stdout, r.stderr]) {
      expect(out).not.toMatch(/^## (✅|❌|💥) /m);
      expect(out).not.toContain('| Status | Check |');
    }
  });

  it.each([
    [['judge'], /^xen-conformance: report: required by judge; /],
    [['judge', '--report', 'nothing.json'], /^xen-conformance: report: cannot read .*nothing\.json \(ENOENT\); /],
    [['judge', '--report', 'baseline.json', '--expected-failures', 'boot.nope: x'], /^xen-conformance: expected-failures: "boot\.nope" is not a known check; /],
    [['judge', '--report', 'baseline.json', '--distro', 'debian-13'], /^xen-conformance: distro: not an option of judge/],
    [['run', '--expected-failures', 'boot.nope: x'], /^xen-conformance: expected-failures: "boot\.nope" is not a known check; /],
    [['run', '--baseline', 'nothing.json'], /^xen-conformance: baseline: cannot read /],
    [['lint'], /^xen-conformance: expected the command "run" or "judge", got "lint"/],
  ])('%j: exit 2, one line', async (argv, message) => {
    const r = await cli(argv as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('--help and --version', () => {
  it('--help and -h explain every option and list every check', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      for (const name of [...SETTING_NAMES, 'out', 'json', 'report', 'version']) expect(r.stdout).toMatch(new RegExp(`^  --${name} +\\S`, 'm'));
      for (const id of CHECK_IDS) expect(r.stdout).toMatch(new RegExp(`^  ${id.replace(/\./g, '\\.')} +\\S`, 'm'));
    }
    expect(Object.keys(OPTION_HELP)).toEqual(expect.arrayContaining([...SETTING_NAMES]));
  });

  it('--version prints package.json\'s version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });
});
