// A Xen machine the user owns, reached over SSH with a pinned host key. The
// same pipeline as the VM: install, regenerate the boot config, reboot, wait
// (bounded) for a new boot id, check. What it cannot have is a serial console:
// after the reboot its console record is what the machine logged itself.
import { type SshTargetConfig, sshTargetName } from '../config.js';
import { InfraError } from '../errors.js';
import { lastLines, sleep } from '../proc.js';
import { SshConnection } from '../transport/ssh.js';
import type { ExecOptions } from './host.js';
import { SshBackedHost } from './ssh-backed.js';
import { writeSshFiles } from './ssh-files.js';

export const CONNECT_PHASE = 'connect to the host';

/**
 * What stands in for the serial console after the reboot: the kernel's
 * messages and systemd's own (PID 1: "Failed to start ...") of the current
 * boot, then Xen's console ring. Together they are what a serial console
 * shows from the boot on, as far as the machine recorded it.
 */
const CONSOLE_RECORD: { title: string; argv: string[] }[] = [
  {
    title: 'kernel and systemd messages of this boot (journalctl -b 0 _TRANSPORT=kernel + _PID=1)',
    argv: ['journalctl', '-b', '0', '--no-pager', '-o', 'short-monotonic', '_TRANSPORT=kernel', '+', '_PID=1'],
  },
  { title: "Xen's console ring (xl dmesg)", argv: ['xl', 'dmesg'] },
];

export interface SshHostOptions {
  target: SshTargetConfig;
  /** The run's private directory: the key and known_hosts are written here, 0600. */
  runDir: string;
  connectTimeoutMs: number;
  log: (line: string) => void;
}

export class SshHost extends SshBackedHost {
  readonly target: string;
  /** Empty until the reboot: nothing from before it is a console record of the boot under test. */
  private console = '';

  private constructor(
    ssh: SshConnection,
    private readonly o: SshHostOptions,
  ) {
    super(ssh);
    this.target = `ssh (${sshTargetName(o.target)})`;
  }

  /** Log in once (no waiting for a machine that is down: it should be up), as root. */
  static async connect(o: SshHostOptions): Promise<SshHost> {
    const files = await writeSshFiles(o.runDir, o.target);
    const t = o.target;
    const ssh = new SshConnection({ host: t.host, port: t.port, user: t.user, ...files }, o.runDir);
    o.log(`ssh: ${sshTargetName(t)}, host key pinned from ssh-known-hosts`);
    await ssh.connect(CONNECT_PHASE, o.connectTimeoutMs).catch((e: Error) => {
      throw new InfraError(CONNECT_PHASE, `${sshTargetName(t)}: ${e.message.replace(`${CONNECT_PHASE}: `, '')}`);
    });
    const host = new SshHost(ssh, o);
    const uid = await host.run(['id', '-u'], { phase: CONNECT_PHASE, timeoutMs: 30_000 }).catch(async (e) => {
      await host.close();
      throw e;
    });
    if (uid.stdout.trim() !== '0') {
      await host.close();
      throw new InfraError(CONNECT_PHASE, `${t.user} is not root on ${t.host}; the suite installs packages and reboots: log in as root (ssh-user: root)`);
    }
    return host;
  }

  /**
   * `systemctl reboot`; wait for the machine to drop the connection; then log
   * in again until the boot id differs. Nothing logs in while the machine
   * goes down: a new session would only be one more thing for its shutdown
   * to stop.
   */
  async reboot(opts: ExecOptions): Promise<void> {
    const { phase } = opts;
    const seconds = Math.round(opts.timeoutMs / 1000);
    const before = await this.bootId({ ...opts, timeoutMs: 30_000 });
    const deadline = Date.now() + opts.timeoutMs;
    const left = () => Math.max(1000, deadline - Date.now());
    // The connection drops while the command runs: that is the point.
    await this.run(['systemctl', 'reboot'], { phase, timeoutMs: 30_000, allowFailure: true }).catch(() => undefined);
    const down = await this.ssh.closed(left());
    await this.ssh.disconnect();
    if (!down) throw new InfraError(phase, `the machine did not go down within ${seconds} s of systemctl reboot (the SSH connection stayed up)`);
    this.o.log('ssh: the machine went down; waiting for it to come back');
    let last = 'no attempt made';
    while (Date.now() < deadline) {
      await sleep(Math.min(5000, left()));
      try {
        await this.ssh.connect(phase, Math.min(20_000, left()), 5);
      } catch (e) {
        last = (e as Error).message.replace(`${phase}: `, '');
        // A host key or a key that changed with the reboot will not mend itself by waiting.
        if (/host key does not match|refused the key/.test(last)) throw new InfraError(phase, `after the reboot: ${last}`);
        continue;
      }
      const now = await this.bootId({ phase, timeoutMs: 30_000 }).catch(() => before);
      if (now !== before) {
        this.console = await this.consoleRecord(phase);
        return;
      }
      // Still the old system: its sshd outlived our session. Not back yet.
      await this.ssh.disconnect();
    }
    throw new InfraError(
      phase,
      `the machine went down but did not answer SSH with a new boot within ${seconds} s (last attempt: ${last}); an SSH target has no serial console here: see the machine's own console (BMC, IPMI serial-over-LAN) for why`,
    );
  }

  /**
   * The user's machine must come back, so it reboots; down means it closed
   * the connection within the bound (its console is not ours to watch).
   */
  async shutdown(opts: ExecOptions): Promise<{ down: boolean; command: string }> {
    await this.run(['systemctl', 'reboot'], { ...opts, timeoutMs: Math.min(opts.timeoutMs, 30_000), allowFailure: true }).catch(() => undefined);
    const down = await this.ssh.closed(opts.timeoutMs);
    await this.ssh.disconnect();
    return { down, command: 'systemctl reboot' };
  }

  /** The console record of the current boot; a part that cannot be read says why in its place. */
  private async consoleRecord(phase: string): Promise<string> {
    const parts: string[] = [];
    for (const { title, argv } of CONSOLE_RECORD) {
      const r = await this.run(argv, { phase, timeoutMs: 60_000, allowFailure: true }).catch((e: Error) => ({ code: -1, stdout: '', stderr: e.message }));
      parts.push(`==== ${title}`, r.code === 0 ? r.stdout.trimEnd() : `(could not be read: exit ${r.code}: ${lastLines(r.stderr, 2).join(' | ')})`);
    }
    return parts.join('\n') + '\n';
  }

  async serialLog(): Promise<string> {
    return this.console;
  }

  async serialTail(n: number): Promise<string[]> {
    return lastLines(this.console, n);
  }

  async close(): Promise<void> {
    await this.ssh.disconnect();
  }
}
