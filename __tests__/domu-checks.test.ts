// The domU checks' judgement, through the real suite against a fake dom0 that
// answers as Debian 12's did in a real run (see README), then with one thing
// broken: each check fails for its own reason. The real guest is in e2e/.
import type { Check, RunFacts } from '../src/checks/check.js';
import {
  checksumOffload,
  clockAlarms,
  clockOffset,
  consoleHvc0,
  guestBoots,
  guestClock,
  guestInitramfs,
  guestXenstoreUtils,
  interfaceWithMac,
  pciPassthrough,
  phyLvm,
  pvNet,
  vifOnBridge,
} from '../src/checks/domu.js';
import { diskHotplug, followsWithin, memoryHotplug, sysrq, vcpuHotplug } from '../src/checks/guest-hotplug.js';
import { kernelUpdate } from '../src/checks/kernel-update.js';
import { liveMigration, liveMigrationFailure } from '../src/checks/migration.js';
import { coldMigration, saveRestore } from '../src/checks/save-restore.js';
import { guestShutdown } from '../src/checks/shutdown-guest.js';
import { MIGRATE_RECEIVE, MIGRATE_SEND } from '../src/guest/migrate.js';
import { CHECK_GROUPS, CHECK_IDS } from '../src/checks/index.js';
import { DESTROY_GUEST } from '../src/guest/dom0-scripts.js';
import { GUEST, Guest, xlConfig } from '../src/guest/guest.js';
import { CHUNK_DIGESTS, SPARSE_RECEIVE, SPARSE_SEND } from '../src/guest/transfer.js';
import { candidateClosure } from '../src/packages.js';
import { shJoin } from '../src/quote.js';
import { runChecks } from '../src/suite.js';
import { type Answers, fakeHost, runCheck, sh, suiteOptions } from './helpers/fakeHost.js';
import { initramfsImage } from './helpers/initramfs.js';

const RELEASE = '6.1.0-56-amd64';
/** What xl save printed with xen-utils-4.17's libxl-save-helper left out (the e2e run "shutdowns that hang"). */
const SAVE_WITHOUT_HELPER = [
  '',
  'Saving to /var/tmp/xc-guest.save new xl format (info 0x3/0x0/1118)',
  'libxl: cannot execute /usr/lib/xen-4.17/bin/libxl-save-helper: No such file or directory',
  'libxl: error: libxl_utils.c:505:libxl_read_exactly: file/stream truncated reading ipc msg header from domain 1 save/restore helper stdout pipe',
  'libxl: error: libxl_exec.c:117:libxl_report_child_exitstatus: domain 1 save/restore helper [529] exited with error status 255',
  'Failed to save domain, resuming domain',
  'xc: error: Dom 1 not suspended: (shutdown 0, reason 255): Internal error',
  'libxl: error: libxl_dom_suspend.c:666:domain_resume_done: Domain 1:xc_domain_resume failed: Invalid argument',
].join('\n');
/** The key the fake dom0 knows a command run in the guest by. */
const inGuest = (...argv: string[]) => new Guest(fakeHost()).sshArgv(argv).join(' ');

function guestRun(answers: Answers, more: Partial<RunFacts> = {}, timeoutMs = 60_000) {
  const host = fakeHost(answers);
  const facts: RunFacts = { guest: { created: true, up: true, bootSeconds: 58, steps: [], guest: new Guest(host) }, ...more };
  // Bounded as the pipeline bounds lifecycle checks: some poll the guest for a while.
  return { host, run: async (check: Check) => (await runChecks([check], suiteOptions(host, { facts, timeoutMs })))[0] };
}

describe('the guest is reached through dom0 with one quoting', () => {
  test('a hostile argument reaches the guest as one word inside the argv dom0 runs', () => {
    const argv = new Guest(fakeHost()).sshArgv(['echo', "a b'; rm -rf / $(id)"]);
    expect(argv.slice(-2)).toEqual([`root@${GUEST.ip}`, shJoin(['echo', "a b'; rm -rf / $(id)"])]);
    expect(argv).toContain('StrictHostKeyChecking=yes');
  });

  test('the xl config is PV through pygrub, a phy: LVM disk and a vif on the bridge', () => {
    const cfg = xlConfig();
    expect(cfg).toMatch(/^type = "pv"$/m);
    expect(cfg).toMatch(/^bootloader = "pygrub"$/m);
    expect(cfg).toContain(`"phy:/dev/${GUEST.vg}/${GUEST.lv},xvda,w"`);
    expect(cfg).toContain(`bridge=${GUEST.bridge}`);
    expect(cfg).toMatch(/^vcpus = 1$/m);
    expect(cfg).toMatch(/^maxvcpus = 2$/m);
  });
});

