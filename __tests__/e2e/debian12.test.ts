// End to end on the embedded default: a Debian 12 VM under QEMU, real Xen
// 4.17 from Debian's archive, real candidate packages. One VM run per
// candidate set; each broken set is made by repacking a real .deb.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveDebs, dropFile, editControl } from './debs.js';
import { type Breakage, candidateSetIn, editInitScript, NO_XEN_DEFAULT, TWELVE_MISTAKES, XEN_PACKAGES } from './candidate-sets.js';
import { BASELINE, DOM0_BASELINE, DOMU_BASELINE, STATIC_NO_XEN_DEFAULT, STATIC_TWELVE_MISTAKES } from './baseline.js';
import { cancelAsGitHub, expectNothingLeft, printTimings, readReport, runNode, startNode, statuses } from './run.js';

const MINUTES = 60_000;

/** libxl runs it for every save, restore and migration. */
const SAVE_HELPER = '/usr/lib/xen-4.17/bin/libxl-save-helper';

/** A GRUB script the guest's xenstore-utils ships in the run whose shutdowns hang. */
const GRUB_SCRIPT = '09_xen_hypervisors';

const DOM0_ONLY = Object.keys({ ...DOM0_BASELINE, ...DOMU_BASELINE }).filter((id) => !['packaging.installs', 'boot.grub-xen-entry', 'boot.default-is-xen', 'boot.reaches-dom0'].includes(id));

let work: string;
let debs: Record<string, string>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-e2e-'));
  await fs.mkdir(path.join(work, 'archive'));
  debs = await archiveDebs(XEN_PACKAGES, path.join(work, 'archive'));
}, 5 * MINUTES);

const candidateSet = (name: string, broken: Breakage) => candidateSetIn(work, debs, name, broken);

afterAll(async () => {
  // XC_KEEP=1 keeps the candidate sets and each run's out dir (report.json with every command's output) to read.
  if (!process.env.XC_KEEP) await fs.rm(work, { recursive: true, force: true });
});


