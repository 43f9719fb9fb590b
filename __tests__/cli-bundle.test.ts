// The bundled CLI as a user runs it (dist/cli.js, a real process): --version,
// --help, and judge on a real report.json with --json, a baseline and expected
// failures. No VM: judge reads a report that a real run wrote.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECK_IDS } from '../src/checks/index.js';
import type { Report } from '../src/report/types.js';
import { runNode } from './e2e/run.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/report-debian12-baseline.json');
const report = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Report;
const failing = report.checks.filter((c) => c.status === 'fail' || c.status === 'error').map((c) => c.id);
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cli-bundle-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('dist/cli.js', () => {
  test('--version prints the version package.json says; -h explains every option and lists every check', async () => {
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(FIXTURE), '../../package.json'), 'utf8')) as { version: string };
    expect(await runNode('dist/cli.js', ['--version'])).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await runNode('dist/cli.js', ['-h']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: xen-conformance run/m);
    for (const id of CHECK_IDS) expect(help.stdout).toContain(id);
    for (const flag of ['--expected-failures', '--baseline', '--json', '--checks', '--distro']) expect(help.stdout).toContain(flag);
  });

  test('judge --json: report.json on stdout; its failures fail the run (1), the same listed as expected do not (0), and against itself as the baseline nothing regressed (0)', async () => {
    expect(failing.length).toBeGreaterThan(0);
    const plain = await runNode('dist/cli.js', ['judge', '--report', FIXTURE, '--out', path.join(dir, 'plain'), '--json']);
    expect(plain.code).toBe(1);
    expect((JSON.parse(plain.stdout) as Report).checks.map((c) => c.id)).toEqual(report.checks.map((c) => c.id));
    const expected = path.join(dir, 'expected.txt');
    await fs.writeFile(expected, failing.map((id) => `${id}: known in this fixture run`).join('\n'));
    const judged = await runNode('dist/cli.js', ['judge', '--report', FIXTURE, '--expected-failures', expected, '--out', path.join(dir, 'expected'), '--json']);
    expect(judged.code).toBe(0);
    const again = await runNode('dist/cli.js', ['judge', '--report', FIXTURE, '--baseline', FIXTURE, '--out', path.join(dir, 'baseline')]);
    expect(again.code).toBe(0);
    // The Markdown goes nowhere with --json, and to stdout without it.
    expect(plain.stdout.trimStart().startsWith('{')).toBe(true);
    expect(again.stdout).toMatch(/^## /m);
  });
});