describe('domU.boots', () => {
  test('a guest that never came up fails with the reason and every step as evidence', async () => {
    const host = fakeHost();
    const r = await runCheck(guestBoots, host, {
      guest: {
        created: true,
        up: false,
        problem: 'the guest did not answer over SSH within 300 s of xl create (timeout-boot)',
        steps: [{ command: 'xl create /etc/xen/xc-guest.cfg', exitCode: 0, output: 'Parsing config', seconds: 4.2 }],
        guest: new Guest(host),
      },
    });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/did not answer over SSH/);
    expect(r.remedy).toMatch(/domU-console\.log/);
    expect(r.evidence.map((e) => e.command)).toContain('(dom0) xl create /etc/xen/xc-guest.cfg');
    expect(r.evidence.find((e) => e.command === '(dom0) xl create /etc/xen/xc-guest.cfg')?.output).toMatch(/^exit 0 after 4\.2 s\nParsing config/);
  });

  test('no domU on this target is a skip with the reason, never a pass', async () => {
    const r = await runCheck(guestBoots, fakeHost(), { guestNotStarted: 'the domU runs on the qemu target only so far' });
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/qemu target only/);
  });

  test('up and multi-user passes; up but degraded to rescue fails', async () => {
    expect((await guestRun({ [inGuest('systemctl', 'is-active', 'multi-user.target')]: { stdout: 'active\n' } }).run(guestBoots)).status).toBe('pass');
    const r = await guestRun({ [inGuest('systemctl', 'is-active', 'multi-user.target')]: { code: 3, stdout: 'inactive\n' } }).run(guestBoots);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/multi-user\.target is inactive/);
  });
});

describe('net.vif-on-bridge', () => {
  test('a vif hotplug script that exits 1 makes xl create fail: the check names it', async () => {
    const host = fakeHost();
    const out = [
      'libxl: error: libxl_exec.c:117:libxl_report_child_exitstatus: /etc/xen/scripts/vif-bridge online [1234] exited with error status 1',
      'libxl: error: libxl_device.c:1286:device_hotplug_child_death_cb: script: /etc/xen/scripts/vif-bridge failed; error detected.',
      'libxl: error: libxl_create.c:1863:domcreate_attach_devices: Domain 1:unable to add vif devices',
    ].join('\n');
    const r = await runCheck(vifOnBridge, host, {
      guest: { created: false, up: false, problem: 'xl create failed (exit 3)', steps: [{ command: 'xl create /etc/xen/xc-guest.cfg', exitCode: 3, output: out, seconds: 6.1 }], guest: new Guest(host) },
    });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/vif-bridge/);
    expect(r.remedy).toMatch(/hotplug script/);
  });

  test('the vif on the bridge passes; a vif left off it fails', async () => {
    const base = { 'xl domid xc-guest': { stdout: '1\n' } };
    const on = '4: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master xcbr0 state UP';
    expect((await guestRun({ ...base, 'ip -o link show master xcbr0': { stdout: on } }).run(vifOnBridge)).status).toBe('pass');
    const r = await guestRun({ ...base, 'ip -o link show master xcbr0': { stdout: '' } }).run(vifOnBridge);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('vif1.0 is not a port of xcbr0');
  });
});

describe('storage.phy-lvm', () => {
  const backend = 'xenstore-read /local/domain/0/backend/vbd/1/51712/params';
  const io = (code: number) => ({
    [inGuest('sh', '-c', 'set -e; head -c 4194304 /dev/urandom > /var/tmp/xc-io; a=$(sha256sum < /var/tmp/xc-io); sync; echo 3 > /proc/sys/vm/drop_caches; b=$(sha256sum < /var/tmp/xc-io); rm /var/tmp/xc-io; [ "$a" = "$b" ] && findmnt -no SOURCE /')]: { code, stdout: '/dev/xvda1\n' },
  });
  test('blkback serving the volume and a guest that reads back what it wrote passes', async () => {
    const r = await guestRun({ 'xl domid xc-guest': { stdout: '1' }, [backend]: { stdout: '/dev/xcvg/xc-guest' }, ...io(0) }).run(phyLvm);
    expect(r.status).toBe('pass');
  });
  test('no vbd backend (qdisk instead of blkback) fails naming blkback', async () => {
    const r = await guestRun({ 'xl domid xc-guest': { stdout: '1' }, ...io(0) }).run(phyLvm);
    expect(r.status).toBe('fail');
    expect(r.remedy).toMatch(/blkback/);
  });
  test('a write that does not read back fails', async () => {
    const r = await guestRun({ 'xl domid xc-guest': { stdout: '1' }, [backend]: { stdout: '/dev/xcvg/xc-guest' }, ...io(1) }).run(phyLvm);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/write and read back/);
  });
});

describe('domU.console-hvc0', () => {
  const getty = (state: string) => ({ [inGuest('systemctl', 'is-active', 'serial-getty@hvc0.service')]: { stdout: `${state}\n` } });
  const shown = (text: string) => ({ [`tail -c 2000 ${GUEST.consoleLog}`]: { stdout: text } });
  test('a getty and a login prompt (through terminal escapes) pass', async () => {
    expect((await guestRun({ ...getty('active'), ...shown('\x1b[0m\r\nDebian GNU/Linux 12 xcguest hvc0\r\n\r\nxcguest login: ') }).run(consoleHvc0)).status).toBe('pass');
  });
  test('no getty on hvc0 fails naming it, after waiting half the check\'s bound for one', async () => {
    const started = Date.now();
    const r = await guestRun({ ...getty('inactive'), ...shown('[  OK  ] Reached target multi-user.target\n') }, {}, 12_000).run(consoleHvc0);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/serial-getty@hvc0\.service is inactive; xl console shows no login prompt/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
  });
  test('a getty that comes up a little after the guest answers (a busy machine) passes', async () => {
    const answers: Answers = { ...getty('activating'), ...shown('[  OK  ] Reached target multi-user.target\n') };
    setTimeout(() => Object.assign(answers, getty('active'), shown('\r\nxcguest login: ')), 2_000);
    const r = await guestRun(answers, {}, 30_000).run(consoleHvc0);
    expect(r.status).toBe('pass');
  });
});