describe('Debian 12 under QEMU', () => {
  test(
    'baseline: the archive packages boot into Xen and run a domU; every check has its measured status',
    async () => {
      const out = path.join(work, 'out-baseline');
      const r = await runNode('dist/cli.js', ['run', '--distro', 'debian-12', '--out', out]);
      // Two real findings in Debian 12 as a guest and a host: vCPU hotplug and PV live migration.
      expect(r.code).toBe(1);
      const report = await readReport(out);
      printTimings('baseline', report);
      expect(statuses(report)).toEqual(BASELINE);
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['hotplug.scripts'].message).toMatch(/ifconfig \(vif-nat:\d+, vif-route:\d+\)/);
      expect(report.xenVersion).toMatch(/^4\.17\./);
      expect(report.candidateXenVersion).toMatch(/^4\.17\./);
      expect(report.target).toMatch(/^qemu \((tcg|kvm)\)$/);
      const phases = report.phases.map((p) => p.phase);
      expect(phases).toEqual(expect.arrayContaining(['base image', 'boot the base image', 'install candidates', 'regenerate boot config', 'reboot into Xen', 'dom0 checks', 'total']));
      expect(report.phases.every((p) => p.ok && p.seconds >= 0)).toBe(true);
      // The serial log shows Xen itself booting, and the printed report is the summary.
      expect(await fs.readFile(path.join(out, 'serial.log'), 'utf8')).toMatch(/\(XEN\) .*Xen version 4\.17/);
      expect(r.stdout).toContain('`boot.reaches-dom0`');
      expect(await fs.readFile(path.join(out, 'junit.xml'), 'utf8')).toMatch(new RegExp(`<testsuites [^>]*tests="${Object.keys(BASELINE).length}" failures="2" errors="0"`));
      // The domU: its console kept, its boot bounded, the two findings explained.
      expect(await fs.readFile(path.join(out, 'domU-console.log'), 'utf8')).toMatch(/xcguest login:/);
      expect(phases).toEqual(expect.arrayContaining(['guest image', 'start the domU', 'domU checks', 'domU lifecycle']));
      expect(byId['domU.vcpu-hotplug'].message).toMatch(/noticed vCPU 1 .* but nothing brought it online/);
      expect(byId['domU.live-migration'].message).toMatch(/without shadow paging/);
      expect(byId['domU.pci-passthrough'].message).toMatch(/no IOMMU/);
      expect(byId['domU.pvh'].message).toMatch(/booted as PVH through pygrub/);
      expect(byId['domU.hvm'].message).toMatch(/^not run under TCG/);
      await expectNothingLeft(r.stderr);
    },
    // Cold, this run builds both images (about 5 minutes) before the host and the guest.
    35 * MINUTES,
  );

  test(
    'SIGINT, then SIGTERM 7.5 s later (as GitHub cancels), during the install: exit 3 within 10 s, partial report, no VM or run directory left',
    async () => {
      const out = path.join(work, 'out-cancel');
      const run = startNode('dist/cli.js', ['run', '--out', out]);
      await run.waitFor(/install candidates \.\.\./, 10 * MINUTES);
      const { ran: r, ms } = await cancelAsGitHub(run);
      expect(ms).toBeLessThan(10_000);
      expect(r.code).toBe(3);
      const report = await readReport(out);
      expect(report.infraError?.message).toMatch(/cancelled \(SIGINT\) during install candidates/);
      expect(report.phases.map((p) => p.phase)).toContain('boot the base image');
      await expectNothingLeft(r.stderr);
    },
    20 * MINUTES,
  );

  test(
    'action: a hypervisor package without the GRUB default override fails default-is-xen and reaches-dom0, nothing else',
    async () => {
      const dir = await candidateSet('no-default', NO_XEN_DEFAULT);
      const out = path.join(work, 'out-no-default');
      const summary = path.join(work, 'summary.md');
      const outputs = path.join(work, 'outputs.txt');
      const state = path.join(work, 'state.txt');
      await Promise.all([summary, outputs, state].map((f) => fs.writeFile(f, '')));
      const r = await runNode('dist/index.js', [], {
        INPUT_DISTRO: 'debian-12',
        INPUT_PACKAGES: `${dir}/*.deb\n# comments and blank lines are ignored\n\n`,
        'INPUT_OUT-DIR': out,
        INPUT_ACCEL: 'auto',
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: outputs,
        GITHUB_STATE: state,
      });
      expect(r.code).toBe(1);
      const report = await readReport(out);
      expect(statuses(report)).toEqual({
        // The candidate files themselves are sound but for the drop-in they lack.
        ...STATIC_NO_XEN_DEFAULT,
        'packaging.installs': 'pass',
        'boot.grub-xen-entry': 'pass',
        'boot.default-is-xen': 'fail',
        'boot.reaches-dom0': 'fail',
        // Everything that looks in dom0 builds on reaching it.
        ...Object.fromEntries(DOM0_ONLY.map((id) => [id, 'skip'])),
      });
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['boot.default-is-xen'].message).toMatch(/does not boot Xen/);
      expect(byId['boot.default-is-xen'].remedy).toMatch(/xen\.cfg/);
      expect(byId['boot.reaches-dom0'].message).toMatch(/came back \(new boot id\) but not as Xen's dom0/);
      expect(byId['boot.serial-clean'].message).toMatch(/boot\.reaches-dom0 did not pass/);
      // What GitHub shows: the job summary, the annotations, the outputs.
      const md = await fs.readFile(summary, 'utf8');
      expect(md).toContain('boot.default-is-xen');
      expect(md).toMatch(/Phase timings/);
      expect(r.stdout).toMatch(/^::error title=[^:]*boot\.default-is-xen/m);
      const out_ = await fs.readFile(outputs, 'utf8');
      const output = (name: string) => new RegExp(`^${name}<<(\\S+)\\n([^\\n]*)\\n\\1$`, 'm').exec(out_)?.[2];
      const staticCount = (status: string) => Object.values(STATIC_NO_XEN_DEFAULT).filter((s) => s === status).length;
      expect(output('passed')).toBe(String(2 + staticCount('pass')));
      expect(output('failed')).toBe('2');
      expect(output('skipped')).toBe(String(DOM0_ONLY.length + staticCount('not-applicable')));
      expect(output('report')).toBe(path.join(out, 'report.json'));
      expect(output('junit')).toBe(path.join(out, 'junit.xml'));
      // The post step has the run directory to clean up after a cancel.
      expect(await fs.readFile(state, 'utf8')).toMatch(/runDir/);
    },
    20 * MINUTES,
  );

  test(
    'shutdowns that hang: a guest (an agent shipped with the xenstore utilities whose stop never returns) is bounded, reported and destroyed; dom0 (a toolstack stop that waits) is bounded and reported; the same utilities, missing a Depends, fail in the guest only',
    async () => {
      const agent = 'xenstore-guest-agent.service';
      const dir = await candidateSet('guest-hangs', {
        // dom0: stopping the toolstack waits (as the xendomains stop job was seen to) far past the bound.
        'xen-utils-common': (root) => editInitScript(root, (script) => script.replace('\n  stop)\n', '\n  stop)\n\tsleep 600\n')),
        // domU.save-restore and domU.cold-migration: the tools package without the helper libxl runs for every save and restore.
        'xen-utils-4.17': (root) => dropFile(root, SAVE_HELPER),
        'xenstore-utils': async (root) => {
          // domU.xenstore-utils: Depends without libxenstore4. Dom0 has it from the toolstack; a guest
          // installing the utilities alone does not, and xenstore-read cannot load it there.
          await editControl(root, 'Depends', (v) => v.split(', ').filter((d) => !d.startsWith('libxenstore4')).join(', '));
          // domU.kernel-update: a GRUB script written for dom0 (it lists the hypervisors under /boot). A domU has
          // none, so under grub-mkconfig's set -e the kernel package's hooks fail there, and only there.
          await fs.mkdir(path.join(root, 'etc/grub.d'), { recursive: true });
          await fs.writeFile(path.join(root, 'etc/grub.d', GRUB_SCRIPT), '#!/bin/sh\nset -e\nhypervisors=$(ls /boot/xen-*.gz)\n', { mode: 0o755 });
          // Only in a domU (systemd counts dom0 as no virtualisation), so dom0 keeps shutting down as before.
          await fs.mkdir(path.join(root, 'lib/systemd/system'), { recursive: true });
          await fs.writeFile(
            path.join(root, 'lib/systemd/system', agent),
            '[Unit]\nDescription=Xen guest agent\nConditionVirtualization=xen\n\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\nExecStop=/bin/sleep infinity\nTimeoutStopSec=infinity\n\n[Install]\nWantedBy=multi-user.target\n',
          );
          await fs.writeFile(
            path.join(root, 'DEBIAN/postinst'),
            `#!/bin/sh\nset -e\nif [ "$1" = configure ] && [ -d /run/systemd/system ]; then\n  systemctl enable ${agent}\n  systemctl start ${agent}\nfi\n`,
            { mode: 0o755 },
          );
        },
      });
      const out = path.join(work, 'out-guest-hangs');
      const checks = 'domU.boots,domU.xenstore-utils,domU.save-restore,domU.cold-migration,domU.kernel-update,domU.shutdown,dom0.clean-shutdown';
      // 30 s bounds both shutdowns.
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', checks, '--timeout-shutdown', '30', '--out', out]);
      if (r.code !== 1) process.stderr.write(r.stderr);
      expect(r.code).toBe(1);
      const report = await readReport(out);
      printTimings('shutdowns that hang', report);
      expect(statuses(report)).toEqual({
        'domU.boots': 'pass',
        'domU.xenstore-utils': 'fail',
        'domU.save-restore': 'fail',
        'domU.cold-migration': 'fail',
        'domU.kernel-update': 'fail',
        'domU.shutdown': 'fail',
        'dom0.clean-shutdown': 'fail',
      });
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['domU.xenstore-utils'].message).toMatch(/^xenstore-read in the guest cannot load libxenstore\.so\.4: installed alone, xenstore-utils lacks/);
      for (const id of ['domU.save-restore', 'domU.cold-migration']) {
        expect(byId[id].message).toContain(`cannot run the save helper ${SAVE_HELPER}`);
        expect(byId[id].remedy).toMatch(/xen-utils/);
      }
      expect(byId['domU.kernel-update'].message).toMatch(/^dpkg-reconfigure linux-image-\S+ failed in the guest \(exit \d+\) in .*: ls: cannot access '\/boot\/xen-\*\.gz': No such file or directory$/);
      expect(byId['domU.kernel-update'].message).toContain(`/etc/grub.d/${GRUB_SCRIPT}`);
      expect(byId['domU.shutdown'].message).toMatch(/^the guest was still running 30 s after xl shutdown -w.*; it was destroyed$/);
      // systemd names a slow stop job on the console only after a while: when it does, it is the agent.
      const jobs = /stop jobs holding it: ([^)]*)\)/.exec(byId['domU.shutdown'].message)?.[1];
      if (jobs) expect(jobs).toContain(agent);
      expect(byId['domU.shutdown'].durationMs).toBeLessThan(60_000);
      expect(await fs.readFile(path.join(out, 'domU-console.log'), 'utf8')).toMatch(/Xen guest agent|xenstore-guest-agent/);
      expect(byId['dom0.clean-shutdown'].message).toMatch(/still shutting down 30 s after systemctl poweroff/);
      // Likewise in dom0: when the console names a stop job, it is the toolstack's.
      const dom0Jobs = /stop jobs that held it up: (.*)$/.exec(byId['dom0.clean-shutdown'].message)?.[1];
      if (dom0Jobs) expect(dom0Jobs).toMatch(/xen/i);
      expect(byId['dom0.clean-shutdown'].remedy).toMatch(/TimeoutStopSec/);
      await expectNothingLeft(r.stderr);
    },
    20 * MINUTES,
  );

  test(
    'one candidate set with twelve packaging mistakes fails exactly the checks concerned, each naming the fix, and the domU ones build on domU.boots',
    async () => {
      const dir = await candidateSet('mistakes', TWELVE_MISTAKES);
      const out = path.join(work, 'out-mistakes');
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--out', out]);
      if (r.code !== 1) process.stderr.write(r.stderr);
      expect(r.code).toBe(1);
      const report = await readReport(out);
      const broken = [
        'docs.man-pages',
        'services.enabled',
        'services.running',
        'dom0.kernel-config',
        'hotplug.scripts',
        'power.xenpm',
        'packaging.meta-package',
        'packaging.xenstore-utils-separate',
        'devicemodel.qemu-xen',
        'boot.initramfs-drivers',
        'boot.serial-clean',
        'net.vif-on-bridge',
        'domU.boots',
      ];
      // No domU could be created: every other domU check builds on it.
      const unjudged = Object.keys(DOMU_BASELINE).filter((id) => !broken.includes(id));
      // Nor is a shutdown "with the Xen services running" judged when they do not run.
      const skipped = [...unjudged, 'dom0.clean-shutdown'];
      // The static tier sees the same mistakes in the files, before the VM (static.test.ts shows which).
      expect(statuses(report)).toEqual({
        ...BASELINE,
        ...STATIC_TWELVE_MISTAKES,
        ...Object.fromEntries(skipped.map((id) => [id, 'skip'])),
        ...Object.fromEntries(broken.map((id) => [id, 'fail'])),
      });
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['docs.man-pages'].message).toMatch(/xl\(1\)/);
      expect(byId['services.enabled'].message).toMatch(/xendomains/);
      expect(byId['services.running'].message).toBe('no xenconsoled process');
      expect(byId['dom0.kernel-config'].message).toMatch(/CONFIG_XEN_PCIDEV_BACKEND=m, but module xen-pciback is disabled: \/etc\/modprobe\.d\/xen-no-passthrough\.conf has modprobe run/);
      expect(byId['dom0.kernel-config'].remedy).toMatch(/^Drop the install directives/);
      expect(byId['services.running'].remedy).toMatch(/\/etc\/init\.d\/xen|journalctl -b -u xen/);
      expect(byId['hotplug.scripts'].message).toMatch(/ifconfig \(vif-bridge:\d+/);
      expect(byId['hotplug.scripts'].remedy).toMatch(/xen-utils-common/);
      expect(byId['power.xenpm'].message).toMatch(/xenpm/);
      expect(byId['packaging.meta-package'].message).toMatch(/xen-utils/);
      expect(byId['packaging.xenstore-utils-separate'].message).toMatch(/xen-utils-4\.17/);
      expect(byId['devicemodel.qemu-xen'].remedy).toMatch(/qemu-system-xen/);
      expect(byId['boot.initramfs-drivers'].message).toMatch(/lacks xen-blkfront and xen-netfront/);
      expect(byId['dom0.clean-shutdown'].message).toMatch(/services\.running did not pass/);
      expect(byId['boot.serial-clean'].message).toMatch(/xen-qemu-dom0-disk-backend/);
      expect(byId['net.vif-on-bridge'].message).toMatch(/vif-bridge/);
      expect(byId['domU.boots'].message).toMatch(/xl create failed/);
      for (const id of broken) expect(byId[id].remedy).toBeTruthy();
    },
    20 * MINUTES,
  );
});
