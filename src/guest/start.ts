// Bringing the guest up in dom0: the tools it needs, nothing left of an
// earlier run, the bridge, the volume group and the image on its volume, this
// run's key, xl create, then SSH. The migrate-to host is made ready to receive
// it the same way.
import { promises as fs } from 'node:fs';
import type { ExecOptions, Host } from '../host/host.js';
import type { RunResult } from '../proc.js';
import { InfraError } from '../errors.js';
import { GUEST, xlConfig } from './config.js';
import { CLEANUP_SCRIPT, CONSOLE_SCRIPT, FILL_SCRIPT, KEY_SCRIPT, LOOP_SCRIPT, NETWORK_SCRIPT, STORAGE_SCRIPT } from './dom0-scripts.js';
import { Guest, type GuestStart, type StartStep } from './guest.js';
import { gzipped } from './transfer.js';

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
    this.problem = `setting up ${label} in dom0 failed (exit ${r.code}): ${reasonLine(r.stdout + r.stderr)}`;
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
  if (created.code !== 0) return stop(`xl create failed (exit ${created.code}): ${reasonLine(created.stderr || created.stdout)}`);
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

/** The guest's console as captured so far (for the out dir and the console check). */
export async function guestConsole(h: Host): Promise<string> {
  const r = await h.run(['cat', GUEST.consoleLog], { phase: 'collect the domU console', timeoutMs: 30_000, allowFailure: true });
  return r.code === 0 ? r.stdout : '';
}

/** The last line xl said, without pygrub's Python warnings. */
function reasonLine(s: string): string {
  return s.trim().split('\n').filter((l) => !/^WARNING:root:/.test(l)).pop() ?? '';
}