describe('domU.clock', () => {
  const clockKey = sh('date +%s.%N; "$@"; date +%s.%N', ...new Guest(fakeHost()).sshArgv(['date', '+%s.%N']));
  const answers = (src: string, log: string, times: string) => ({
    [inGuest('cat', '/sys/devices/system/clocksource/clocksource0/current_clocksource')]: { stdout: `${src}\n` },
    [inGuest('journalctl', '-b', '--no-pager', '-o', 'cat', '-p', 'warning')]: { stdout: log },
    [clockKey]: { stdout: times },
  });
  test('the offset is how far the guest reading lies outside dom0 window', () => {
    expect(clockOffset('100.0\n100.5\n101.2\n')).toBe(0);
    expect(clockOffset('100.0\n98.5\n101.0\n')).toBeCloseTo(1.5);
    expect(clockOffset('100.0\n103.0\n101.0\n')).toBeCloseTo(2);
    expect(clockOffset('garbage')).toBeUndefined();
  });
  test('hardware-clock alarms are told from other warnings', () => {
    expect(clockAlarms('rtc_cmos: probe of rtc_cmos failed with error -38\ncfg80211: failed to load regulatory.db\nhwclock: Cannot access the Hardware Clock via any known method.')).toEqual([
      'rtc_cmos: probe of rtc_cmos failed with error -38',
      'hwclock: Cannot access the Hardware Clock via any known method.',
    ]);
  });
  test('xen clocksource, a quiet boot and a clock inside the window pass', async () => {
    expect((await guestRun(answers('xen', 'cfg80211: failed to load regulatory.db\n', '100.0\n100.4\n100.9\n')).run(guestClock)).status).toBe('pass');
  });
  test('a guest 3 s behind fails with the offset; a tsc clocksource and an RTC alarm fail', async () => {
    const r = await guestRun(answers('xen', '', '100.0\n97.0\n100.9\n')).run(guestClock);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/3\.00 s off dom0's/);
    const r2 = await guestRun(answers('tsc', 'hwclock: Cannot access the Hardware Clock via any known method.', '100.0\n100.1\n100.2\n')).run(guestClock);
    expect(r2.message).toMatch(/clocksource is tsc, not xen; the boot log raises hardware-clock alarms/);
  });
});

describe('domU.xenstore-utils', () => {
  const install = (targets: string[]) => inGuest('env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-q', ...targets);
  const tools = inGuest('dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package}\\n', 'xen-utils*', 'xen-hypervisor*');
  const name = (out: string) => ({ [inGuest('xenstore-read', 'name')]: { stdout: out } });
  test("the archive's package alone, and xenstore-read name answering, pass", async () => {
    const r = await guestRun({ [install(['xenstore-utils'])]: {}, [tools]: { code: 1 }, ...name('xc-guest\n') }).run(guestXenstoreUtils);
    expect(r.status).toBe('pass');
  });
  test('a candidate that depends on the toolstack cannot install alone in the guest: fail naming it', async () => {
    const file = '/root/xc-candidates/xenstore-utils_4.17_amd64.deb';
    const g = new Guest(fakeHost());
    const r = await guestRun(
      {
        [['scp', ...g.sshOptions(), file, `root@${GUEST.ip}:/root/`].join(' ')]: {},
        [install(['/root/xenstore-utils_4.17_amd64.deb'])]: { code: 100, stdout: ' xenstore-utils : Depends: xen-utils-4.17 but it is not installable\nE: Unable to correct problems, you have held broken packages.\n' },
      },
      { guestCandidates: [file] },
    ).run(guestXenstoreUtils);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/cannot be installed alone .*Depends: xen-utils-4\.17/);
  });
  test('an install that drags the toolstack in fails; a wrong name fails', async () => {
    const r = await guestRun({ [install(['xenstore-utils'])]: {}, [tools]: { stdout: 'ii  xen-utils-4.17\n' }, ...name('xc-guest\n') }).run(guestXenstoreUtils);
    expect(r.message).toMatch(/pulled in xen-utils-4\.17/);
    const r2 = await guestRun({ [install(['xenstore-utils'])]: {}, [tools]: { code: 1 }, ...name('') }).run(guestXenstoreUtils);
    expect(r2.status).toBe('fail');
    expect(r2.message).toMatch(/xenstore-read name/);
  });
  test('a candidate missing a library in its Depends installs alone but xenstore-read cannot load: fail naming the library', async () => {
    const r = await guestRun({
      [install(['xenstore-utils'])]: {},
      [tools]: { code: 1 },
      [inGuest('xenstore-read', 'name')]: { code: 127, stderr: 'xenstore-read: error while loading shared libraries: libxenstore.so.4: cannot open shared object file: No such file or directory\n' },
    }).run(guestXenstoreUtils);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xenstore-read in the guest cannot load libxenstore.so.4: installed alone, xenstore-utils lacks the dependency that provides it (in dom0 the toolstack pulled it in)');
    expect(r.remedy).toMatch(/Depends/);
  });
  test("the guest's candidate set follows Depends among the candidates only", () => {
    const c = (name: string, depends: string[] = []) => ({ path: `/x/${name}.deb`, name, version: '1', arch: 'amd64', depends });
    const set = [c('xenstore-utils', ['libc6', 'libxenstore4']), c('libxenstore4', ['libc6', 'libxentoolcore1']), c('libxentoolcore1'), c('xen-utils-4.17', ['libxenstore4'])];
    expect(candidateClosure('xenstore-utils', set).map((x) => x.name)).toEqual(['xenstore-utils', 'libxenstore4', 'libxentoolcore1']);
    expect(candidateClosure('xenstore-utils', [])).toEqual([]);
  });
});

