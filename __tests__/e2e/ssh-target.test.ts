// The SSH target, for real: a Debian 13 VM built like the embedded default's
// stands in for a user's own Xen machine. The test only starts it (cached base
// image, a per-run key, its host key pinned) and powers it on again whenever
// it resets, as a real machine comes back; from then on only the product
// drives it, over SSH: install, reboot into Xen, every check of the host half,
// then a domU on it (the guest image sent over SSH, its volume group on a loop
// device, a private bridge) and the domU checks that look at it, then that
// nothing of the guest's is left on the machine. A second such machine is the
// migrate-to host: the product installs the candidates there too, reboots it
// into Xen, and domU.cold-migration restores the guest there from a save made here.
// This is also Debian 13's end-to-end run (Xen 4.20, Linux 6.12, the archive's
// own packages): one VM run for both, as each costs an install and a reboot
// under TCG. Then the ways a connection goes wrong, and a grep of everything
// the run wrote for the private key.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DebianProfile } from '../../src/distro/debian/profile.js';
import { profileFor } from '../../src/distro/index.js';
import { chooseAccel } from '../../src/host/accel.js';
import { QemuHost } from '../../src/host/qemu.js';
import { baseImage, builtHostImage, guestRecipe } from '../../src/image/build.js';
import { defaultCacheDir } from '../../src/prepare.js';
import { shJoin } from '../../src/quote.js';
import { GUEST } from '../../src/guest/guest.js';
import { DOM0_BASELINE, DOMU_BASELINE } from './baseline.js';
import { ROOT, actionDefaults, closedPort, printTimings, readReport, runNode, statuses } from './run.js';

const MINUTES = 60_000;
const BOOT_CHECKS = ['boot.grub-xen-entry', 'boot.default-is-xen', 'boot.reaches-dom0', 'boot.serial-clean'];
/** The stand-in machine's release: the Debian 13 run is this one. */
const DISTRO = 'debian-13';
/** The bound the connection failures are held to: the product's own connect timeout, as given. */
const CONNECT_TIMEOUT_S = 60;
/**
 * The domU checks that exercise what differs on an SSH target: the image sent
 * over SSH, the volume group on a loop device, the private bridge, the console
 * captured on the user's machine. The rest of the domU half (the same code on
 * either target) runs in the Debian 12 baseline: about 10 more minutes under TCG.
 */
const DOMU_LOOKS = ['domU.boots', 'net.vif-on-bridge', 'storage.phy-lvm', 'domU.console-hvc0'];

let work: string;
let machine: QemuHost | undefined;
/** The second stand-in machine, the migrate-to host. */
let second: QemuHost | undefined;
const machineLog: string[] = [];
/** The stand-in machine's SSH port, its pinned host key (known_hosts) and the key it accepts. */
let port: number;
let knownHosts: string;
let keyFile: string;
/** The same of the second machine (which also accepts keyFile). */
let port2: number;
let knownHosts2: string;
let keyFile2: string;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-e2e-ssh-'));
  const profile = profileFor(DISTRO) as DebianProfile;
  const accel = await chooseAccel('auto');
  const log = (line: string) => machineLog.push(`${new Date().toISOString()} ${line}`);
  const opts = { cacheDir: defaultCacheDir(), timeoutMs: 15 * MINUTES, accelArgs: accel.qemuArgs, log, privilege: { kind: 'root' } } as const;
  // The guest's image too, at the same time: on a cold machine each build leaves a core idle much of the
  // time (dpkg and mkinitramfs run one process at a time); the run below then finds it cached.
  const [image] = await Promise.all([baseImage(profile, opts), baseImage(profile, opts, guestRecipe(profile))]);
  // Both machines from the one cached image, booted at once.
  const start = async (name: string, tag: string) => {
    const runDir = path.join(work, name);
    await fs.mkdir(runDir, { mode: 0o700 });
    const host = await QemuHost.start({ image: builtHostImage(image), accel, runDir, bootTimeoutMs: 5 * MINUTES, log: (l) => log(`${tag}${l}`), powerCycleOnReset: true });
    return { host, runDir };
  };
  const [first, other] = await Promise.all([start('machine', ''), start('machine2', '[migrate-to] ')]);
  [machine, second] = [first.host, other.host];
  port = machine.port;
  knownHosts = path.join(first.runDir, 'known_hosts');
  keyFile = path.join(first.runDir, 'id_ed25519');
  port2 = second.port;
  knownHosts2 = path.join(other.runDir, 'known_hosts');
  keyFile2 = path.join(other.runDir, 'id_ed25519');
  // One key logs in to both, as the product's ssh-key does (authorized_keys2: the image rewrites authorized_keys at every boot).
  await onMachine(['sh', '-c', 'cat > /root/.ssh/authorized_keys2'], MINUTES, 2, await fs.readFile(`${keyFile}.pub`, 'utf8'));
}, 20 * MINUTES);

