// End to end on the embedded default: a Debian 12 VM under QEMU, real Xen
// 4.17 from Debian's archive, real candidate packages. One VM run per
// candidate set; each broken set is made by repacking a real .deb.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveDebs, dropFile, editControl, repack } from './debs.js';
import { BASELINE, DOMU_BASELINE } from './baseline.js';
import { cancelAsGitHub, expectNothingLeft, printTimings, readReport, runNode, startNode, statuses } from './run.js';

const MINUTES = 60_000;
// Every binary package of Debian's xen source that the meta package pulls in,
// as a packager's build produces them: a self-consistent candidate set.
const XEN_PACKAGES = [
  'xen-system-amd64',
  'xen-hypervisor-4.17-amd64',
  'xen-hypervisor-common',
  'xen-utils-4.17',
  'xen-utils-common',
  'xenstore-utils',
  ...['libxencall1', 'libxendevicemodel1', 'libxenevtchn1', 'libxenforeignmemory1', 'libxengnttab1', 'libxenhypfs1'],
  ...['libxenmisc4.17', 'libxenstore4', 'libxentoolcore1', 'libxentoollog1'],
];

/** libxl runs it for every save, restore and migration. */
const SAVE_HELPER = '/usr/lib/xen-4.17/bin/libxl-save-helper';

/** A GRUB script the guest's xenstore-utils ships in the run whose shutdowns hang. */
const GRUB_SCRIPT = '09_xen_hypervisors';

const DOM0_ONLY = Object.keys(BASELINE).filter((id) => !['boot.grub-xen-entry', 'boot.default-is-xen', 'boot.reaches-dom0'].includes(id));

let work: string;
let debs: Record<string, string>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-e2e-'));
  await fs.mkdir(path.join(work, 'archive'));
  debs = await archiveDebs(XEN_PACKAGES, path.join(work, 'archive'));
}, 5 * MINUTES);

afterAll(async () => {
  // XC_KEEP=1 keeps the candidate sets and each run's out dir (report.json with every command's output) to read.
  if (!process.env.XC_KEEP) await fs.rm(work, { recursive: true, force: true });
});

/** A candidate directory: the archive's debs with some replaced by broken copies. */
async function candidateSet(name: string, broken: Record<string, (root: string) => Promise<void>>): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  for (const pkg of XEN_PACKAGES) {
    if (broken[pkg]) await repack(debs[pkg], dir, broken[pkg]);
    else await fs.copyFile(debs[pkg], path.join(dir, path.basename(debs[pkg])));
  }
  return dir;
}

