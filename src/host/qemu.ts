// The embedded default Xen host: a VM on the runner. It boots from its own
// disk through SeaBIOS and the GRUB the distro installed, reading the disk's
// own grub.cfg, so the boot config the candidate packages generate is what
// boots. The serial console goes to a file; SSH is forwarded on 127.0.0.1 only.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { bootFailureIn, errorTail, panicIn } from '../diagnose.js';
import { BootFault, InfraError } from '../errors.js';
import { children, killGroup, lastLines, run, settlesWithin } from '../proc.js';
import { machineArgs } from '../qemu-machine.js';
import { shJoin } from '../quote.js';
import { SshConnection } from '../transport/ssh.js';
import type { HostImage } from '../image/image.js';
import type { ExecOptions } from './host.js';
import { SshBackedHost } from './ssh-backed.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface QemuHostOptions {
  /** The base image and how this run's key reaches it; never written: the VM writes to an overlay. */
  image: HostImage;
  accel: { kind: string; qemuArgs: string[] };
  /** A private directory for this run's files (overlay, key, serial log, pidfile). */
  runDir: string;
  bootTimeoutMs: number;
  log: (line: string) => void;
  /**
   * Power the VM on again whenever the guest resets or powers off, as a real
   * machine comes back: for tests where the VM stands in for a user's own
   * machine that another program reboots over SSH. Not with reboot().
   */
  powerCycleOnReset?: boolean;
  /**
   * The domU's disk image: attached read-only (serial xc-guest-image) with a
   * blank disk for its volume group (serial xc-lvm), both named by id in dom0.
   */
  guestDisk?: string;
}

/** Sparse: the domU's volume group holds its disk and a small one to hot-plug. */
const LVM_DISK_BYTES = 4 * 1024 ** 3;

export class QemuHost extends SshBackedHost {
  readonly target: string;
  private proc?: ChildProcess;
  private exited?: Promise<void>;
  private exitNote?: string;
  private qemuStderr = '';
  private closing = false;
  private readonly serialPath: string;
  private seedFile = '';

  private constructor(
    private readonly o: QemuHostOptions,
    readonly port: number,
  ) {
    super(
      new SshConnection(
        {
          host: '127.0.0.1',
          port,
          user: 'root',
          keyFile: path.join(o.runDir, 'id_ed25519'),
          knownHostsFile: path.join(o.runDir, 'known_hosts'),
        },
        o.runDir,
      ),
    );
    this.target = `qemu (${o.accel.kind})`;
    this.serialPath = path.join(o.runDir, 'serial.log');
  }

  /** Start the VM and wait until SSH answers with the pinned host key. */
  static async start(o: QemuHostOptions): Promise<QemuHost> {
    const port = await freePort();
    const host = new QemuHost(o, port);
    await host.prepare();
    host.spawnQemu();
    await host.ssh.waitUp('boot the base image', o.bootTimeoutMs, () => host.deadReason(), `${Math.round(o.bootTimeoutMs / 1000)} s (timeout-boot)`);
    return host;
  }

