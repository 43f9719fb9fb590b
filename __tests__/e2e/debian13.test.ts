// Debian 13 (trixie: Xen 4.20, Linux 6.12) end to end: the archive's own
// packages, every check with a definite status.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DOM0_BASELINE } from './baseline.js';
import { printTimings, readReport, runNode, statuses } from './run.js';

let out: string;
beforeAll(async () => {
  out = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-e2e13-'));
});
afterAll(() => fs.rm(out, { recursive: true, force: true }));

test(
  'baseline on Debian 13: Xen 4.20 from the archive, the dom0 half: the statuses of Debian 12 but for a QEMU that crashes at shutdown',
  async () => {
    // The domU half is verified on Debian 12 (see README): here only the host's checks, by group.
    const r = await runNode('dist/cli.js', ['run', '--distro', 'debian-13', '--checks', 'host-before-reboot,dom0', '--out', out]);
    expect(r.code).toBe(0);
    const report = await readReport(out);
    printTimings('debian 13', report);
    // One finding of its own: the dom0 QEMU that xen.service started segfaults as it stops (every run here).
    expect(statuses(report)).toEqual({ ...DOM0_BASELINE, 'dom0.clean-shutdown': 'warn' });
    expect(report.phases.map((p) => p.phase)).not.toContain('start the domU');
    expect(report.xenVersion).toMatch(/^4\.20\./);
    expect(report.kernel).toMatch(/^6\.12\./);
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId['services.enabled'].message).toMatch(/xen \(enabled\), xendomains \(enabled\)/);
    expect(byId['dom0.clean-shutdown'].message).toMatch(/^dom0 shut down in [\d.]+ s, but: .*xen-qemu-system\[\d+\]: segfault at 0 .* in xen-qemu-system-i386/);
  },
  20 * 60_000,
);
