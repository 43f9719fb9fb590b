// The run's flow without a VM: the plan (which phase takes which checks, under
// which bound), the report as the run builds it, and provisionHost's steps on
// a fake host, as the first host and the migrate-to host use them.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CATALOGUE } from '../src/checks/index.js';
import { profileFor } from '../src/distro/index.js';
import { InfraError } from '../src/errors.js';
import type { ExecOptions } from '../src/host/host.js';
import type { Prepared } from '../src/pipeline.js';
import { PHASES, planRun } from '../src/plan.js';
import { type HostRole, provisionHost } from '../src/provision.js';
import { RunReport } from '../src/run-report.js';
import { DEFAULT_TIMEOUTS } from '../src/settings.js';
import { fakeHost } from './helpers/fakeHost.js';

const ids = (phase: (typeof PHASES)[keyof typeof PHASES], filter: string[] | null = null) => planRun(filter).checksOf(phase).map((c) => c.id);

describe('the run plan', () => {
  test('every check of the catalogue runs in exactly one phase, in catalogue order', () => {
    const all = Object.values(PHASES).flatMap((p) => ids(p));
    expect([...all].sort()).toEqual(CATALOGUE.map((c) => c.id).sort());
    expect(ids(PHASES.endsHost)).toEqual(CATALOGUE.filter((c) => c.endsHost).map((c) => c.id));
    expect(ids(PHASES.lifecycle)[0]).toBe('domU.disk-hotplug');
  });

  test('the phase names are the report names e2e tests and users know', () => {
    expect(Object.values(PHASES).map((p) => p.name)).toEqual(['static checks', 'checks before reboot', 'dom0 checks', 'domU checks', 'domU lifecycle', 'shut down dom0']);
  });

  test('a run filtered to checks before the reboot neither reboots nor starts a guest; one domU check starts it', () => {
    const before = CATALOGUE.find((c) => c.where === 'host-before-reboot')!.id;
    expect(planRun([before])).toMatchObject({ reboots: false, startsGuest: false, usesSecondHost: false });
    expect(planRun(['domU.save-restore'])).toMatchObject({ reboots: true, startsGuest: true, usesSecondHost: false });
    expect(planRun(['domU.cold-migration']).usesSecondHost).toBe(true);
    expect(planRun(null).usesSecondHost).toBe(true);
  });

  test('a run filtered to the static checks needs no host at all', () => {
    expect(planRun(['static'].flatMap((g) => CATALOGUE.filter((c) => c.where === g).map((c) => c.id)))).toMatchObject({ needsHost: false, reboots: false, startsGuest: false });
    expect(planRun(['static.man-pages', 'boot.grub-xen-entry'])).toMatchObject({ needsHost: true, reboots: false });
    expect(planRun(null)).toMatchObject({ needsHost: true, reboots: true, startsGuest: true });
  });

  test('lifecycle checks are bounded by a check, a boot, and an install with a second host; one at a time', () => {
    const t = { ...DEFAULT_TIMEOUTS };
    expect(PHASES.lifecycle.boundS(t, {})).toBe(t.check + t.boot);
    expect(PHASES.lifecycle.boundS(t, { migrateTo: {} as never })).toBe(t.check + t.boot + t.install);
    expect(PHASES.lifecycle.concurrency).toBe(1);
    expect(PHASES.endsHost.boundS(t)).toBe(t.shutdown + 30);
  });
});

describe('the run report', () => {
  test('phases are timed in order, a failed one too, and the total closes them; the exit code follows the verdicts', async () => {
    const lines: string[] = [];
    const out = new RunReport({ tool: { name: 't', version: '0' }, distro: 'debian-12', target: 'fake', candidates: [] }, (l) => lines.push(l));
    await out.checks('dom0 checks', async () => [{ id: 'a', title: 'a', where: 'dom0', seed: 's', status: 'fail', message: 'm', durationMs: 1, evidence: [] }]);
    await expect(out.phase('reboot into Xen', async () => { throw new InfraError('reboot into Xen', 'gone'); })).rejects.toThrow('gone');
    expect(out.finish().exitCode).toBe(1);
    expect(out.report.phases.map((p) => [p.phase, p.ok])).toEqual([['dom0 checks', true], ['reboot into Xen', false], ['total', true]]);
    expect(out.report.totals.fail).toBe(1);
    expect(lines[0]).toMatch(/^\[\s*\d+\.\ds\] dom0 checks \.\.\.$/);
  });

  test('an infrastructure failure names its phase, or the cancellation, and makes the exit code 3', async () => {
    const out = new RunReport({ tool: { name: 't', version: '0' }, distro: 'debian-12', target: 'fake', candidates: [] }, () => {});
    out.current = 'install candidates';
    await out.failed(new Error('boom'), 'SIGTERM', async () => ['last line']);
    expect(out.report.infraError).toMatchObject({ phase: 'install candidates', message: 'cancelled (SIGTERM) during install candidates', serialTail: ['last line'] });
    expect(out.finish().exitCode).toBe(3);
  });
});