describe('domU.pv-net parsing', () => {
  test('the interface with the vif MAC, and the checksum offload state', () => {
    const links = '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: enX0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\\    link/ether 00:16:3e:58:43:01 brd ff:ff:ff:ff:ff:ff';
    expect(interfaceWithMac(links, GUEST.mac)).toBe('enX0');
    expect(interfaceWithMac(links, '00:16:3e:00:00:99')).toBeUndefined();
    expect(checksumOffload('Features for enX0:\nrx-checksumming: on [fixed]\ntx-checksumming: on\n\ttx-checksum-ipv4: on\n')).toEqual({ rx: 'on', tx: 'on' });
    expect(checksumOffload('no features')).toEqual({ rx: undefined, tx: undefined });
  });
});

describe('domU.pv-net', () => {
  const LINK = '2: enX0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen 1000\\    link/ether 00:16:3e:58:43:01 brd ff:ff:ff:ff:ff:ff';
  const nic = (module: string) => ({
    [inGuest('ip', '-o', 'link')]: { stdout: `${LINK}\n` },
    [inGuest('readlink', '-f', '/sys/class/net/enX0/device/driver/module')]: { stdout: `/sys/module/${module}\n` },
  });
  test('a NIC driven by another driver fails naming it', async () => {
    const r = await guestRun(nic('8139cp')).run(pvNet);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('enX0 is driven by 8139cp, not xen-netfront');
  });
  test('a guest that refuses jumbo frames fails with its own words, and the MTUs go back to 1500', async () => {
    const { host, run } = guestRun({
      ...nic('xen_netfront'),
      'xl domid xc-guest': { stdout: '3\n' },
      'ip link set vif3.0 mtu 9000': {},
      'ip link set xcbr0 mtu 9000': {},
      [inGuest('ip', 'link', 'set', 'enX0', 'mtu', '9000')]: { code: 2, stderr: 'Error: mtu greater than device maximum.\n' },
      'ip link set vif3.0 mtu 1500': {},
      'ip link set xcbr0 mtu 1500': {},
      [inGuest('ip', 'link', 'set', 'enX0', 'mtu', '1500')]: {},
    });
    const r = await run(pvNet);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^the guest refused MTU 9000 on enX0: Error: mtu greater than device maximum\./);
    expect(host.calls).toContain('ip link set xcbr0 mtu 1500');
  });
});

describe('domU.initramfs-pv-drivers', () => {
  const BLK = `usr/lib/modules/${RELEASE}/kernel/drivers/block/xen-blkfront.ko`;
  const NET = `usr/lib/modules/${RELEASE}/kernel/drivers/net/xen-netfront.ko`;
  // The guest's image comes to the runner through dom0: cat in the guest, over dom0's ssh to it.
  const answers = (files: string[], config = 'CONFIG_XEN_BLKDEV_FRONTEND=m\nCONFIG_XEN_NETDEV_FRONTEND=m\n') => ({
    [inGuest('uname', '-r')]: { stdout: `${RELEASE}\n` },
    [inGuest('grep', '-E', '^CONFIG_(XEN_BLKDEV_FRONTEND|XEN_NETDEV_FRONTEND)=', `/boot/config-${RELEASE}`)]: { stdout: config },
    [inGuest('cat', `/boot/initrd.img-${RELEASE}`)]: { bytes: initramfsImage(['init', ...files], { compress: ['gzip', '-c'] }) },
  });
  test('both frontends in the guest initramfs pass', async () => {
    const r = await guestRun(answers([BLK, NET])).run(guestInitramfs);
    expect(r.status).toBe('pass');
    expect(r.evidence.at(-1)?.command).toBe(`(domU) cat /boot/initrd.img-${RELEASE}`);
  });
  test('a guest initramfs without xen-netfront (MODULES=dep) fails naming it', async () => {
    const r = await guestRun(answers([BLK])).run(guestInitramfs);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/lacks xen-netfront/);
  });
});

describe('domU.pci-passthrough', () => {
  const config = (line: string) => ({ [inGuest('sh', '-c', 'grep -E "^CONFIG_XEN_PCIDEV_FRONTEND=" /boot/config-$(uname -r) || echo none')]: { stdout: line } });
  const iommu = (line: string) => ({ 'xl dmesg': { stdout: `(XEN) Xen version 4.17.7\n${line}(XEN) Dom0 has maximum 2 VCPUs\n` } });
  test('no IOMMU is a skip that still reports the guest kernel option', async () => {
    const r = await guestRun({ ...config('CONFIG_XEN_PCIDEV_FRONTEND=m\n'), ...iommu('(XEN) I/O virtualisation disabled\n') }).run(pciPassthrough);
    expect(r.status).toBe('skip');
    expect(r.message).toMatch(/no IOMMU here \(\(XEN\) I\/O virtualisation disabled\).*XEN_PCIDEV_FRONTEND=m/);
  });
  test('xl dmesg that fails is an error, not "no IOMMU"', async () => {
    const r = await guestRun({ ...config('CONFIG_XEN_PCIDEV_FRONTEND=m\n'), 'xl dmesg': { code: 1, stderr: 'libxl: error: cannot read the console ring\n' } }).run(pciPassthrough);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/xl dmesg failed \(exit 1\): libxl: error: cannot read the console ring; whether Xen has an IOMMU could not be read/);
  });
  test('a guest kernel stripped of pcifront fails whatever the hardware', async () => {
    const r = await guestRun({ ...config('none\n'), ...iommu('(XEN) I/O virtualisation disabled\n') }).run(pciPassthrough);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/lacks CONFIG_XEN_PCIDEV_FRONTEND/);
  });
});

