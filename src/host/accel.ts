// KVM when it can run Xen, else TCG. The decision is a pure function of what
// the runner shows (/dev/kvm, the kvm modules loaded, the CPU's flags), so it
// is unit-tested on recorded texts; only probe() touches the machine.
import { constants, promises as fs } from 'node:fs';
import type { Accel } from '../config.js';
import { InputError } from '../errors.js';
import { asRoot, type Privilege } from '../privilege.js';
import { run, until } from '../proc.js';

export interface AccelChoice {
  kind: 'kvm' | 'tcg';
  why: string;
  qemuArgs: string[];
  /**
   * Options this accelerator needs on Xen's command line, set through the
   * tool's own boot config drop-in and named in the report as settings of the
   * test environment.
   */
  xenOptions: string[];
}

/** What the runner shows about KVM. */
export interface KvmProbe {
  /** /dev/kvm exists. */
  exists: boolean;
  /** ... and this user may open it read-write. */
  writable: boolean;
  /** Names under /sys/module that start with kvm (kvm, kvm_intel, kvm_amd, kvm_pvm). */
  modules: string[];
  /** The flags line of /proc/cpuinfo. */
  cpuFlags: string;
}

export async function probe(): Promise<KvmProbe> {
  const exists = await fs.access('/dev/kvm').then(() => true, () => false);
  const writable = exists && (await fs.access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false));
  const modules = (await fs.readdir('/sys/module').catch(() => [] as string[])).filter((m) => m.startsWith('kvm'));
  const cpuinfo = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  return { exists, writable, modules, cpuFlags: /^flags\s*:.*$/m.exec(cpuinfo)?.[0] ?? '' };
}

/** Whether KVM here can run Xen, and why (or why not) in words a user can act on. */
export function kvmVerdict(p: KvmProbe): { ok: boolean; why: string } {
  const hardware = p.modules.filter((m) => m === 'kvm_intel' || m === 'kvm_amd');
  // A PVM sandbox (e.g. Firecracker with kvm_pvm) has a /dev/kvm that runs only guests built for PVM.
  if (p.modules.includes('kvm_pvm') && !hardware.length) {
    return {
      ok: false,
      why: `${p.exists ? '/dev/kvm' : 'KVM'} comes from the kvm_pvm module (Pagetable-based VMs, as in a Firecracker sandbox), not kvm_intel or kvm_amd: it runs only guests built for PVM, never Xen`,
    };
  }
  if (!p.exists) return { ok: false, why: '/dev/kvm is missing (no KVM on this runner)' };
  if (!p.writable) {
    return { ok: false, why: '/dev/kvm is not open to this user (on GitHub runners a udev rule opens it: the action adds it when it may use sudo)' };
  }
  if (!/\b(vmx|svm)\b/.test(p.cpuFlags)) {
    return { ok: false, why: 'the CPU shows no vmx/svm, so KVM cannot run here (no nested virtualisation on this runner)' };
  }
  return { ok: true, why: `/dev/kvm is usable (${hardware.join(', ') || 'kvm'}) and the CPU shows ${/\bvmx\b/.test(p.cpuFlags) ? 'vmx' : 'svm'}` };
}

/**
 * Xen under KVM: Linux 6.18 and later refuses to emulate CET-affected
 * instructions for a guest with CET on, and Xen turns CET on where the CPU
 * has it; these options (valid on Xen 4.17 and 4.20) keep it off.
 */
export const KVM_XEN_OPTIONS = ['cet=no-shstk,no-ibt'];

export function decideAccel(wanted: Accel, kvm: { ok: boolean; why: string }): AccelChoice {
  if (wanted === 'kvm' && !kvm.ok) {
    throw new InputError(`accel: kvm was asked for but ${kvm.why}; use accel: auto or tcg`);
  }
  if (wanted === 'kvm' || (wanted === 'auto' && kvm.ok)) {
    return { kind: 'kvm', why: kvm.why, qemuArgs: ['-accel', 'kvm', '-cpu', 'host'], xenOptions: KVM_XEN_OPTIONS };
  }
  return {
    kind: 'tcg',
    why: wanted === 'tcg' ? 'asked for' : kvm.why,
    // -cpu max crashes the PV dom0 early; qemu64 with svm boots Xen, and npt (nested
    // paging) gives it HAP, without which Debian's Xen (no shadow paging) runs no PVH or HVM guest.
    qemuArgs: ['-accel', 'tcg,thread=multi', '-cpu', 'qemu64,+svm,+npt'],
    xenOptions: [],
  };
}

export async function chooseAccel(wanted: Accel): Promise<AccelChoice> {
  return decideAccel(wanted, kvmVerdict(await probe()));
}

/** The udev rule GitHub documents for its Linux runners: /dev/kvm open to every user. */
export const KVM_UDEV_RULE = { file: '/etc/udev/rules.d/99-kvm4all.rules', text: 'KERNEL=="kvm", GROUP="kvm", MODE="0666", OPTIONS+="static_node=kvm"\n' };

/** The argv lists that install that rule and apply it to /dev/kvm, as root; the rule's text goes on stdin. */
export function kvmRuleArgv(p: Privilege): { argv: string[]; input?: string }[] {
  return [
    { argv: asRoot(['tee', KVM_UDEV_RULE.file], p), input: KVM_UDEV_RULE.text },
    { argv: asRoot(['udevadm', 'control', '--reload-rules'], p) },
    { argv: asRoot(['udevadm', 'trigger', '--name-match=kvm'], p) },
  ];
}

/**
 * A /dev/kvm this user cannot open, on a runner where it may use sudo: open
 * it as GitHub's docs do, then wait for udev (a few seconds at most). Returns
 * what it did, for the log; undefined when there was nothing to do.
 */
export async function openKvm(p: Privilege): Promise<string | undefined> {
  const before = await probe();
  if (p.kind !== 'sudo' || !before.exists || before.writable) return undefined;
  // A runner without udev (a container) keeps /dev/kvm as it is: the message says it is still closed.
  for (const step of kvmRuleArgv(p)) await run(step.argv, { phase: 'prepare', timeoutMs: 30_000, input: step.input, allowFailure: true }).catch(() => undefined);
  const open = await until(5, async () => ((await probe()).writable ? true : undefined));
  return `/dev/kvm was not open to this user: added the udev rule GitHub documents (${KVM_UDEV_RULE.file}) through sudo; ${open ? 'it is open now' : 'it is still not open'}`;
}
