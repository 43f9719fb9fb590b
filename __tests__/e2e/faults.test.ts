// Faults injected for real, each on the embedded default (a Debian 12 VM under
// QEMU). The environment's (QEMU killed, a cancel, SSH lost, a full disk) end
// the run with a classified error naming the phase, within its bound, with
// the partial report written and nothing left running. The candidates' (a set
// that does not install, a boot entry GRUB cannot load, a boot option that
// panics dom0) fail the check concerned, exit 1, and stop the run there.
// Each run is kept cheap: a small candidate that brings the fault about
// itself, and a --checks filter that stops the run as soon as it has shown.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { archiveDebs, buildDeb, editControl, repack, touchWithoutSlash } from './debs.js';
import { cancelAsGitHub, expectNothingLeft, type Ran, readReport, runDirOf, runNode, type Started, startNode, statuses } from './run.js';

const MINUTES = 60_000;
let work: string;
let debs: Record<string, string>;
/** A file a hostile name would create if anything ever ran it through a shell. */
let canary: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-faults-'));
  canary = path.join(os.tmpdir(), `xc-pwned-${path.basename(work)}`);
  await fs.mkdir(path.join(work, 'archive'));
  debs = await archiveDebs(['xen-hypervisor-4.17-amd64', 'xen-hypervisor-common', 'xen-utils-common'], path.join(work, 'archive'));
}, 5 * MINUTES);

afterAll(async () => {
  // XC_KEEP=1 keeps the candidate sets and each run's out dir to read.
  if (!process.env.XC_KEEP) await fs.rm(work, { recursive: true, force: true });
  await fs.rm(canary, { force: true });
});

/** Seconds a phase of the report took. */
function seconds(report: Awaited<ReturnType<typeof readReport>>, phase: string): number {
  const p = report.phases.find((x) => x.phase === phase);
  expect(p).toBeDefined();
  return p!.seconds;
}