afterAll(async () => {
  await Promise.all([machine?.close(), second?.close()]);
  await fs.rm(work, { recursive: true, force: true });
});

/** ssh processes started since `before` that talk to this port: what a run might have left behind. */
function sshProcessesOn(p: number, before: Set<number>): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,comm=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pid, comm, ...args]) => comm === 'ssh' && !before.has(Number(pid)) && args.join(' ').includes(`-p ${p} `))
    .map((f) => f.join(' '));
}

function sshPids(): Set<number> {
  const out = execFileSync('ps', ['-eo', 'pid=,comm='], { encoding: 'utf8' });
  return new Set(out.split('\n').map((l) => l.trim().split(/\s+/)).filter(([, c]) => c === 'ssh').map(([p]) => Number(p)));
}


/**
 * argv run on stand-in machine 1 or 2 once it answers again (it may be
 * booting), with the test's own key for it: stdout, trimmed.
 */
async function onMachine(argv: string[], withinMs: number, which: 1 | 2 = 1, input = ''): Promise<string> {
  const [p, key, known] = which === 1 ? [port, keyFile, knownHosts] : [port2, keyFile2, knownHosts2];
  const ssh = ['-F', '/dev/null', '-p', String(p), '-i', key, '-o', `UserKnownHostsFile=${known}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5'];
  let last = '';
  for (const until = Date.now() + withinMs; Date.now() < until; await new Promise((ok) => setTimeout(ok, 3000))) {
    try {
      return execFileSync('ssh', [...ssh, 'root@127.0.0.1', shJoin(argv)], { encoding: 'utf8', timeout: 30_000, input, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      const out = e as { status?: number; stdout?: string; stderr?: string };
      // The command ran and said something (grep -c exits 1 on a count of 0): that is the answer.
      if (out.status !== 255 && out.stdout) return out.stdout.trim();
      last = out.stderr ?? String(e);
    }
  }
  throw new Error(`the stand-in machine did not answer SSH within ${withinMs / 1000} s: ${last}`);
}

/** The inputs action.yml declares, with their defaults, as GitHub hands them to the action (INPUT_<NAME>). */

/** Every file under dir, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** The lines of a private key that would give it away (not the BEGIN/END markers, not a short tail). */
async function keyBodyLines(file: string): Promise<string[]> {
  const lines = (await fs.readFile(file, 'utf8')).split('\n').map((l) => l.trim());
  return lines.filter((l) => !l.startsWith('-----') && l.length >= 16);
}

describe('a connection that cannot be made ends in exit 3 naming the phase, within the bound, nothing left running', () => {
  const cases: [string, () => Promise<{ args: string[]; port: number }>, RegExp][] = [
    [
      'a wrong host key (the pinned one differs from what the machine shows)',
      async () => {
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(work, 'impostor')]);
        const pub = (await fs.readFile(path.join(work, 'impostor.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
        await fs.writeFile(path.join(work, 'known_hosts-wrong'), `[127.0.0.1]:${port} ${pub}\n`);
        return { args: ['--ssh-port', String(port), '--ssh-known-hosts', path.join(work, 'known_hosts-wrong'), '--ssh-key', keyFile], port };
      },
      /^connect to the host: root@127\.0\.0\.1:\d+: the host key does not match the pinned known_hosts entry \(refusing to connect\)$/,
    ],
    [
      'a key the machine refuses',
      async () => {
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(work, 'stranger')]);
        return { args: ['--ssh-port', String(port), '--ssh-known-hosts', knownHosts, '--ssh-key', path.join(work, 'stranger')], port };
      },
      /^connect to the host: root@127\.0\.0\.1:\d+: the host refused the key \(Permission denied\)$/,
    ],
    [
      'an unreachable host (nothing listens on the port)',
      async () => {
        const closed = await closedPort();
        const line = (await fs.readFile(knownHosts, 'utf8')).replace(`[127.0.0.1]:${port}`, `[127.0.0.1]:${closed}`);
        await fs.writeFile(path.join(work, 'known_hosts-closed'), line);
        return { args: ['--ssh-port', String(closed), '--ssh-known-hosts', path.join(work, 'known_hosts-closed'), '--ssh-key', keyFile], port: closed };
      },
      /^connect to the host: root@127\.0\.0\.1:\d+: connection refused \(no SSH server listening on that port\)$/,
    ],
  ];

  test.each(cases)(
    '%s',
    async (what, setup, message) => {
      const { args, port: p } = await setup();
      const out = path.join(work, `out-${what.split(' ')[1]}`);
      const before = sshPids();
      const started = Date.now();
      const r = await runNode('dist/cli.js', [
        'run', '--distro', DISTRO, '--target', 'ssh', '--ssh-host', '127.0.0.1', ...args, '--checks', BOOT_CHECKS.join(','), '--timeout-boot', String(CONNECT_TIMEOUT_S), '--out', out,
      ]);
      const seconds = (Date.now() - started) / 1000;
      expect(r.code).toBe(3);
      expect(seconds).toBeLessThan(CONNECT_TIMEOUT_S);
      const report = await readReport(out);
      expect(report.infraError?.phase).toBe('connect to the host');
      expect(report.infraError?.message).toMatch(message);
      expect(report.target).toBe(`ssh (root@127.0.0.1:${p})`);
      // Neither the image nor a boot: straight to the machine.
      expect(report.phases.map((x) => x.phase)).toEqual(['connect to the host', 'total']);
      expect(r.stderr).toContain(`infrastructure failure: ${report.infraError?.message}`);
      expect(sshProcessesOn(p, before)).toEqual([]);
    },
    2 * MINUTES,
  );
});

describe('a Xen machine over SSH (the action, as GitHub runs it)', () => {
  test(
    'Debian 13 over SSH: install, reboot into Xen, the host half of the catalogue gets the baseline statuses, dom0.clean-shutdown reboots it; the private key appears nowhere the run wrote',
    async () => {
      const out = path.join(work, 'out-ssh');
      const summary = path.join(work, 'summary.md');
      const outputs = path.join(work, 'outputs.txt');
      const state = path.join(work, 'state.txt');
      await Promise.all([summary, outputs, state].map((f) => fs.writeFile(f, '')));
      const before = sshPids();
      const r = await runNode('dist/index.js', [], {
        ...(await actionDefaults()),
        INPUT_DISTRO: DISTRO,
        INPUT_TARGET: 'ssh',
        'INPUT_SSH-HOST': '127.0.0.1',
        'INPUT_SSH-PORT': String(port),
        // Secrets arrive as text, as a workflow passes ${{ secrets.XEN_HOST_KEY }}.
        'INPUT_SSH-KEY': await fs.readFile(keyFile, 'utf8'),
        'INPUT_SSH-KNOWN-HOSTS': (await fs.readFile(knownHosts, 'utf8')) + (await fs.readFile(knownHosts2, 'utf8')),
        'INPUT_MIGRATE-TO': `127.0.0.1:${port2}`,
        // The host's half, by group, the domU's checks that do not change it, and the migration to the second machine.
        INPUT_CHECKS: ['host-before-reboot', 'dom0', ...DOMU_LOOKS, 'domU.cold-migration', 'domU.live-migration'].join(','),
        // Roomier than the default 300 s: the machine running CI is shared and TCG slows down 4x or more under load.
        'INPUT_TIMEOUT-REBOOT': '900',
        'INPUT_OUT-DIR': out,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: outputs,
        GITHUB_STATE: state,
      });
      const report = await readReport(out);
      printTimings('debian 13 over ssh', report);
      if (process.env.XC_E2E_VERBOSE) process.stderr.write(`${machineLog.join('\n')}\n${r.stdout}\n`);
      // Exit 1: domU.live-migration fails, as it must with Debian's hypervisor (below).
      expect({ code: r.code, infra: report.infraError?.message }).toEqual({ code: 1, infra: undefined });
      // Debian 13's own packages get Debian 12's statuses. (Under the qemu target its dom0.clean-shutdown warns:
      // the dom0 QEMU segfaults as xen.service stops, on the serial console, which an SSH target does not have.)
      expect(statuses(report)).toEqual({ ...DOM0_BASELINE, ...Object.fromEntries(DOMU_LOOKS.map((id) => [id, DOMU_BASELINE[id]])), 'domU.cold-migration': 'pass', 'domU.live-migration': 'fail' });
      expect(report.target).toBe(`ssh (root@127.0.0.1:${port})`);
      expect(report.xenVersion).toMatch(/^4\.20\./);
      expect(report.kernel).toMatch(/^6\.12\./);
      const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
      expect(byId['services.enabled'].message).toMatch(/xen \(enabled\), xendomains \(enabled\)/);
      // The second machine is prepared alongside the first: where its phase ends among the others varies.
      const phases = report.phases.map((p) => p.phase);
      expect(phases.filter((p) => p !== 'prepare the migrate-to host')).toEqual([
        'connect to the host', 'connect to the migrate-to host', 'guest image', 'install candidates', 'regenerate boot config', 'checks before reboot', 'reboot into Xen', 'dom0 checks',
        'start the domU', 'domU checks', 'domU lifecycle', 'shut down dom0', 'total',
      ]);
      expect(report.phases.find((p) => p.phase === 'prepare the migrate-to host')?.ok).toBe(true);
      // The guest went to the second machine: saved here, its disk and state through the runner, restored there.
      const cold = byId['domU.cold-migration'];
      expect(cold.message).toMatch(new RegExp(`^xl save here, xl restore on root@127\\.0\\.0\\.1:${port2}: the guest continued the same boot there`));
      expect(cold.evidence.map((e) => e.command)).toContain(`(root@127.0.0.1:${port2}) xl restore ${GUEST.saveFile}`);
      // The second machine's volume was filled from the guest's image while it waited: only what the guest wrote since went.
      expect(cold.evidence.map((e) => e.command)).toContain(`(root@127.0.0.1:${port2}) set up: the guest image onto its volume (sent over SSH, gzipped)`);
      const volume = cold.evidence.find((e) => e.command.startsWith(`the guest's volume, the chunks that differ from the volume on root@127.0.0.1:${port2}`));
      const changed = Number(/(\d+) chunks written, (\d+) bytes/.exec(volume?.output ?? '')?.[2]);
      process.stderr.write(`debian 13 over ssh: the volume's changed chunks sent to the migrate-to host: ${(changed / 1024 ** 2).toFixed(1)} MiB\n`);
      expect(changed).toBeGreaterThan(0);
      expect(changed).toBeLessThan(128 * 1024 ** 2);
      expect(await fs.readFile(path.join(out, 'migrate-to-install.log'), 'utf8')).toMatch(/Setting up xen-hypervisor-4\.20/);
      // Live: xl migrate here talked to xl migrate-receive there through the runner, both ways, until Xen here
      // refused log-dirty mode for a PV guest (Debian's hypervisor has no shadow paging); the guest stayed here.
      const live = byId['domU.live-migration'];
      process.stderr.write(`debian 13 over ssh: domU.live-migration: ${live.message}\n`);
      if (process.env.XC_E2E_VERBOSE) process.stderr.write(`${live.evidence.map((e) => `${e.command}\n${e.output}`).join('\n')}\n`);
      expect(live.message).toMatch(new RegExp(`^to root@127\\.0\\.0\\.1:${port2}: Xen could not put the guest in log-dirty mode`));
      const talk = live.evidence.find((e) => e.command.startsWith(`xl migrate from dom0 to root@127.0.0.1:${port2}, through the runner`));
      expect(talk?.output).toMatch(/receiving: [\s\S]*migration target: Ready to receive domain/);
      // The guest's disk went over SSH into a volume group on a loop device: no disk of the test's reached the machine.
      const steps = byId['domU.boots'].evidence.map((e) => `${e.command}: ${e.output.split(' after ')[0]}`);
      expect(steps).toContain(`(dom0) a loop device on ${GUEST.lvmFile}: exit 0`);
      expect(steps).toContain('(dom0) the guest image onto its volume (sent over SSH, gzipped): exit 0');
      // The console record of an SSH target: the machine's own logs of the new boot, Xen's included.
      const serial = await fs.readFile(path.join(out, 'serial.log'), 'utf8');
      expect(serial).toMatch(/^==== kernel and systemd messages of this boot/m);
      expect(serial).toMatch(/Linux version 6\.12\./);
      expect(serial).toMatch(/^==== Xen's console ring \(xl dmesg\)\n[\s\S]*Xen version 4\.20/m);
      expect(byId['boot.serial-clean'].evidence.map((e) => e.command)).toContain('serial console since the reboot (alarming lines)');
      // The machine really rebooted, twice: into Xen, then dom0.clean-shutdown's systemctl reboot (the test's own harness
      // sees each reset; the second comes once dom0 has finished going down, after the run let go of it). The second
      // machine's own reset into Xen, in the same log, is not this machine's: counted, it let the wait end one reset early.
      const resets = () => machineLog.filter((l) => /guest reset; powering it on again/.test(l) && !l.includes('[migrate-to] ')).length;
      for (const until = Date.now() + 2 * MINUTES; resets() < 2 && Date.now() < until; ) await new Promise((ok) => setTimeout(ok, 1000));
      expect(resets()).toBe(2);
      // Back up after that reboot: nothing of the guest's stayed on the machine (a loop device, a bridge and a
      // volume group would not outlive the reboot; files and keys would).
      const leftovers = await onMachine(
        ['sh', '-c', `ls -d /var/lib/xen-conformance /etc/xen/${GUEST.name}*.cfg ${GUEST.key}* ${GUEST.consoleLog} ${GUEST.saveFile} 2>/dev/null; grep -c ' xc-guest$' /root/.ssh/authorized_keys`],
        3 * MINUTES,
      );
      expect(leftovers).toBe('0');
      // Nor on the second machine, which the run did not reboot at the end: no guest, bridge, volume group or loop device either.
      const leftovers2 = await onMachine(
        ['sh', '-c', `ls -d /var/lib/xen-conformance /etc/xen/${GUEST.name}*.cfg ${GUEST.key}* ${GUEST.saveFile} 2>/dev/null; ip link show ${GUEST.bridge} 2>/dev/null; vgs ${GUEST.vg} 2>/dev/null; losetup -j ${GUEST.lvmFile}; xl list | grep -c ${GUEST.name}`],
        MINUTES,
        2,
      );
      expect(leftovers2).toBe('0');
      // The run's private directory (the key's copy, known_hosts, the ssh socket) is gone, and so is its ssh.
      const runDir = /runDir<<(\S+)\n([^\n]*)\n\1/.exec(await fs.readFile(state, 'utf8'))?.[2];
      expect(runDir).toMatch(/xc-run-/);
      await expect(fs.access(runDir!)).rejects.toThrow();
      expect(sshProcessesOn(port, before)).toEqual([]);
      expect(sshProcessesOn(port2, before)).toEqual([]);

      // Secrets: no line of the private key in the reports, the logs, the summary, the outputs or the state.
      const secret = await keyBodyLines(keyFile);
      expect(secret.length).toBeGreaterThan(2);
      const masked = r.stdout.split('\n').filter((l) => l.startsWith('::add-mask::'));
      // The key was handed to the runner to mask (those lines are commands to the runner, never shown).
      for (const l of secret) expect(masked).toContain(`::add-mask::${l}`);
      const written: [string, string][] = [
        ['stdout', r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')],
        ['stderr', r.stderr],
      ];
      for (const f of [...(await filesUnder(out)), summary, outputs, state]) written.push([f, await fs.readFile(f, 'latin1')]);
      expect(written.length).toBeGreaterThan(8);
      const leaks = written.flatMap(([where, text]) => secret.filter((l) => text.includes(l)).map(() => where));
      expect(leaks).toEqual([]);
    },
    50 * MINUTES,
  );
});
