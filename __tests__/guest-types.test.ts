// domU.pvh and domU.hvm: whether Xen can run the type (virt_caps), and the
// guest's own disk booted that way, through the real suite against a fake
// dom0. The real PVH boot is in the Debian 12 baseline (e2e/).
import type { RunFacts } from '../src/checks/check.js';
import { HVM_UNDER_TCG, cannotRun, hvmGuest, pvhGuest } from '../src/checks/guest-types.js';
import { GUEST, Guest, xlConfig, xlConfigPath } from '../src/guest/guest.js';
import { runChecks } from '../src/suite.js';
import { type Answers, fakeHost, sh, suiteOptions } from './helpers/fakeHost.js';

const inGuest = (...argv: string[]) => new Guest(fakeHost()).sshArgv(argv).join(' ');
/** What Xen 4.17 says under QEMU with -cpu qemu64,+svm,+npt (measured). */
const XL_INFO = 'host                   : xenhost\nvirt_caps              : pv hvm hap gnttab-v1 gnttab-v2\nxen_version            : 4.17.7\n';
const SHUTDOWN = ['sh', '-c', `timeout 120 xl shutdown -w ${GUEST.name} || xl destroy ${GUEST.name}`].join(' ');

/** A dom0 where the guest boots as `type` and answers as `guestType`. */
function dom0(type: 'pvh' | 'hvm', guestType: string, more: Answers = {}): Answers {
  return {
    'xl info': { stdout: XL_INFO },
    [`xl domid ${GUEST.name}`]: { code: 1, stderr: `${GUEST.name} is an invalid domain identifier` },
    [sh('printf "%s" "$1" > "$2"', xlConfig(type), xlConfigPath(type))]: {},
    [`xl create ${xlConfigPath(type)}`]: {},
    [inGuest('cat', '/proc/sys/kernel/random/boot_id')]: { stdout: 'b00710\n' },
    [inGuest('cat', '/sys/hypervisor/guest_type')]: { stdout: `${guestType}\n` },
    [inGuest('systemctl', 'is-active', 'multi-user.target')]: { stdout: 'active\n' },
    [SHUTDOWN]: {},
    ...more,
  };
}

async function run(check: typeof pvhGuest, answers: Answers, more: Partial<RunFacts> = {}) {
  const host = fakeHost(answers);
  const facts: RunFacts = { accel: 'tcg', guest: { created: true, up: true, bootSeconds: 58, steps: [], guest: new Guest(host) }, ...more };
  const [r] = await runChecks([check], suiteOptions(host, { facts }));
  return { r, host };
}

describe('which guest types Xen can run, from virt_caps', () => {
  test('HAP (or shadow paging) with hvm: PVH and HVM can run', () => {
    expect(cannotRun('pv hvm hap gnttab-v1 gnttab-v2', 'pvh')).toBeUndefined();
    expect(cannotRun('pv hvm shadow gnttab-v1', 'hvm')).toBeUndefined();
  });

  test('hvm without hap and without shadow (QEMU without npt, Debian 12 Xen): neither can', () => {
    expect(cannotRun('pv hvm gnttab-v1 gnttab-v2', 'pvh')).toMatch(/neither hap .* nor shadow/);
  });

  test('no hvm at all: the CPU offers no AMD-V or VT-x', () => {
    expect(cannotRun('pv gnttab-v1', 'hvm')).toMatch(/lack hvm/);
    expect(cannotRun('', 'pvh')).toMatch(/\(none\) lack hvm/);
  });
});

describe('domU.pvh', () => {
  test('the disk booted as PVH and reached multi-user: pass, and the domain is shut down after', async () => {
    const { r, host } = await run(pvhGuest, dom0('pvh', 'PVH'));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^the guest's own disk booted as PVH through pygrub and reached multi-user\.target; it answered over SSH \d+ s after xl create$/);
    expect(host.calls).toContain(`xl create ${xlConfigPath('pvh')}`);
    expect(host.calls[host.calls.length - 1]).toBe(SHUTDOWN);
    expect(xlConfig('pvh')).toMatch(/^type = "pvh"\nbootloader = "pygrub"$/m);
  });

  test('a PV guest still running is destroyed first: the PVH guest takes its disk', async () => {
    const { host } = await run(pvhGuest, dom0('pvh', 'PVH', { [`xl domid ${GUEST.name}`]: { stdout: '3\n' }, [`xl destroy ${GUEST.name}`]: {} }));
    expect(host.calls.indexOf(`xl destroy ${GUEST.name}`)).toBeLessThan(host.calls.indexOf(`xl create ${xlConfigPath('pvh')}`));
  });

  test('xl create refusing the PVH guest fails with its words and the fix', async () => {
    const { r } = await run(pvhGuest, dom0('pvh', 'PVH', { [`xl create ${xlConfigPath('pvh')}`]: { code: 3, stderr: 'libxl: error: xc_dom_find_loader: no loader found\n' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xl create of the guest as PVH failed (exit 3): libxl: error: xc_dom_find_loader: no loader found');
    expect(r.remedy).toMatch(/CONFIG_XEN_PVH/);
  });

  test('a guest that comes up as another type fails: it is not the PVH boot that was asked for', async () => {
    const { r } = await run(pvhGuest, dom0('pvh', 'PV'));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the guest booted but runs as PV, not PVH');
  });

  test('without HAP and shadow paging it is skipped with the virt_caps seen, and nothing is created', async () => {
    const { r, host } = await run(pvhGuest, dom0('pvh', 'PVH', { 'xl info': { stdout: 'virt_caps : pv hvm gnttab-v1\n' } }));
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/neither hap/);
    expect(host.calls.some((c) => c.startsWith('xl create'))).toBe(false);
  });
});

describe('xl info that fails', () => {
  test('is an error for PVH and HVM alike, never "lacks hvm", and nothing is created', async () => {
    for (const [check, type, name] of [[pvhGuest, 'pvh', 'PVH'], [hvmGuest, 'hvm', 'HVM']] as const) {
      const { r, host } = await run(check, dom0(type, name, { 'xl info': { code: 1, stderr: 'libxl: error: cannot get physinfo\n' } }), { accel: 'kvm' });
      expect(r.status).toBe('error');
      expect(r.message).toMatch(/xl info failed \(exit 1\): libxl: error: cannot get physinfo; Xen's virt_caps could not be read/);
      expect(host.calls.some((c) => c.startsWith('xl create'))).toBe(false);
    }
  });
});

describe('domU.hvm', () => {
  test('under TCG it is skipped with what was measured', async () => {
    const { r, host } = await run(hvmGuest, dom0('hvm', 'HVM'));
    expect(r.status).toBe('skip');
    expect(r.message).toBe(HVM_UNDER_TCG);
    expect(host.calls.some((c) => c.startsWith('xl create'))).toBe(false);
  });

  test('under KVM the disk boots from its boot sector, without pygrub, and must come up as HVM', async () => {
    const { r } = await run(hvmGuest, dom0('hvm', 'HVM'), { accel: 'kvm' });
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^the guest's own disk booted as HVM and reached multi-user/);
    expect(xlConfig('hvm')).not.toMatch(/pygrub/);
    expect(xlConfig('hvm')).toMatch(/^type = "hvm"$/m);
  });
});
