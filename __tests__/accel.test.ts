// The accelerator decisions, on recorded runner texts (see fixtures/kvm/README.md).
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { decideAccel, KVM_XEN_OPTIONS, type KvmProbe, kvmVerdict } from '../src/host/accel.js';

const fixture = (name: string) => readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/kvm', name), 'utf8');
const lines = (text: string) => text.split('\n').filter(Boolean);

/** This project's machines: kvm_pvm loaded, /dev/kvm absent (or present), no vmx/svm. */
const sandbox = (exists: boolean): KvmProbe => ({
  exists,
  writable: exists,
  modules: lines(fixture('sys-module-kvm-pvm-sandbox.txt')),
  cpuFlags: fixture('cpuinfo-flags-pvm-sandbox.txt'),
});
/** GitHub's ubuntu-24.04 runner as its public logs show it (unverified here). */
const github = (writable: boolean): KvmProbe => ({
  exists: true,
  writable,
  modules: lines(fixture('sys-module-kvm-github-ubuntu-24.04.txt')),
  cpuFlags: fixture('cpuinfo-flags-github-ubuntu-24.04.txt'),
});

describe('kvmVerdict', () => {
  test('a PVM sandbox names kvm_pvm, with or without /dev/kvm, not missing nested virtualisation', () => {
    for (const p of [sandbox(true), sandbox(false)]) {
      const v = kvmVerdict(p);
      expect(v.ok).toBe(false);
      expect(v.why).toMatch(/kvm_pvm module .* never Xen/);
      expect(v.why).not.toMatch(/nested/);
    }
  });

  test("GitHub's runner: usable once the udev rule opened /dev/kvm; before that, says how", () => {
    expect(kvmVerdict(github(true))).toEqual({ ok: true, why: '/dev/kvm is usable (kvm_amd) and the CPU shows svm' });
    const closed = kvmVerdict(github(false));
    expect(closed.ok).toBe(false);
    expect(closed.why).toMatch(/not open to this user.*udev rule/);
  });

  test('a hardware module on a CPU without vmx/svm, and no /dev/kvm at all', () => {
    const noFlags = { ...github(true), cpuFlags: fixture('cpuinfo-flags-pvm-sandbox.txt') };
    expect(kvmVerdict(noFlags).why).toMatch(/no vmx\/svm/);
    expect(kvmVerdict({ exists: false, writable: false, modules: [], cpuFlags: '' }).why).toBe('/dev/kvm is missing (no KVM on this runner)');
  });
});

describe('decideAccel', () => {
  test('KVM: -cpu host and the CET options on Xen\'s command line', () => {
    const a = decideAccel('auto', kvmVerdict(github(true)));
    expect(a.kind).toBe('kvm');
    expect(a.qemuArgs).toEqual(['-accel', 'kvm', '-cpu', 'host']);
    expect(a.xenOptions).toEqual(KVM_XEN_OPTIONS);
    expect(KVM_XEN_OPTIONS).toEqual(['cet=no-shstk,no-ibt']);
  });

  test('TCG: qemu64 with svm and npt (never -cpu max), no extra Xen options, and the reason kept', () => {
    const a = decideAccel('auto', kvmVerdict(sandbox(false)));
    expect(a.kind).toBe('tcg');
    expect(a.qemuArgs).toEqual(['-accel', 'tcg,thread=multi', '-cpu', 'qemu64,+svm,+npt']);
    expect(a.xenOptions).toEqual([]);
    expect(a.why).toMatch(/kvm_pvm/);
    expect(decideAccel('tcg', kvmVerdict(github(true))).why).toBe('asked for');
  });

  test('accel kvm where it cannot run Xen is bad input naming the cause and the fix', () => {
    expect(() => decideAccel('kvm', kvmVerdict(sandbox(true)))).toThrow(/^accel: kvm was asked for but .*kvm_pvm.*; use accel: auto or tcg$/);
  });
});

describe("the test environment's options on Xen's command line", () => {
  test('under TCG nothing is added (bootscrub=0 measured no gain); under KVM the CET options; the drop-in appends to what earlier files set', async () => {
    const { environmentDropin, environmentXenOptions } = await import('../src/host/environment.js');
    expect(environmentXenOptions(decideAccel('auto', kvmVerdict(sandbox(false))))).toEqual([]);
    expect(environmentXenOptions(decideAccel('auto', kvmVerdict(github(true))))).toEqual(['cet=no-shstk,no-ibt']);
    expect(environmentDropin(['cet=no-shstk,no-ibt'])).toMatch(/^GRUB_CMDLINE_XEN="\$GRUB_CMDLINE_XEN cet=no-shstk,no-ibt"$/m);
  });
});