/** The action's environment as GitHub gives it, files in dir. */
async function actionEnv(dir: string, inputs: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const files = { GITHUB_STEP_SUMMARY: 'summary.md', GITHUB_OUTPUT: 'outputs.txt', GITHUB_STATE: 'state.txt' };
  await fs.mkdir(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = {};
  for (const [k, f] of Object.entries(files)) {
    env[k] = path.join(dir, f);
    await fs.writeFile(env[k]!, '');
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return env;
}

/** The report's infrastructure error, with the things every one of them must carry. */
async function infraError(out: string, r: Ran, phase: string) {
  expect(r.code).toBe(3);
  const report = await readReport(out);
  expect(report.infraError?.phase).toBe(phase);
  // The partial report is written in every form.
  const md = await fs.readFile(path.join(out, 'summary.md'), 'utf8');
  expect(md).toContain(`infrastructure failed in phase ${phase}`);
  await fs.access(path.join(out, 'junit.xml'));
  return { report, md, error: report.infraError! };
}

/** The pid QEMU wrote into the run's private directory (named in the log). */
async function qemuPid(run: Started): Promise<number> {
  const runDir = runDirOf(run.output());
  expect(runDir).toBeDefined();
  return Number((await fs.readFile(path.join(runDir!, 'qemu.pid'), 'utf8')).trim());
}

describe('faults under QEMU (Debian 12)', () => {
  test(
    'QEMU killed from outside (kill -9) during the install: exit 3 at once, "QEMU exited (SIGKILL)", partial report, nothing left',
    async () => {
      const out = path.join(work, 'out-qemu-killed');
      const run = startNode('dist/cli.js', ['run', '--checks', 'boot.grub-xen-entry', '--out', out]);
      await run.waitFor(/install candidates \.\.\./, 10 * MINUTES);
      const killed = Date.now();
      process.kill(await qemuPid(run), 'SIGKILL');
      const r = await run.done;
      expect(Date.now() - killed).toBeLessThan(30_000);
      const { error } = await infraError(out, r, 'install candidates');
      expect(error.message).toMatch(/QEMU exited \(SIGKILL\)/);
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );

  test(
    'the action cancelled as GitHub does (SIGINT, SIGTERM 7.5 s later) while the VM boots: gone within 10 s, partial report and job summary, nothing left',
    async () => {
      const out = path.join(work, 'out-action-cancel');
      const env = await actionEnv(path.join(work, 'gh-cancel'), { distro: 'debian-12', checks: 'boot.grub-xen-entry', 'out-dir': out });
      const run = startNode('dist/index.js', [], env);
      await run.waitFor(/SSH on 127\.0\.0\.1:\d+/, 10 * MINUTES);
      const { ran: r, ms } = await cancelAsGitHub(run);
      expect(ms).toBeLessThan(10_000);
      const { error } = await infraError(out, r, 'boot the base image');
      expect(error.message).toMatch(/cancelled \(SIGINT\) during boot the base image/);
      expect(await fs.readFile(env.GITHUB_STEP_SUMMARY!, 'utf8')).toContain('infrastructure failed in phase boot the base image');
      expect(r.stdout).toMatch(/^::error::infrastructure failed in phase "boot the base image": cancelled/m);
      await expectNothingLeft(r.stdout);
    },
    15 * MINUTES,
  );

  test(
    'sshd killed in the guest (all of it) while a check runs: that check is error, "connection lost", never pass; no hang',
    async () => {
      // The candidate shadows cat so that reading grubenv over SSH once the boot config has
      // been regenerated (only boot.default-is-xen does then; provisioning reads it before)
      // kills every sshd and keeps it down, then stays busy: the check is mid-command.
      const dir = path.join(work, 'sshd-dies');
      await fs.mkdir(dir);
      await buildDeb(path.join(dir, 'xc-fault-sshd-dies_1.0_all.deb'), {
        name: 'xc-fault-sshd-dies',
        files: {
          '/usr/local/bin/cat': {
            mode: 0o755,
            content: [
              '#!/bin/sh',
              'if [ "$1" = /boot/grub/grubenv ] && [ -n "$SSH_CONNECTION" ] && [ /boot/grub/grub.cfg -nt /var/lib/dpkg/info/xc-fault-sshd-dies.list ]; then',
              '  systemctl mask --runtime ssh.service >/dev/null 2>&1',
              '  pkill -KILL -x sshd',
              '  sleep 60',
              'fi',
              'exec /bin/cat "$@"',
              '',
            ].join('\n'),
          },
        },
      });
      const out = path.join(work, 'out-sshd-dies');
      const started = Date.now();
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', 'boot.default-is-xen', '--timeout-check', '120', '--out', out]);
      expect(r.code).toBe(1);
      const report = await readReport(out);
      expect(statuses(report)).toEqual({ 'boot.default-is-xen': 'error' });
      // A run filtered to checks before the reboot does not reboot (here it could not: SSH is gone).
      expect(report.phases.map((p) => p.phase)).not.toContain('reboot into Xen');
      const check = report.checks[0];
      expect(check.message).toMatch(/SSH connection to the host was lost/);
      // Not the check's own timeout: the loss is noticed at once.
      expect(check.durationMs).toBeLessThan(60_000);
      expect(Date.now() - started).toBeLessThan(8 * MINUTES);
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );

  test(
    'a hypervisor installed outside /boot gets no Xen boot entry, and the machine never brings SSH up after the reboot: both boot checks fail, then exit 3 in "reboot into Xen" within the reboot timeout; a hostile file name runs nothing',
    async () => {
      // Two mistakes in one candidate set, as one VM run: the hypervisor package puts Xen under
      // /usr/lib instead of /boot (GRUB's generator looks in /boot only), and a second package's
      // postinst masks ssh.service, so the reboot comes back without SSH. Its file name would
      // run a command if anything passed it through a shell.
      const dir = path.join(work, 'no-ssh');
      await fs.mkdir(dir);
      await repack(debs['xen-hypervisor-4.17-amd64'], dir, async (root) => {
        // Without the Recommends on the tools, so the install stays small.
        await editControl(root, 'Recommends', () => 'xen-hypervisor-common');
        const to = path.join(root, 'usr/lib/xen-4.17/boot');
        await fs.mkdir(to, { recursive: true });
        for (const f of await fs.readdir(path.join(root, 'boot'))) await fs.rename(path.join(root, 'boot', f), path.join(to, f));
      });
      await fs.copyFile(debs['xen-hypervisor-common'], path.join(dir, path.basename(debs['xen-hypervisor-common'])));
      const touch = touchWithoutSlash(canary);
      const hostile = `no ssh $(${touch}); \`${touch}\` it's "quoted" \n& ${touch} #.deb`;
      await buildDeb(path.join(dir, hostile), {
        name: 'xc-fault-no-ssh',
        scripts: { postinst: '#!/bin/sh\nset -e\n[ "$1" = configure ] && systemctl mask ssh.service\nexit 0\n' },
      });
      const out = path.join(work, `out no-ssh $(touch ${canary}); x`);
      const checks = 'boot.grub-xen-entry,boot.default-is-xen,boot.reaches-dom0';
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', checks, '--timeout-reboot', '60', '--out', out]);
      const { report, md, error } = await infraError(out, r, 'reboot into Xen');
      // The checks before the reboot judged the boot config: no entry loads Xen, so neither is the default.
      expect(statuses(report)).toEqual({ 'boot.grub-xen-entry': 'fail', 'boot.default-is-xen': 'fail' });
      expect(report.checks[0].message).toMatch(/no entry .* loads Xen/);
      // The bound and the setting that sets it, and why the attempts failed (not the last one's cut-short deadline).
      expect(error.message).toMatch(/no SSH after 60 s \(timeout-reboot, counted from systemctl reboot\) \(last attempt: (?!no SSH login within)/);
      // The reboot timeout bounds it (60 s: a quiet machine is at its login prompt by then, so SSH
      // is really missing), with the seconds a failed attempt may take.
      expect(seconds(report, 'reboot into Xen')).toBeLessThan(60 + 15);
      expect(error.serialTail.length).toBeGreaterThan(0);
      expect(md).toMatch(/Last \d+ serial lines/);
      expect(report.candidates).toEqual(expect.arrayContaining(['xc-fault-no-ssh 1.0 all', expect.stringMatching(/^xen-hypervisor-4\.17-amd64 /)]));
      await expect(fs.access(canary)).rejects.toThrow();
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );

  test(
    'the guest disk fills up during the install: exit 3, "disk is full (No space left on device)" with the fix, install.log kept',
    async () => {
      // Its preinst takes every free block (root's reserve too), then its payload cannot be unpacked.
      const dir = path.join(work, 'disk-full');
      await fs.mkdir(dir);
      await buildDeb(path.join(dir, 'xc-fault-disk-full_1.0_all.deb'), {
        name: 'xc-fault-disk-full',
        files: { '/usr/share/xc-fault/payload': { content: '\0'.repeat(8 << 20) } },
        scripts: {
          preinst: ['#!/bin/sh', 'set -e', 'free=$(stat -f -c "%f * %S" /)', 'fallocate -l $(( $free - 1048576 )) /var/tmp/xc-fill || true', ''].join('\n'),
        },
      });
      const out = path.join(work, 'out-disk-full');
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', 'boot.grub-xen-entry', '--out', out]);
      const { error } = await infraError(out, r, 'install candidates');
      expect(error.message).toMatch(/disk is full \(No space left on device\)/);
      expect(error.message).toMatch(/look for a script that fills the disk/);
      expect(await fs.readFile(path.join(out, 'install.log'), 'utf8')).toMatch(/No space left on device/);
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );

  test(
    'the dom0 kernel panics during the reboot into Xen (a boot option in xen.cfg): boot.reaches-dom0 fails naming the panic, exit 1, serial lines in report and job summary',
    async () => {
      // The hypervisor packages alone (without the Recommends on the tools, so the install
      // stays small), their GRUB snippet passing dom0 an init that exits: the kernel panics.
      const dir = path.join(work, 'panic');
      await fs.mkdir(dir);
      await repack(debs['xen-hypervisor-4.17-amd64'], dir, (root) => editControl(root, 'Recommends', () => 'xen-hypervisor-common'));
      await repack(debs['xen-hypervisor-common'], dir, async (root) => {
        const cfg = path.join(root, 'etc/default/grub.d/xen.cfg');
        await fs.appendFile(cfg, '\nGRUB_CMDLINE_LINUX_XEN_REPLACE="$GRUB_CMDLINE_LINUX_XEN_REPLACE init=/bin/false"\n');
      });
      const out = path.join(work, 'out-panic');
      const env = await actionEnv(path.join(work, 'gh-panic'), {
        distro: 'debian-12',
        packages: `${dir}/*.deb`,
        checks: 'boot.reaches-dom0',
        'out-dir': out,
        'timeout-reboot': '300',
      });
      const r = await runNode('dist/index.js', [], env);
      const exited = Date.now();
      const report = await readReport(out);
      // The candidates' boot option brought dom0 down: their failure, not the environment's.
      expect({ code: r.code, infra: report.infraError }).toEqual({ code: 1, infra: undefined });
      // The action's process ends with its run: no timer of the reboot's bound keeps it alive.
      expect(exited - Date.parse(report.finishedAt)).toBeLessThan(15_000);
      expect(statuses(report)).toEqual({ 'boot.reaches-dom0': 'fail' });
      const check = report.checks[0];
      expect(check.message).toMatch(/^the machine panicked while booting into Xen: Kernel panic - not syncing: Attempted to kill init/);
      expect(check.evidence[0].output).toMatch(/Kernel panic/);
      expect(report.stoppedBy).toEqual({ check: 'boot.reaches-dom0', phase: 'reboot into Xen', message: check.message });
      // Recognised on the console, not at the reboot's bound.
      expect(seconds(report, 'reboot into Xen')).toBeLessThan(300);
      const summary = await fs.readFile(env.GITHUB_STEP_SUMMARY!, 'utf8');
      expect(summary).toMatch(/The run stopped at `boot\.reaches-dom0`/);
      expect(summary).toMatch(/Kernel panic/);
      expect(r.stdout).toMatch(/^::error title=[^:]*boot\.reaches-dom0.*Kernel panic/m);
      await expectNothingLeft(r.stdout);
    },
    15 * MINUTES,
  );
});

describe('the candidates stop the run: their failure, exit 1, never "infrastructure failed"', () => {
  test(
    'a postinst that fails (it gives /var/log/xen to a group nothing creates): packaging.installs fails naming the package and its script; nothing after it runs',
    async () => {
      const dir = path.join(work, 'postinst-fails');
      await fs.mkdir(dir);
      await repack(debs['xen-utils-common'], dir, async (root) => {
        const postinst = path.join(root, 'DEBIAN/postinst');
        const script = await fs.readFile(postinst, 'utf8');
        expect(script).toContain('install -d -m 2750 -g adm /var/log/xen');
        await fs.writeFile(postinst, script.replace('-g adm /var/log/xen', '-g xenlog /var/log/xen'));
      });
      const out = path.join(work, 'out-postinst-fails');
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', 'packaging.installs,boot.grub-xen-entry', '--out', out]);
      const report = await readReport(out);
      expect({ code: r.code, infra: report.infraError }).toEqual({ code: 1, infra: undefined });
      expect(statuses(report)).toEqual({ 'packaging.installs': 'fail' });
      const check = report.checks[0];
      expect(check.message).toMatch(/^the postinst \(maintainer script\) of xen-utils-common exited 1 \(the install exited 100: E: Sub-process /);
      expect(check.message).toMatch(/nothing after the install could be judged$/);
      expect(check.evidence[0].output).toMatch(/install: invalid group .xenlog./);
      expect(report.stoppedBy).toMatchObject({ check: 'packaging.installs', phase: 'install candidates' });
      expect(report.phases.map((p) => p.phase)).not.toContain('regenerate boot config');
      expect(await fs.readFile(path.join(out, 'install.log'), 'utf8')).toMatch(/invalid group/);
      expect(await fs.readFile(path.join(out, 'summary.md'), 'utf8')).toMatch(/The run stopped at `packaging\.installs`/);
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );

  test(
    'a hypervisor cut short in packaging: boot.grub-xen-entry fails before the reboot (GRUB cannot decompress it), and boot.reaches-dom0 fails within seconds of GRUB saying so',
    async () => {
      // The header survives (grub-file and 20_linux_xen still take it for multiboot2); the rest does not.
      const dir = path.join(work, 'truncated-xen');
      await fs.mkdir(dir);
      await repack(debs['xen-hypervisor-4.17-amd64'], dir, async (root) => {
        await editControl(root, 'Recommends', () => 'xen-hypervisor-common');
        const xen = path.join(root, 'boot/xen-4.17-amd64.gz');
        const whole = await fs.readFile(xen);
        await fs.writeFile(xen, whole.subarray(0, Math.floor(whole.length * 0.6)));
      });
      await fs.copyFile(debs['xen-hypervisor-common'], path.join(dir, path.basename(debs['xen-hypervisor-common'])));
      const out = path.join(work, 'out-truncated-xen');
      const r = await runNode('dist/cli.js', ['run', '--packages', `${dir}/*.deb`, '--checks', 'boot.grub-xen-entry,boot.reaches-dom0', '--out', out]);
      const report = await readReport(out);
      expect({ code: r.code, infra: report.infraError }).toEqual({ code: 1, infra: undefined });
      expect(statuses(report)).toEqual({ 'boot.grub-xen-entry': 'fail', 'boot.reaches-dom0': 'fail' });
      const [entry, dom0] = report.checks;
      expect(entry.message).toMatch(/\/boot\/xen-4\.17-amd64\.gz is not a whole gzip stream/);
      expect(dom0.message).toMatch(/^GRUB could not boot the default entry: error: /);
      expect(dom0.evidence[0].output).toMatch(/error: /);
      // GRUB's words end the wait, not the reboot's 300 s bound.
      expect(seconds(report, 'reboot into Xen')).toBeLessThan(120);
      expect(report.stoppedBy?.check).toBe('boot.reaches-dom0');
      await expectNothingLeft(r.stderr);
    },
    15 * MINUTES,
  );
});
