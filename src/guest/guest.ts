// The domU: the distro's own guest image on an LVM volume in dom0, booted by
// pygrub from its own GRUB config, on a private bridge the tool makes with a
// DHCP server the tool runs, reached over SSH from dom0. Every command reaches
// the guest as one word quoted by shJoin inside the argv dom0 runs. On a
// user's machine everything the run made is taken away again (CLEANUP_SCRIPT).
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { ExecOptions, Host } from '../host/host.js';
import { PART_OFFSET } from '../image/build.js';
import { type RunResult, sleep } from '../proc.js';
import { InfraError } from '../errors.js';
import { shJoin } from '../quote.js';

export const GUEST = {
  name: 'xc-guest',
  mac: '00:16:3e:58:43:01',
  ip: '10.99.0.2',
  dom0Ip: '10.99.0.1',
  /** Private: never a name a distro's network config uses (xenbr0 may be the user's LAN bridge). */
  bridge: 'xcbr0',
  vg: 'xcvg',
  lv: 'xc-guest',
  /** A second volume, hot-plugged by domU.disk-hotplug. */
  extraLv: 'xc-guest-extra',
  memoryMb: 384,
  cfg: '/etc/xen/xc-guest.cfg',
  key: '/root/.ssh/xc-guest',
  knownHosts: '/root/.ssh/xc-guest-known-hosts',
  /** What `xl console` showed, captured under script(1) (xl console wants a terminal). */
  consoleLog: '/var/log/xc-guest-console.log',
  /** Where dom0 sees the disks QemuHost attaches (by serial). */
  imageDevice: '/dev/disk/by-id/virtio-xc-guest-image',
  lvmDevice: '/dev/disk/by-id/virtio-xc-lvm',
  /** On a host without those disks: the volume group's loop-backed file (sparse), in a directory of its own. */
  lvmDir: '/var/lib/xen-conformance',
  lvmFile: '/var/lib/xen-conformance/xc-lvm.img',
  saveFile: '/var/tmp/xc-guest.save',
} as const;

/** The volume group's size: the guest's disk and a small one to hot-plug, sparse. */
export const LVM_BYTES = 4 * 1024 ** 3;

export const lvPath = (lv: string) => `/dev/${GUEST.vg}/${lv}`;

/** How Xen runs the guest: PV by default; domU.pvh and domU.hvm boot the same disk the other ways. */
export type GuestType = 'pv' | 'pvh' | 'hvm';

/** Where dom0 keeps the xl config of the guest booted as `type`. */
export const xlConfigPath = (type: GuestType) => (type === 'pv' ? GUEST.cfg : `/etc/xen/${GUEST.name}-${type}.cfg`);

/**
 * The guest's xl config: pygrub reading the guest's own grub.cfg (PV, PVH) or
 * the firmware booting its disk (HVM), a phy: LVM disk (blkback), a vif on the tool's bridge.
 */
export function xlConfig(type: GuestType = 'pv'): string {
  return [
    `name = "${GUEST.name}"`,
    `type = "${type}"`,
    ...(type === 'hvm' ? ['vnc = 0'] : ['bootloader = "pygrub"']),
    `memory = ${GUEST.memoryMb}`,
    `maxmem = ${GUEST.memoryMb}`,
    'vcpus = 1',
    'maxvcpus = 2',
    `disk = [ "phy:${lvPath(GUEST.lv)},xvda,w" ]`,
    `vif = [ "mac=${GUEST.mac},bridge=${GUEST.bridge}" ]`,
    'on_reboot = "restart"',
    '',
  ].join('\n');
}

/** The guest as dom0 reaches it. */
export class Guest {
  constructor(private readonly host: Host) {}

  /** argv dom0 runs to run argv in the guest: ssh with the run's key and the guest's pinned host key. */
  sshArgv(argv: readonly string[]): string[] {
    return ['ssh', ...this.sshOptions(), `root@${GUEST.ip}`, shJoin(argv)];
  }