describe('lifecycle', () => {
  const cpus = (online: string, present = '0-1') => ({ stdout: `${online}\n${present}\n` });
  test('a vCPU the kernel noticed but nothing onlined fails with the udev remedy', async () => {
    const key = inGuest('cat', '/sys/devices/system/cpu/online', '/sys/devices/system/cpu/present');
    const r = await guestRun({ [key]: cpus('0'), 'xl vcpu-set xc-guest 2': {}, 'xl vcpu-set xc-guest 1': {} }).run(vcpuHotplug);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/noticed vCPU 1 \(present 0-1\) but nothing brought it online/);
    expect(r.remedy).toMatch(/udev rule/);
  }, 60_000);

  test('a block-attach the hotplug script refuses fails quoting xl, and one the guest never sees is detached again', async () => {
    const attach = `xl block-attach xc-guest phy:/dev/${GUEST.vg}/${GUEST.extraLv},xvdb,w`;
    const refused = await guestRun({ [attach]: { code: 1, stderr: 'libxl: error: libxl_device.c:1193:device_hotplug_child_death_cb: script: /etc/xen/scripts/block failed; error detected.\nlibxl_device_disk_add failed.\n' } }).run(diskHotplug);
    expect(refused.status).toBe('fail');
    expect(refused.message).toBe('xl block-attach failed: libxl_device_disk_add failed.');
    const { host, run } = guestRun({ [attach]: {}, 'xl block-detach xc-guest xvdb': {} });
    const unseen = await run(diskHotplug);
    expect(unseen.status).toBe('fail');
    expect(unseen.message).toBe('the guest did not see /dev/xvdb within 20 s of xl block-attach');
    expect(host.calls).toContain('xl block-detach xc-guest xvdb');
  });

  test('a guest whose MemTotal does not follow xl mem-set fails with the balloon remedy', async () => {
    const r = await guestRun({
      [inGuest('grep', '^MemTotal:', '/proc/meminfo')]: { stdout: 'MemTotal:         338212 kB\n' },
      'xl mem-set xc-guest 256m': {},
      'xl mem-set xc-guest 384m': {},
    }).run(memoryHotplug);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('after xl mem-set 256m MemTotal went 338212 -> 338212 kB, not down by about 131072 kB');
    expect(r.remedy).toMatch(/XEN_BALLOON/);
  }, 60_000);

  describe('save, restore and cold migration', () => {
    const state = inGuest('sh', '-c', 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime');
    const alive = { [state]: { stdout: '0b1f5c2e-boot\n231.4\n' } };
    test('a toolstack without its save helper fails both, naming the helper and the package', async () => {
      const out = SAVE_WITHOUT_HELPER;
      for (const [check, command] of [[saveRestore, 'xl save xc-guest /var/tmp/xc-guest.save'], [coldMigration, 'xl save -c xc-guest /var/tmp/xc-guest.save']] as const) {
        const r = await guestRun({ ...alive, [command]: { code: 1, stderr: out } }).run(check);
        expect(r.status).toBe('fail');
        expect(r.message).toMatch(/ failed: libxl cannot run the save helper \/usr\/lib\/xen-4\.17\/bin\/libxl-save-helper \(No such file or directory\)$/);
        expect(r.remedy).toMatch(/^Ship \/usr\/lib\/xen-4\.17\/bin\/libxl-save-helper in xen-utils/);
      }
    });
    test('a restore that fails quotes the first error', async () => {
      const failed = await guestRun({
        ...alive,
        'xl save xc-guest /var/tmp/xc-guest.save': {},
        'xl restore /var/tmp/xc-guest.save': { code: 3, stderr: 'Loading new save file /var/tmp/xc-guest.save (new xl fmt info 0x3/0x0/1136)\nlibxl: error: libxl_create.c:1274:domcreate_rebuild_done: Domain 4:cannot (re-)build domain: -3\nlibxl: error: libxl_domain.c:1183:libxl__destroy_domid: Domain 4:Non-existant domain\n' },
      }).run(saveRestore);
      expect(failed.message).toBe('xl restore failed: libxl: error: libxl_create.c:1274:domcreate_rebuild_done: Domain 4:cannot (re-)build domain: -3');
    });

    describe('to a migrate-to host', () => {
      const save = 'xl save -p xc-guest /var/tmp/xc-guest.save';
      // What the two ends of each copy run (the fake's relay: the sender's stdout, the receiver's answer).
      const sent = {
        [['python3', '-c', SPARSE_SEND, '/dev/xcvg/xc-guest'].join(' ')]: { stdout: 'volume' },
        'gzip -1 -c /var/tmp/xc-guest.save': { stdout: 'state' },
        'tar -C /root/.ssh -cf - xc-guest xc-guest-known-hosts': { stdout: 'key' },
      };
      const received = {
        [['python3', '-c', SPARSE_RECEIVE, '/dev/xcvg/xc-guest'].join(' ')]: {},
        [sh('gzip -dc > "$1"', '/var/tmp/xc-guest.save')]: {},
        [sh('install -d -m 700 "$1" && tar -C "$1" -xf -', '/root/.ssh')]: {},
      };
      const here = { ...alive, ...sent, [save]: {}, 'xl unpause xc-guest': {}, [inGuest('cat', '/proc/sys/kernel/random/boot_id')]: { stdout: '0b1f5c2e-boot\n' } };
      const run = async (second: Answers) => {
        const b = fakeHost(second);
        const g = guestRun(here, { migrateTo: { host: b, name: 'root@xen2:22', setup: [], volumeDigests: [] } });
        return { r: await g.run(coldMigration), a: g.host, b };
      };

      test('the guest restored there continues the same boot: pass; then the copy there goes and the guest here is unpaused', async () => {
        const { r, a, b } = await run({
          ...received,
          'xl restore /var/tmp/xc-guest.save': {},
          [inGuest('cat', '/proc/sys/kernel/random/boot_id')]: { stdout: '0b1f5c2e-boot\n' },
          [state]: { stdout: '0b1f5c2e-boot\n245.0\n' },
        });
        expect(r.message).toBe('xl save here, xl restore on root@xen2:22: the guest continued the same boot there (uptime 231 -> 245 s)');
        expect(r.status).toBe('pass');
        expect(a.calls).toContain(save);
        expect(a.calls.indexOf('xl unpause xc-guest')).toBeGreaterThan(a.calls.indexOf(save));
        expect(b.calls).toContain(`sh -c ${DESTROY_GUEST}; rm -f /var/tmp/xc-guest.save`);
        // What ran there is in the evidence under that host's name, with its exit status.
        expect(r.evidence).toContainEqual({ command: '(root@xen2:22) xl restore /var/tmp/xc-guest.save', exitCode: 0, output: '' });
        expect(r.evidence.map((e) => e.command)).toContain('(root@xen2:22) (domU) sh -c cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime');
      }, 30_000);

      test('a guest that boots afresh there fails; a restore that fails there is quoted; either way the guest here is unpaused', async () => {
        const fresh = await run({
          ...received,
          'xl restore /var/tmp/xc-guest.save': {},
          [inGuest('cat', '/proc/sys/kernel/random/boot_id')]: { stdout: '77aa-new\n' },
          [state]: { stdout: '77aa-new\n12.0\n' },
        });
        expect(fresh.r.status).toBe('fail');
        expect(fresh.r.message).toBe('restored on root@xen2:22 the guest booted afresh (new boot id) instead of continuing');
        const refused = await run({ ...received, 'xl restore /var/tmp/xc-guest.save': { code: 3, stderr: 'libxl: error: libxl_create.c:1274:domcreate_rebuild_done: Domain 4:cannot (re-)build domain: -3\n' } });
        expect(refused.r.message).toBe('xl restore on root@xen2:22 failed: libxl: error: libxl_create.c:1274:domcreate_rebuild_done: Domain 4:cannot (re-)build domain: -3');
        const lost = await run({ ...received, [['python3', '-c', SPARSE_RECEIVE, '/dev/xcvg/xc-guest'].join(' ')]: { code: 1, stderr: 'the stream ended inside a chunk' } });
        expect(lost.r.message).toBe("copying the guest's disk, save file and key to root@xen2:22 failed");
        for (const { a } of [fresh, refused, lost]) expect(a.calls).toContain('xl unpause xc-guest');
      }, 30_000);
    });
  });

  describe('domU.kernel-update', () => {
    const state = inGuest('sh', '-c', 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime');
    const mark = 'xc.kernel-update=0b1f5c2e';
    const before = {
      [inGuest('uname', '-r')]: { stdout: `${RELEASE}\n` },
      [state]: { stdout: '0b1f5c2e-boot\n231.4\n' },
      [inGuest('sh', '-c', 'printf "GRUB_CMDLINE_LINUX_DEFAULT=\\"%s\\"\\n" "$1" > /etc/default/grub.d/zz-xc-kernel-update.cfg', 'sh', mark)]: {},
    };
    const hook = inGuest('env', 'INITRD=No', 'DEBIAN_FRONTEND=noninteractive', 'dpkg-reconfigure', `linux-image-${RELEASE}`);
    test('a GRUB script that fails in a domU fails the kernel package\'s hooks, named with the package that ships it', async () => {
      const r = await guestRun({
        ...before,
        [hook]: {
          code: 1,
          stdout: '/etc/kernel/postinst.d/zz-update-grub:\n',
          stderr: "Generating grub configuration file ...\nls: cannot access '/boot/xen-*.gz': No such file or directory\nrun-parts: /etc/kernel/postinst.d/zz-update-grub exited with return code 2\n",
        },
        [inGuest('cat', '/boot/grub/grub.cfg.new')]: { stdout: '### BEGIN /etc/grub.d/00_header ###\n### END /etc/grub.d/00_header ###\n\n### BEGIN /etc/grub.d/09_xen_hypervisors ###\n' },
        [inGuest('dpkg', '-S', '/etc/grub.d/09_xen_hypervisors')]: { stdout: 'xenstore-utils: /etc/grub.d/09_xen_hypervisors\n' },
      }).run(kernelUpdate);
      expect(r.status).toBe('fail');
      expect(r.message).toBe(`dpkg-reconfigure linux-image-${RELEASE} failed in the guest (exit 1) in /etc/grub.d/09_xen_hypervisors (from xenstore-utils): ls: cannot access '/boot/xen-*.gz': No such file or directory`);
      expect(r.remedy).toMatch(/fix it in xenstore-utils/);
    });
    test('a guest that reboots into the old entry fails with its command line', async () => {
      const { host, run } = guestRun({
        ...before,
        [hook]: {},
        [inGuest('grep', '-c', mark, '/boot/grub/grub.cfg')]: { stdout: '2\n' },
        'xl reboot xc-guest': {},
        [inGuest('cat', '/proc/sys/kernel/random/boot_id')]: { stdout: 'a-new-boot\n' },
        [inGuest('cat', '/proc/cmdline')]: { stdout: `root=UUID=76e5 ro console=hvc0\n` },
      });
      const r = await run(kernelUpdate);
      expect(r.status).toBe('fail');
      expect(r.message).toBe('the guest rebooted but not into the regenerated entry (its command line: root=UUID=76e5 ro console=hvc0)');
      expect(host.calls).toContain('xl reboot xc-guest');
    });
  });

  test('memory follows within 10 %', () => {
    expect(followsWithin(-131072, -131072)).toBe(true);
    expect(followsWithin(-120000, -131072)).toBe(true);
    expect(followsWithin(0, -131072)).toBe(false);
  });

  test('sysrq that never reaches the guest fails', async () => {
    const count = inGuest('sh', '-c', 'dmesg | grep -c "Emergency Sync" || true');
    const r = await guestRun({ [count]: { stdout: '0\n' }, 'xl sysrq xc-guest s': {} }).run(sysrq);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/no new "Emergency Sync"/);
  }, 60_000);

  test('a live migration refused for want of log-dirty mode says so, and other failures quote xl', () => {
    const out = 'xc: error: Failed to enable logdirty: 95,22,0 (22 = Invalid argument): Internal error\nMigration failed, failed to suspend at sender.';
    const { message, remedy } = liveMigrationFailure(out, 'xen-utils');
    expect(message).toMatch(/log-dirty mode.*failed to suspend at sender/);
    expect(remedy).toMatch(/CONFIG_SHADOW_PAGING=y/);
    expect(liveMigrationFailure('migration target: Domain creation failed (code -3).', 'xen-utils').message).toMatch(/^xl migrate failed: migration target: Domain creation failed/);
  });

  test('a live migration goes through the same save helper: its absence is named, not the resume that follows', () => {
    // The helper's line as xl save printed it in the e2e run; xl migrate's sending side runs the same helper.
    const { message, remedy } = liveMigrationFailure(SAVE_WITHOUT_HELPER, 'xen-utils');
    expect(message).toBe('xl migrate failed: libxl cannot run the save helper /usr/lib/xen-4.17/bin/libxl-save-helper (No such file or directory)');
    expect(remedy).toMatch(/^Ship \/usr\/lib\/xen-4\.17\/bin\/libxl-save-helper in xen-utils/);
  });

  test('a PV live migration the hypervisor cannot do (no shadow paging) fails without being attempted', async () => {
    const { host, run } = guestRun({ [['sh', '-c', 'grep -H SHADOW_PAGING /boot/xen*.config || true'].join(' ')]: { stdout: '/boot/xen-4.17-amd64.config:# CONFIG_SHADOW_PAGING is not set\n' } });
    const r = await run(liveMigration);
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^not attempted: the hypervisor is built without shadow paging/);
    expect(host.calls.some((c) => c.startsWith('xl migrate'))).toBe(false);
  });

  describe('live migration to a migrate-to host and back', () => {
    const state = inGuest('sh', '-c', 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime');
    const bootId = inGuest('cat', '/proc/sys/kernel/random/boot_id');
    const clock = sh('date +%s.%N; "$@"; date +%s.%N', ...new Guest(fakeHost()).sshArgv(['date', '+%s.%N']));
    const send = MIGRATE_SEND.join(' ');
    const receive = MIGRATE_RECEIVE.join(' ');
    const digests = ['python3', '-c', CHUNK_DIGESTS, '/dev/xcvg/xc-guest'].join(' ');
    const volumeOut = ['python3', '-c', SPARSE_SEND, '/dev/xcvg/xc-guest'].join(' ');
    const volumeIn = ['python3', '-c', SPARSE_RECEIVE, '/dev/xcvg/xc-guest'].join(' ');
    const key = { 'tar -C /root/.ssh -cf - xc-guest xc-guest-known-hosts': { stdout: 'key' }, [sh('install -d -m 700 "$1" && tar -C "$1" -xf -', '/root/.ssh')]: {} };
    /** Both dom0s answer the same: each is sender and receiver once, of the guest, its volume and its state. */
    const dom0 = (migrate: Answers) => ({
      ...key,
      ...migrate,
      [digests]: { stdout: 'aa\nbb\n' },
      [volumeOut]: { stdout: 'chunks' },
      [volumeIn]: { stdout: '1 chunks written, 1048576 bytes\n' },
      'xl unpause xc-guest': {},
      [bootId]: { stdout: '0b1f5c2e-boot\n' },
      [state]: { stdout: '0b1f5c2e-boot\n231.4\n' },
      [clock]: { stdout: '100.0\n100.2\n100.4\n' },
      [`sh -c ${DESTROY_GUEST}`]: {},
    });
    const run = async (migrate: Answers, migrateThere = migrate) => {
      const b = fakeHost(dom0(migrateThere));
      const g = guestRun(dom0(migrate), { migrateTo: { host: b, name: 'root@xen2:22', setup: [], volumeDigests: [] } });
      return { r: await g.run(liveMigration), a: g.host, b };
    };

    test('there with xl migrate into xl migrate-receive -p, the volume brought up to date, unpaused, judged there; then back the same way', async () => {
      const { r, a, b } = await run({ [send]: {}, [receive]: {} });
      expect(r.message).toBe("the guest kept running through xl migrate to root@xen2:22 (uptime 231 -> 231 s), its clock within 0.00 s of that dom0's, and came back");
      expect(r.status).toBe('pass');
      // Each dom0 sends once and receives once; a receiver's volume is hashed there before the chunks go, then it runs.
      for (const [from, to] of [[a, b], [b, a]]) {
        expect(from.calls.filter((c) => c === send)).toHaveLength(1);
        expect(to.calls.filter((c) => c === receive)).toHaveLength(1);
        expect(to.calls.indexOf(digests)).toBeGreaterThan(to.calls.indexOf(receive));
        expect(to.calls.indexOf('xl unpause xc-guest')).toBeGreaterThan(to.calls.indexOf(volumeIn));
      }
      expect(r.evidence.map((e) => e.command)).toContain(`xl migrate from dom0 to root@xen2:22, through the runner: ${send} | ${receive}`);
      expect(r.evidence.map((e) => e.command)).toContain(`(root@xen2:22) ${clock}`);
    }, 30_000);

    test('a way back that fails fails the check, saying the guest ran there and where it is left', async () => {
      const { r, b } = await run({ [send]: {}, [receive]: {} }, { [send]: { code: 1, stderr: 'migration sender: Target refused to start (code -3).\n' }, [receive]: {} });
      expect(r.status).toBe('fail');
      expect(r.message).toBe('the guest ran there, but coming back from root@xen2:22: xl migrate failed: migration sender: Target refused to start (code -3).');
      expect(r.remedy).toMatch(/left on the migrate-to host/);
      expect(b.calls).toContain('xl unpause xc-guest');
    }, 30_000);

    test("Xen's refusal to log dirty pages fails it, quoting the sender; the receiver's half there is destroyed and the guest stays here", async () => {
      const { r, a, b } = await run({
        [send]: { code: 1, stderr: 'migration target: Ready to receive domain.\nxc: error: Failed to enable logdirty: 95 (95 = Operation not supported): Internal error\nMigration failed, resuming at sender.\n' },
        [receive]: { code: 1, stderr: 'migration target: Ready to receive domain.\nmigration target: Domain creation failed (code -3).\n' },
      });
      expect(r.status).toBe('fail');
      expect(r.message).toMatch(/^to root@xen2:22: Xen could not put the guest in log-dirty mode, which live migration needs: .*Migration failed, resuming at sender\.$/);
      expect(r.remedy).toMatch(/CONFIG_SHADOW_PAGING=y/);
      expect(b.calls).toContain(`sh -c ${DESTROY_GUEST}`);
      expect(b.calls).not.toContain('xl unpause xc-guest');
      expect(a.calls).not.toContain(receive);
      expect(r.evidence.find((e) => e.command.startsWith('xl migrate from dom0'))?.output).toMatch(/^exit 1 \| exit 1 in [\d.]+ s\nsending: .*\nreceiving: migration target: Ready to receive domain\./s);
    }, 30_000);
  });

  test('a guest that ignores xl shutdown is bounded, reported and destroyed, naming the stop job its console shows', async () => {
    const console = '[  OK  ] Stopped ssh.service\n[\x1b[0;1;31m*\x1b[0m] Job xenstore-hold.service/stop running (25s / no limit)\n';
    const { host, run } = guestRun({
      'stat -c %s /var/log/xc-guest-console.log': { stdout: '4096\n' },
      'timeout 120 xl shutdown -w xc-guest': { code: 124 },
      'tail -c +4097 /var/log/xc-guest-console.log': { stdout: console },
      'xl destroy xc-guest': {},
      'xl domid xc-guest': { code: 1, stderr: 'xc-guest is an invalid domain identifier' },
    });
    const r = await run(guestShutdown);
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the guest was still running 120 s after xl shutdown -w (stop jobs holding it: xenstore-hold.service); it was destroyed');
    expect(r.remedy).toMatch(/^Make xenstore-hold\.service stop within a bound/);
    expect(host.calls).toContain('xl destroy xc-guest');
  });

  test('a guest that xl destroy cannot remove either is said to be still there', async () => {
    const { run } = guestRun({ 'timeout 120 xl shutdown -w xc-guest': { code: 124 }, 'xl destroy xc-guest': { code: 1 }, 'xl domid xc-guest': { stdout: '7\n' } });
    const r = await run(guestShutdown);
    expect(r.message).toBe('the guest was still running 120 s after xl shutdown -w; xl destroy did not remove it either');
    expect(r.remedy).toMatch(/control\/shutdown/);
  });

  test('a guest that shuts down in time passes with the time it took', async () => {
    const { run } = guestRun({ 'timeout 120 xl shutdown -w xc-guest': {} });
    const r = await run(guestShutdown);
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^the guest shut down \d+\.\d s after xl shutdown -w \(bound 120 s\)$/);
  });
});

describe('check groups', () => {
  test('the static, dom0 and domU groups split the catalogue by where the checks look', () => {
    const all = [...CHECK_GROUPS.static, ...CHECK_GROUPS['host-before-reboot'], ...CHECK_GROUPS.dom0, ...CHECK_GROUPS.domU];
    expect(CHECK_GROUPS.static.every((id) => id.startsWith('static.'))).toBe(true);
    expect(all.sort()).toEqual([...CHECK_IDS].sort());
    expect(CHECK_GROUPS.domU).toContain('domU.live-migration');
    expect(CHECK_GROUPS.domU).toContain('net.vif-on-bridge');
  });
});
