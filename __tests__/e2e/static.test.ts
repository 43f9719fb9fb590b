// The static tier through the real CLI: `--checks static` reads the candidate
// files on the runner and judges them with no VM at all, in seconds. The same
// candidate sets as the Debian 12 VM runs, so the statuses those runs expect of
// the static checks are the ones shown here.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STATIC_ARCHIVE, STATIC_NO_XEN_DEFAULT, STATIC_TWELVE_MISTAKES } from './baseline.js';
import { candidateSetIn, NO_XEN_DEFAULT, TWELVE_MISTAKES, XEN_PACKAGES } from './candidate-sets.js';
import { archiveDebs } from './debs.js';
import { readReport, startNode, statuses } from './run.js';

let work: string;
let debs: Record<string, string>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-static-e2e-'));
  await fs.mkdir(path.join(work, 'archive'));
  debs = await archiveDebs(XEN_PACKAGES, path.join(work, 'archive'));
}, 5 * 60_000);
afterAll(() => fs.rm(work, { recursive: true, force: true }));

describe('the static tier, before any VM', () => {
  test.each([
    ['the archive\'s own packages', 'archive-set', {}, STATIC_ARCHIVE, 0],
    ['the hypervisor without its GRUB drop-in', 'no-default', NO_XEN_DEFAULT, STATIC_NO_XEN_DEFAULT, 0],
    ['twelve packaging mistakes', 'mistakes', TWELVE_MISTAKES, STATIC_TWELVE_MISTAKES, 1],
  ] as const)('%s: --checks static judges the files with no VM, each verdict as it comes', async (_what, name, broken, expected, code) => {
    const dir = await candidateSetIn(work, debs, name, broken);
    const out = path.join(work, `out-${name}`);
    const started = Date.now();
    const run = startNode('dist/cli.js', ['run', '--checks', 'static', '--packages', `${dir}/*.deb`, '--out', out]);
    await run.waitFor(/^\s+[A-Z-]+\s+static\./m, 60_000);
    const first = (Date.now() - started) / 1000;
    const r = await run.done;
    process.stderr.write(`static tier (${name}): first verdict ${first.toFixed(1)} s after the start, all in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(r.code).toBe(code);
    const report = await readReport(out);
    expect(statuses(report)).toEqual(expected);
    expect(report.phases.map((p) => p.phase)).toEqual(['static checks', 'total']);
    // Nothing was built or booted: the log never names an image or QEMU.
    expect(r.stderr).not.toMatch(/base image|^qemu: /m);
    if (name === 'mistakes') {
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['static.man-pages'].message).toMatch(/no candidate ships xl\(1\)/);
      expect(byId['static.services-enabled'].message).toMatch(/xendomains/);
      expect(byId['static.device-model'].remedy).toMatch(/qemu-system-xen/);
    }
  }, 5 * 60_000);
});
