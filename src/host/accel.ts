// KVM when it can run Xen, else TCG. Xen needs the CPU's virtualisation
// extensions passed through (nested virtualisation): a /dev/kvm on a CPU that
// does not show vmx or svm cannot run it (on this project's machines QEMU
// stops with "KVM internal error, emulation failure").
import { constants, promises as fs } from 'node:fs';
import type { Accel } from '../config.js';
import { InputError } from '../errors.js';

export interface AccelChoice {
  kind: 'kvm' | 'tcg';
  why: string;
  qemuArgs: string[];
}

export async function kvmUsable(): Promise<{ ok: boolean; why: string }> {
  try {
    await fs.access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { ok: false, why: '/dev/kvm is missing or not writable' };
  }
  const cpuinfo = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) {
    return { ok: false, why: 'the CPU shows no vmx/svm (no nested virtualisation), so KVM cannot run Xen' };
  }
  return { ok: true, why: '/dev/kvm is usable and the CPU has nested virtualisation' };
}

export async function chooseAccel(wanted: Accel): Promise<AccelChoice> {
  const kvm = await kvmUsable();
  if (wanted === 'kvm' && !kvm.ok) {
    throw new InputError(`accel: kvm was asked for but ${kvm.why}; use accel: auto or tcg`);
  }
  if (wanted === 'kvm' || (wanted === 'auto' && kvm.ok)) {
    return { kind: 'kvm', why: kvm.why, qemuArgs: ['-accel', 'kvm', '-cpu', 'host'] };
  }
  return {
    kind: 'tcg',
    why: wanted === 'tcg' ? 'asked for' : kvm.why,
    // -cpu max crashes the PV dom0 early; qemu64 with svm boots Xen, and npt (nested
    // paging) gives it HAP, without which Debian's Xen (no shadow paging) runs no PVH or HVM guest.
    qemuArgs: ['-accel', 'tcg,thread=multi', '-cpu', 'qemu64,+svm,+npt'],
  };
}