  /** An ephemeral key for this run, handed over on the image's seed disk; the host key it names pinned. */
  private async prepare(): Promise<void> {
    const dir = this.o.runDir;
    const { image } = this.o;
    const phase = 'prepare the VM';
    await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'xen-conformance-run', '-f', path.join(dir, 'id_ed25519')], {
      phase,
      timeoutMs: 10_000,
    });
    const seed = await image.seed(dir, await fs.readFile(path.join(dir, 'id_ed25519.pub'), 'utf8'));
    this.seedFile = seed.file;
    const [type, key] = seed.hostKey.split(/\s+/);
    await fs.writeFile(path.join(dir, 'known_hosts'), `[127.0.0.1]:${this.port} ${type} ${key}\n`);
    const size = image.overlayBytes ? [String(image.overlayBytes)] : [];
    await run(['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', image.format, '-b', image.disk, path.join(dir, 'disk.qcow2'), ...size], {
      phase,
      timeoutMs: 10_000,
    });
    if (this.o.guestDisk) {
      await run(['qemu-img', 'create', '-q', '-f', 'qcow2', path.join(dir, 'lvm.qcow2'), String(LVM_DISK_BYTES)], { phase, timeoutMs: 10_000 });
    }
  }

  /** The domU's disks, when there is a domU: named by serial, so dom0 finds them under /dev/disk/by-id. */
  private guestDiskArgs(): string[] {
    if (!this.o.guestDisk) return [];
    return [
      '-drive', `file=${this.o.guestDisk},if=none,id=guest,format=raw,readonly=on`,
      '-device', 'virtio-blk-pci,drive=guest,serial=xc-guest-image',
      '-drive', `file=${path.join(this.o.runDir, 'lvm.qcow2')},if=none,id=lvm,format=qcow2,cache=unsafe`,
      '-device', 'virtio-blk-pci,drive=lvm,serial=xc-lvm',
    ];
  }

  private spawnQemu(): void {
    const dir = this.o.runDir;
    this.exitNote = undefined;
    this.qemuStderr = '';
    const args = [
      ...machineArgs(this.o.accel.qemuArgs, this.o.image.cloud ? 'std' : 'none'),
      // A reboot ends this QEMU and reboot() starts a fresh one (see there).
      '-no-reboot',
      '-chardev', `file,id=serial0,path=${this.serialPath},append=on`,
      '-serial', 'chardev:serial0',
      '-monitor', 'none',
      '-pidfile', path.join(dir, 'qemu.pid'),
      // bootindex: SeaBIOS would otherwise try the first disk on the PCI bus, which may be another.
      '-drive', `file=${path.join(dir, 'disk.qcow2')},if=none,id=root,format=qcow2,cache=unsafe`,
      '-device', 'virtio-blk-pci,drive=root,bootindex=0',
      '-drive', `file=${this.seedFile},if=virtio,format=raw,readonly=on`,
      ...this.guestDiskArgs(),
      // Forwarded on loopback only: nothing else on the runner's network reaches the VM.
      '-netdev', `user,id=net0,hostfwd=tcp:127.0.0.1:${this.port}-:22`,
      '-device', 'virtio-net-pci,netdev=net0',
    ];
    this.o.log(`qemu: ${this.target}, SSH on 127.0.0.1:${this.port}, serial log ${this.serialPath}`);
    const p = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    children.add(p);
    p.stderr!.on('data', (d: Buffer) => (this.qemuStderr += d.toString()));
    const exited = new Promise<void>((r) => p.on('close', () => r()));
    this.exited = exited;
    p.on('close', (code, signal) => {
      children.delete(p);
      const how = code === 0 ? 'the machine reset or powered off' : `QEMU exited (${signal ?? `code ${code}`})`;
      this.exitNote = `${how}${this.qemuStderr ? `: ${lastLines(this.qemuStderr, 2).join(' | ')}` : ''}`;
      if (code === 0 && this.o.powerCycleOnReset && !this.closing) {
        this.o.log('qemu: the guest reset; powering it on again from the same disk');
        this.spawnQemu();
      }
    });
    p.on('error', (e) => (this.exitNote = `QEMU could not start: ${e.message}`));
    this.proc = p;
  }

  /** Why the VM can no longer come up, or undefined while it may still. */
  private async deadReason(): Promise<string | undefined> {
    const panic = panicIn((await this.serialTail(100)).join('\n'));
    if (panic) return `the machine panicked: ${panic}`;
    return this.exitNote;
  }

  /** A failed command on a VM that died or panicked says so, with the last serial lines. */
  protected override async explain(phase: string, e: InfraError): Promise<InfraError> {
    if (e.serialTail.length > 0) return e;
    // A killed QEMU drops the connection at once; give its exit a moment to be seen, so the error says why.
    if (/connection to the host was lost/.test(e.message)) await settlesWithin(this.exited!, 2000);
    const why = await this.deadReason();
    const message = e.message.replace(`${phase}: `, '');
    return new InfraError(phase, why ? `${message}; ${why}` : message, await this.errorTail());
  }

  /**
   * Reboot as a power cycle: the guest's reset ends QEMU (-no-reboot) and a
   * fresh QEMU boots the same disk. Under TCG a warm reset inside one QEMU
   * left GRUB taking minutes to load Xen (measured: 2.3 min for "Loading
   * Xen" after the reset, 0.3 s from a fresh start); the boot config and
   * the disk the machine comes back with are the same either way.
   */
  async reboot(opts: ExecOptions): Promise<void> {
    const before = await this.bootId(opts);
    const deadline = Date.now() + opts.timeoutMs;
    // The connection drops while the command runs: that is the point.
    await this.ssh.exec(shJoin(['systemctl', 'reboot']), { ...opts, allowFailure: true }).catch(() => undefined);
    await this.ssh.disconnect();
    const down = await settlesWithin(this.exited!, Math.max(1000, deadline - Date.now()));
    if (!down) throw new InfraError(opts.phase, `the machine did not go down within ${Math.round(opts.timeoutMs / 1000)} s of systemctl reboot`, await this.errorTail());
    this.o.log('qemu: the guest reset; starting it again from the same disk');
    const from = (await this.serialLog()).length;
    this.spawnQemu();
    const bound = `${Math.round(opts.timeoutMs / 1000)} s (timeout-reboot, counted from systemctl reboot)`;
    // GRUB's error or a panic on the console ends the wait at once, in the console's words.
    const stillBooting = async () => {
      const since = (await this.serialLog()).slice(from);
      const failure = bootFailureIn(since);
      if (failure) throw new BootFault(opts.phase, failure, errorTail(since), since);
      return this.deadReason();
    };
    await this.ssh.waitUp(opts.phase, Math.max(1000, deadline - Date.now()), stillBooting, bound).catch(async (e) => {
      if (e instanceof BootFault) throw e;
      throw new InfraError(opts.phase, (e as Error).message.replace(`${opts.phase}: `, ''), await this.errorTail());
    });
    const after = await this.bootId(opts);
    if (after === before) throw new InfraError(opts.phase, 'the boot id did not change: the machine did not reboot', await this.errorTail());
  }

  /** Power off from inside; down means QEMU ended (Xen or Linux turned the machine off). */
  async shutdown(opts: ExecOptions): Promise<{ down: boolean; command: string }> {
    await this.ssh.exec(shJoin(['systemctl', 'poweroff']), { ...opts, timeoutMs: Math.min(opts.timeoutMs, 30_000), allowFailure: true }).catch(() => undefined);
    await this.ssh.disconnect();
    const down = await settlesWithin(this.exited!, opts.timeoutMs);
    return { down, command: 'systemctl poweroff' };
  }

  async serialLog(): Promise<string> {
    return fs.readFile(this.serialPath, 'utf8').catch(() => '');
  }

  /** The serial lines an error carries (back to a panic line, if one is near the end). */
  private async errorTail(): Promise<string[]> {
    return errorTail(await this.serialLog());
  }

  async serialTail(n: number): Promise<string[]> {
    return lastLines(await this.serialLog(), n);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.ssh.disconnect();
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const closed = new Promise((r) => p.on('close', r));
      killGroup(p, 3000);
      await settlesWithin(closed, 5000);
    }
  }
}