describe('provisionHost', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));
  async function prepared(): Promise<Prepared> {
    const outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-flow-'));
    dirs.push(outDir);
    return { config: { distro: 'debian-12', outDir, timeouts: { ...DEFAULT_TIMEOUTS } } as unknown as Prepared['config'], candidates: [], privilege: { kind: 'root' }, missingTools: [], notes: [] };
  }
  const debian = profileFor('debian-12');
  const BOOT_CONFIG = debian.boot.regenerateCommand().join(' ');

  function host(bootConfig: { code?: number; stderr?: string }) {
    const h = fakeHost({
      'mkdir -p /root/xc-candidates': {},
      [debian.packages.installCommand([debian.metaPackage]).join(' ')]: {},
      [BOOT_CONFIG]: bootConfig,
      [`cat ${debian.boot.configPath}`]: { stdout: 'menuentry Xen' },
    });
    const reboots: string[] = [];
    h.reboot = async (o: ExecOptions) => void reboots.push(o.phase);
    return { h, reboots };
  }

  test('installs, regenerates, reboots, in that order, each step under its phase; the role hooks run between', async () => {
    const p = await prepared();
    const { h, reboots } = host({});
    const seen: string[] = [];
    const role: HostRole = {
      step: async (name, fn) => (seen.push(name), fn()),
      phases: { install: 'install candidates', regenerate: 'regenerate boot config', reboot: 'reboot into Xen' },
      logs: { install: 'install.log', bootConfig: 'boot-config.log', grubCfg: 'grub.cfg' },
      installed: async () => void seen.push('installed'),
      beforeReboot: async () => (seen.push('before reboot'), true),
      reboot: { before: async () => void seen.push('noted'), after: async () => void seen.push('proven') },
    };
    expect(await provisionHost(h, p, role)).toBe(true);
    expect(seen).toEqual(['install candidates', 'installed', 'regenerate boot config', 'before reboot', 'noted', 'reboot into Xen', 'proven']);
    expect(reboots).toEqual(['reboot into Xen']);
    expect(h.calls).toEqual(['mkdir -p /root/xc-candidates', debian.packages.installCommand([debian.metaPackage]).join(' '), BOOT_CONFIG, `cat ${debian.boot.configPath}`]);
    expect(await fs.readFile(path.join(p.config.outDir, 'grub.cfg'), 'utf8')).toBe('menuentry Xen');
  });

  test('no reboot when the run needs none', async () => {
    const { h, reboots } = host({});
    const role: HostRole = {
      step: (_n, fn) => fn(),
      phases: { install: 'i', regenerate: 'r', reboot: 'b' },
      logs: { install: 'install.log', bootConfig: 'boot-config.log' },
      beforeReboot: async () => false,
    };
    expect(await provisionHost(h, await prepared(), role)).toBe(false);
    expect(reboots).toEqual([]);
  });

  test('with bootConfigFailure a failed regeneration is logged, then stops with its words; nothing reboots', async () => {
    const p = await prepared();
    const { h, reboots } = host({ code: 1, stderr: 'grub-mkconfig: error\n' });
    const role: HostRole = {
      step: (_n, fn) => fn(),
      phases: { install: 'prep', regenerate: 'prep', reboot: 'prep' },
      logs: { install: 'm-install.log', bootConfig: 'm-boot-config.log' },
      bootConfigFailure: (r) => `regenerating failed (exit ${r.code})`,
    };
    await expect(provisionHost(h, p, role)).rejects.toThrow('prep: regenerating failed (exit 1)');
    expect(await fs.readFile(path.join(p.config.outDir, 'm-boot-config.log'), 'utf8')).toBe('grub-mkconfig: error\n');
    expect(reboots).toEqual([]);
  });
});