  /** Options for ssh and scp alike. */
  sshOptions(): string[] {
    return [
      '-q', '-i', GUEST.key,
      '-o', `UserKnownHostsFile=${GUEST.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=5',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=6',
    ];
  }

  run(argv: readonly string[], opts: ExecOptions): Promise<RunResult> {
    return this.host.run(this.sshArgv(argv), opts);
  }

  /**
   * Wait until the guest answers over SSH with a boot id other than `notThis`;
   * returns the boot id, or undefined when the time ran out.
   */
  async waitUp(timeoutMs: number, phase: string, notThis?: string): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await this.run(['cat', '/proc/sys/kernel/random/boot_id'], { phase, timeoutMs: 20_000, allowFailure: true }).catch(() => undefined);
      const id = r?.code === 0 ? r.stdout.trim() : '';
      if (id && id !== notThis) return id;
      await sleep(2000);
    }
    return undefined;
  }
}

/** One step of bringing the guest up, as the report shows it. */
export interface StartStep {
  command: string;
  exitCode: number;
  output: string;
  /** How long it took: where the start's time goes. */
  seconds: number;
}

export interface GuestStart {
  /** The domain was created (xl create succeeded). */
  created: boolean;
  /** SSH answered within the bound. */
  up: boolean;
  /** Seconds from `xl create` to SSH answering. */
  bootSeconds?: number;
  /** Why it is not up, in words. */
  problem?: string;
  steps: StartStep[];
  guest: Guest;
}

/**
 * Shell for dom0, constants only: the bridge with dom0's address and a DHCP
 * server that always gives the guest's MAC the guest's address.
 */
export const NETWORK_SCRIPT = [
  'set -e',
  // On a user's machine the guest's subnet may be taken: refuse rather than reroute it.
  `taken=$(ip -o -4 route show to match ${GUEST.ip} | grep -v -e '^default ' -e ' dev ${GUEST.bridge} ' || true)`,
  `if [ -n "$taken" ]; then echo "${GUEST.ip} is already routed on this machine ($taken); the guest's network needs ${GUEST.dom0Ip}/24 free" >&2; exit 1; fi`,
  `ip link show ${GUEST.bridge} >/dev/null 2>&1 || ip link add ${GUEST.bridge} type bridge`,
  `ip addr replace ${GUEST.dom0Ip}/24 dev ${GUEST.bridge}`,
  `ip link set ${GUEST.bridge} up`,
  'systemctl stop xc-dnsmasq.service 2>/dev/null || true',
  [
    'systemd-run --unit xc-dnsmasq.service dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0',
    `--bind-interfaces --interface=${GUEST.bridge} --except-interface=lo`,
    `--dhcp-range=${GUEST.ip},${GUEST.ip},1h --dhcp-host=${GUEST.mac},${GUEST.ip}`,
    '--dhcp-leasefile=/run/xc-dnsmasq.leases',
  ].join(' '),
].join('\n');

/**
 * The volume group on $1, the guest's volume ($2 bytes, the image's size) and
 * a small one to hot-plug. The guest's volume is filled by FILL_SCRIPT.
 */
export const STORAGE_SCRIPT = [
  'set -e',
  'pvcreate -q -y "$1"',
  `vgcreate -q ${GUEST.vg} "$1"`,
  `lvcreate -q -y -n ${GUEST.lv} -L $(($2 / 1048576))M ${GUEST.vg}`,
  `lvcreate -q -y -n ${GUEST.extraLv} -L 64M ${GUEST.vg}`,
].join('\n');

/** The unit a volume is compared and sent in. */
export const CHUNK_BYTES = 1 << 20;

/**
 * A volume's content for another host whose volume holds most of it already:
 * each 1 MiB chunk whose md5 differs from the one stdin lists for that chunk
 * there (one per line; past the list's end the other volume is zeros), as
 * (offset, length) and the bytes. The guest's volume there was filled from
 * the same image as here: only what the guest wrote since goes (a few MiB,
 * where the whole volume's data took about 270 s at the 3 MB/s SSH moves in
 * a dom0 under TCG). python3 is in every dom0 (pygrub is written in it).
 * $1: the volume.
 */
export const SPARSE_SEND = [
  'import hashlib, struct, sys',
  `chunk = ${CHUNK_BYTES}`,
  'zero = bytes(chunk)',
  'zero_md5 = hashlib.md5(zero).hexdigest()',
  'there = sys.stdin.read().split()',
  'out = sys.stdout.buffer',
  'with open(sys.argv[1], "rb", buffering=0) as f:',
  '    i = offset = 0',
  '    while block := f.read(chunk):',
  '        if i < len(there):',
  '            differs = (zero_md5 if block == zero else hashlib.md5(block).hexdigest()) != there[i]',
  '        else:',
  '            differs = block != zero[: len(block)]',
  '        if differs:',
  '            out.write(struct.pack(">QQ", offset, len(block)))',
  '            out.write(block)',
  '        i += 1',
  '        offset += len(block)',
  'out.flush()',
].join('\n');

/** SPARSE_SEND's stream onto $1, the volume the sender was told the digests of; says how much it wrote. */
export const SPARSE_RECEIVE = [
  'import os, struct, sys',
  'inp = sys.stdin.buffer',
  'fd = os.open(sys.argv[1], os.O_WRONLY)',
  'chunks = written = 0',
  'while head := inp.read(16):',
  '    if len(head) != 16:',
  '        sys.exit("the stream ended inside a header")',
  '    offset, length = struct.unpack(">QQ", head)',
  '    block = inp.read(length)',
  '    if len(block) != length:',
  '        sys.exit("the stream ended inside a chunk")',
  '    os.pwrite(fd, block, offset)',
  '    chunks += 1',
  '    written += length',
  'os.fsync(fd)',
  'print(f"{chunks} chunks written, {written} bytes")',
].join('\n');

/** The md5 of each CHUNK_BYTES of $1 on a host, one per line, as SPARSE_SEND takes them (chunkDigests' on the runner). */
export const CHUNK_DIGESTS = [
  'import hashlib, sys',
  `chunk = ${CHUNK_BYTES}`,
  'with open(sys.argv[1], "rb", buffering=0) as f:',
  '    while block := f.read(chunk):',
  '        print(hashlib.md5(block).hexdigest())',
].join('\n');

/** The md5 of each CHUNK_BYTES of a file on the runner, as SPARSE_SEND takes them. */
export async function chunkDigests(file: string): Promise<string[]> {
  const f = await fs.open(file, 'r');
  try {
    const digests: string[] = [];
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (let at = 0; ; at += CHUNK_BYTES) {
      const { bytesRead } = await f.read(buf, 0, CHUNK_BYTES, at);
      if (!bytesRead) return digests;
      digests.push(createHash('md5').update(buf.subarray(0, bytesRead)).digest('hex'));
    }
  } finally {
    await f.close();
  }
}

/**
 * The image onto the guest's volume, sparse, from $1 (the attached disk) or
 * stdin gzipped (sent over SSH). e2image, copying only the used blocks (half
 * of them), was slower under TCG than dd (about 65 s against 23 s, one run each).
 */
export const FILL_SCRIPT = [
  'set -e',
  `if [ -n "$1" ]; then dd if="$1" of=${lvPath(GUEST.lv)} bs=4M conv=sparse status=none`,
  `else gzip -dc | dd of=${lvPath(GUEST.lv)} bs=4M iflag=fullblock conv=sparse status=none; fi`,
  'sync',
].join('\n');

/** A host without the attached disks: a sparse file on a loop device carries the volume group; prints the device. */
export const LOOP_SCRIPT = [
  'set -e',
  `install -d -m 700 ${GUEST.lvmDir}`,
  `truncate -s ${LVM_BYTES} ${GUEST.lvmFile}`,
  `losetup --find --show ${GUEST.lvmFile}`,
].join('\n');

/** The guest's domains here, gone: itself and a migration's half (<name>--incoming, <name>--migratedaway). */
export const DESTROY_GUEST = `for d in $(xl list 2>/dev/null | awk -v n=${GUEST.name} '$1 == n || index($1, n "--") == 1 { print $1 }'); do xl destroy "$d"; done`;

/**
 * Everything a run makes in dom0 for the guest, taken away: before the guest
 * is set up (an earlier run that was killed may have left it) and after the
 * last domU check. Each step may find nothing to do.
 */
export const CLEANUP_SCRIPT = [
  DESTROY_GUEST,
  'systemctl stop xc-guest-console.service xc-dnsmasq.service 2>/dev/null',
  `vgremove -q -f ${GUEST.vg} >/dev/null 2>&1`,
  `for d in $(losetup -n -O NAME -j ${GUEST.lvmFile} 2>/dev/null); do pvremove -q -f "$d" >/dev/null 2>&1; losetup -d "$d"; done`,
  `ip link del ${GUEST.bridge} 2>/dev/null`,
  `rm -f ${GUEST.lvmFile} /etc/xen/${GUEST.name}.cfg /etc/xen/${GUEST.name}-*.cfg ${GUEST.key} ${GUEST.key}.pub ${GUEST.knownHosts} ${GUEST.saveFile} ${GUEST.consoleLog} /run/xc-dnsmasq.leases`,
  `rmdir ${GUEST.lvmDir} 2>/dev/null`,
  `[ ! -f /root/.ssh/authorized_keys ] || sed -i '/ xc-guest$/d' /root/.ssh/authorized_keys`,
  'true',
].join('\n');

/**
 * This run's key for dom0 -> guest (and dom0 -> dom0, which `xl migrate
 * localhost` goes through), put into the guest's disk before it boots.
 * $1: the guest's pinned host key ("type key").
 */
export const KEY_SCRIPT = [
  'set -e',
  `rm -f ${GUEST.key} ${GUEST.key}.pub`,
  `ssh-keygen -q -t ed25519 -N '' -C xc-guest -f ${GUEST.key}`,
  'mnt=$(mktemp -d)',
  `mount -o offset=${PART_OFFSET} ${lvPath(GUEST.lv)} "$mnt"`,
  'install -d -m 700 "$mnt/root/.ssh"',
  `install -m 600 ${GUEST.key}.pub "$mnt/root/.ssh/authorized_keys"`,
  'umount "$mnt"; rmdir "$mnt"',
  'install -d -m 700 /root/.ssh',
  `cat ${GUEST.key}.pub >> /root/.ssh/authorized_keys`,
  `printf '%s %s\\nlocalhost %s\\n' ${GUEST.ip} "$1" "$(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" > ${GUEST.knownHosts}`,
].join('\n');

/** xl console wants a terminal: script(1) gives it one, and it reattaches after every reboot, restore or migration. */
export const CONSOLE_SCRIPT = `script -qfc 'while :; do xl console ${GUEST.name} 2>/dev/null; sleep 1; done' ${GUEST.consoleLog}`;

/** What dom0 needs to run the guest. */
const TOOLS = ['lvm', 'dnsmasq', 'ip', 'script', 'ping', 'arping', 'ssh-keygen', 'xl', 'losetup', 'gzip', 'python3'];

/** The guest's image on the runner, and how it reaches dom0. */
export interface GuestDisk {
  /** The raw image. */
  image: string;
  /** Its SSH host key ("type key"), pinned in dom0. */
  hostKey: string;
  /**
   * QemuHost attached the image and a blank disk for the volume group (the VM
   * on the runner). Otherwise (a user's machine) the volume group goes on a
   * loop-backed file and the image is sent over SSH.
   */
  attached: boolean;
}

/** Setup steps in dom0, each recorded as the report shows it; the first that fails says why in `problem`. */
class Steps {
  readonly list: StartStep[] = [];
  problem?: string;

  constructor(
    private readonly h: Host,
    private readonly phase: string,
    private readonly timeoutS: number,
  ) {}

  async step(label: string, argv: readonly string[], input?: ExecOptions['input'], timeoutS = this.timeoutS): Promise<RunResult> {
    const t = Date.now();
    const r = await this.h.run(argv, { phase: this.phase, timeoutMs: timeoutS * 1000, allowFailure: true, input });
    this.list.push({ command: label, exitCode: r.code, output: (r.stdout + r.stderr).trim(), seconds: (Date.now() - t) / 1000 });
    return r;
  }

  /** A setup script that must succeed; undefined (and the problem set) when it did not. */
  async setUp(label: string, script: string, args: string[], input?: ExecOptions['input'], timeoutS?: number): Promise<RunResult | undefined> {
    const r = await this.step(label, ['sh', '-c', script, 'sh', ...args], input, timeoutS);
    if (r.code === 0) return r;
    this.problem = `setting up ${label} in dom0 failed (exit ${r.code}): ${lastLine(r.stdout + r.stderr)}`;
    return undefined;
  }
}

/**
 * dom0 made ready to hold the guest: the tools it needs, nothing left of an
 * earlier run, the bridge and DHCP server, the volume group (on the attached
 * disk, or a loop device) and empty volumes of the image's size, then the
 * image onto the guest's volume. False when a step failed (s.problem says which).
 */
async function prepareDom0(s: Steps, disk: Pick<GuestDisk, 'image' | 'attached'>, installS: number): Promise<boolean> {
  const missing = await s.step('command -v ' + TOOLS.join(' '), ['sh', '-c', 'for t; do command -v "$t" >/dev/null || echo "$t"; done', 'sh', ...TOOLS]);
  if (missing.stdout.trim()) {
    s.problem = `dom0 lacks what the tool needs to run a domU: ${missing.stdout.trim().split('\n').join(', ')} (lvm2, dnsmasq-base, iputils-ping, iputils-arping, python3)`;
    return false;
  }
  if (!(await s.setUp('what an earlier run left (removed)', CLEANUP_SCRIPT, []))) return false;
  if (!(await s.setUp('the bridge and the DHCP server', NETWORK_SCRIPT, []))) return false;
  const pv = disk.attached ? GUEST.lvmDevice : (await s.setUp(`a loop device on ${GUEST.lvmFile}`, LOOP_SCRIPT, []))?.stdout.trim();
  if (!pv || !(await s.setUp('the volume group and the guest volume', STORAGE_SCRIPT, [pv, String((await fs.stat(disk.image)).size)]))) return false;
  const fill = disk.attached
    ? await s.setUp('the guest image onto its volume', FILL_SCRIPT, [GUEST.imageDevice])
    : // Gzipped on the way: the image's free space is zeros. gzip is in every Debian.
      await s.setUp('the guest image onto its volume (sent over SSH, gzipped)', FILL_SCRIPT, [''], gzipped(disk.image), installS);
  return !!fill;
}

/**
 * Bring the guest up in dom0. Problems of the guest itself (xl create fails, it
 * never answers) are returned, not thrown: they are the domU checks' verdicts.
 * A lost dom0 still throws (the host's InfraError).
 */
export async function startGuest(h: Host, disk: GuestDisk, timeouts: { check: number; boot: number; install: number }): Promise<GuestStart> {
  const phase = 'start the domU';
  const guest = new Guest(h);
  const s = new Steps(h, phase, timeouts.check);
  const start: GuestStart = { created: false, up: false, steps: s.list, guest };
  const stop = (problem?: string) => ({ ...start, problem: problem ?? s.problem });
  if (!(await prepareDom0(s, disk, timeouts.install))) return stop();
  if (!(await s.setUp("this run's key into the guest", KEY_SCRIPT, [disk.hostKey]))) return stop();
  await s.step(`tee ${GUEST.cfg}`, ['tee', GUEST.cfg], xlConfig());
  const t0 = Date.now();
  const created = await s.step(`xl create ${GUEST.cfg}`, ['xl', 'create', GUEST.cfg]);
  if (created.code !== 0) return stop(`xl create failed (exit ${created.code}): ${lastLine(created.stderr || created.stdout)}`);
  start.created = true;
  await s.step('capture the guest console', ['systemd-run', '--unit', 'xc-guest-console.service', 'sh', '-c', CONSOLE_SCRIPT]);
  const id = await guest.waitUp(timeouts.boot * 1000, phase);
  if (!id) return stop(`the guest did not answer over SSH within ${timeouts.boot} s of xl create (timeout-boot)`);
  start.up = true;
  start.bootSeconds = (Date.now() - t0) / 1000;
  return start;
}

/**
 * The second host made ready to receive the guest in a migration: the same
 * bridge and volume group as the first, the guest's volume filled from the
 * same image (a migration then sends only the chunks the guest changed: see
 * SPARSE_SEND). Throws when a step failed.
 */
export async function readyToReceive(h: Host, image: string, timeouts: { check: number; install: number }, phase: string): Promise<StartStep[]> {
  const s = new Steps(h, phase, timeouts.check);
  if (!(await prepareDom0(s, { image, attached: false }, timeouts.install))) throw new InfraError(phase, `the migrate-to host: ${s.problem}`);
  return s.list;
}

/** A file gzipped as a stream; an error reading it (or its consumer going away) ends both streams. */
function gzipped(file: string) {
  return pipeline(createReadStream(file), createGzip({ level: 1 }), () => {});
}

/** The guest's console as captured so far (for the out dir and the console check). */
export async function guestConsole(h: Host): Promise<string> {
  const r = await h.run(['cat', GUEST.consoleLog], { phase: 'collect the domU console', timeoutMs: 30_000, allowFailure: true });
  return r.code === 0 ? r.stdout : '';
}

function lastLine(s: string): string {
  return s.trim().split('\n').filter((l) => !/^WARNING:root:/.test(l)).pop() ?? '';
}