/** Edit Debian's /etc/init.d/xen in an unpacked xen-utils-common. */
async function editInitScript(root: string, edit: (script: string) => string): Promise<void> {
  const init = path.join(root, 'etc/init.d/xen');
  const script = await fs.readFile(init, 'utf8');
  const edited = edit(script);
  if (edited === script) throw new Error('/etc/init.d/xen is not the script this test edits');
  await fs.writeFile(init, edited);
}

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
      const dir = await candidateSet('no-default', {
        'xen-hypervisor-common': (root) => dropFile(root, '/etc/default/grub.d/xen.cfg'),
      });
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
      expect(output('passed')).toBe('1');
      expect(output('failed')).toBe('2');
      expect(output('skipped')).toBe(String(DOM0_ONLY.length));
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
      const dir = await candidateSet('mistakes', {
        'xen-utils-common': async (root) => {
          // serial-clean: a unit, enabled at boot, whose ExecStart is a path the package does not ship (upstream's unit, Debian's paths).
          const unit = '/lib/systemd/system/xen-qemu-dom0-disk-backend.service';
          await fs.mkdir(path.join(root, 'lib/systemd/system/multi-user.target.wants'), { recursive: true });
          await fs.writeFile(
            path.join(root, unit),
            '[Unit]\nDescription=qemu for xen dom0 disk backend\n\n[Service]\nType=simple\nExecStart=/usr/lib/xen/bin/qemu-system-i386 -xen-domid 0 -xen-attach -name dom0 -nographic -M xenpv -daemonize\n\n[Install]\nWantedBy=multi-user.target\n',
          );
          await fs.symlink(unit, path.join(root, 'lib/systemd/system/multi-user.target.wants/xen-qemu-dom0-disk-backend.service'));
          // net.vif-on-bridge: the vif hotplug script exits 1, so no domU can have a network (nor be created).
          const vifBridge = path.join(root, 'etc/xen/scripts/vif-bridge');
          // At the end: hotplug.scripts' static scan stops at a top-level exit, and must still see the ifconfig below.
          await fs.appendFile(vifBridge, '\necho "vif-bridge: broken on purpose" >&2\nexit 1\n');
          // docs: the xl(1) man page is not shipped.
          await dropFile(root, '/usr/share/man/man1/xl.1.gz');
          // services: the postinst no longer enables xendomains at boot.
          const postinst = path.join(root, 'DEBIAN/postinst');
          const text = await fs.readFile(postinst, 'utf8');
          await fs.writeFile(postinst, text.replace('update-rc.d xendomains defaults >/dev/null || exit 1', ':'));
          // hotplug: vif-bridge calls ifconfig, which nothing installs.
          const vif = path.join(root, 'etc/xen/scripts/vif-bridge');
          await fs.writeFile(vif, (await fs.readFile(vif, 'utf8')).replace('. "$dir/vif-common.sh"\n', '. "$dir/vif-common.sh"\nifconfig "$dev" up\n'));
          // initramfs: a setting that builds the initramfs for this machine's hardware only (no PV frontends),
          // and the trigger that rebuilds it, as a package shipping initramfs settings does.
          await fs.mkdir(path.join(root, 'etc/initramfs-tools/conf.d'), { recursive: true });
          await fs.writeFile(path.join(root, 'etc/initramfs-tools/conf.d/xen'), 'MODULES=dep\n');
          await fs.appendFile(path.join(root, 'DEBIAN/conffiles'), '/etc/initramfs-tools/conf.d/xen\n');
          await fs.appendFile(path.join(root, 'DEBIAN/triggers'), 'activate-noawait update-initramfs\n');
          // services.running: the init script looks for xenconsoled where the package does not put it;
          // start-stop-daemon's test fails, which the script takes for "already running", and it reports success.
          await editInitScript(root, (script) => script.replace('XENCONSOLED="$ROOT"/bin/xenconsoled\n', 'XENCONSOLED="$ROOT"/sbin/xenconsoled\n'));
          // dom0.kernel-config: PCI passthrough "off by default", by an install directive that has modprobe run /bin/false.
          await fs.mkdir(path.join(root, 'etc/modprobe.d'), { recursive: true });
          await fs.writeFile(path.join(root, 'etc/modprobe.d/xen-no-passthrough.conf'), '# PCI passthrough is off by default\ninstall xen-pciback /bin/false\n');
          await fs.appendFile(path.join(root, 'DEBIAN/conffiles'), '/etc/modprobe.d/xen-no-passthrough.conf\n');
        },
        'xen-utils-4.17': async (root) => {
          // power: xenpm is left out of the tools package.
          await dropFile(root, '/usr/lib/xen-4.17/bin/xenpm');
          // device model: the tools no longer pull in qemu-system-xen.
          await editControl(root, 'Recommends', (v) => v.split(', ').filter((d) => !d.startsWith('qemu-system-xen')).join(', '));
        },
        // packaging: the meta package no longer pulls in the tools (nor their man pages).
        'xen-system-amd64': (root) => editControl(root, 'Depends', (v) => v.split(', ').filter((d) => !d.startsWith('xen-utils')).join(', ')),
        // packaging: the xenstore utilities drag in the whole toolstack.
        'xenstore-utils': (root) => editControl(root, 'Depends', (v) => `${v}, xen-utils-4.17`),
      });
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
      expect(statuses(report)).toEqual({ ...BASELINE, ...Object.fromEntries(skipped.map((id) => [id, 'skip'])), ...Object.fromEntries(broken.map((id) => [id, 'fail'])) });
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
