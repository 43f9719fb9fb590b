// Each dom0 check run through runChecks against a fake host that answers as
// Debian 12 with its Xen 4.17 packages does (fixtures from the real files;
// see dom0-parsers.test.ts), then with one thing broken: a pass, and a fail
// for the right reason.
import { readFileSync } from 'node:fs';
import type { Check, RunFacts } from '../src/checks/check.js';
import { DOM0_OPTIONS, dom0Checks, initramfsDrivers, kernelConfig, MODULE_STATE } from '../src/checks/dom0.js';
import { READ_KERNEL_CONFIG } from '../src/checks/dom0facts.js';
import { deviceModelChecks, IS_EXECUTABLE, LIBXL_STRINGS, qemuTraditional, qemuXen } from '../src/checks/devicemodel.js';
import { docsChecks, MAN_LOOKUP, manPages, XL_PAGES } from '../src/checks/docs.js';
import { DPKG_INSTALLED } from '../src/distro/debian/dpkg-parse.js';
import { DUMP_SCRIPTS, hotplugChecks, hotplugScripts, LOOKUP_COMMANDS, parseDump, planHotplug, UDEV_RULE_DIRS } from '../src/checks/hotplug.js';
import { memoryChecks, tmem } from '../src/checks/memory.js';
import { metaPackage, packagingChecks, xenstoreUtilsSeparate } from '../src/checks/packaging.js';
import { powerChecks, xenpm } from '../src/checks/power.js';
import { serviceChecks, servicesEnabled, servicesRunning } from '../src/checks/services.js';
import { RC_LINKS } from '../src/parsers/init-state.js';
import { profileFor } from '../src/distro/index.js';
import type { CheckResult } from '../src/report/types.js';
import { runChecks } from '../src/suite.js';
import { type Answers, fakeHost, runCheck, sh } from './helpers/fakeHost.js';
import { initramfsImage } from './helpers/initramfs.js';
import { scriptsDump } from './helpers/xenScripts.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const profile = profileFor('debian-12');
const RELEASE = '6.1.0-56-amd64';


const XL_INFO = (major = 4, minor = 17, version = `${major}.${minor}.7`) =>
  [
    'host                   : xenhost',
    `release                : ${RELEASE}`,
    'machine                : x86_64',
    'nr_cpus                : 2',
    `xen_major              : ${major}`,
    `xen_minor              : ${minor}`,
    `xen_extra              : ${version.slice(`${major}.${minor}`.length)}`,
    `xen_version            : ${version}`,
    'xen_scheduler          : credit2',
  ].join('\n') + '\n';

const KCONFIG = fixture('kernel-config-xen-6.1.0-56-amd64.txt');
/** Where Debian 12's initramfs-tools puts the two frontends, in a gzip'd image as it makes one. */
const INITRD_FILES = ['init', `usr/lib/modules/${RELEASE}/kernel/drivers/block/xen-blkfront.ko`, `usr/lib/modules/${RELEASE}/kernel/drivers/net/xen-netfront.ko`, `usr/lib/modules/${RELEASE}/modules.order`];
const INITRD = initramfsImage(INITRD_FILES, { compress: ['gzip', '-c'] });
/** The config with some options changed (value undefined: the line removed). */
const kconfigWith = (changes: Record<string, string | undefined>) =>
  KCONFIG.split('\n')
    .filter((l) => !Object.keys(changes).some((k) => new RegExp(`^(# )?CONFIG_${k}[= ]`).test(l)))
    .concat(Object.entries(changes).flatMap(([k, v]) => (v === undefined ? [] : [v === 'n' ? `# CONFIG_${k} is not set` : `CONFIG_${k}=${v}`])))
    .join('\n');

const MODULES = DOM0_OPTIONS.filter((o) => o.module && !['XEN_DOM0', 'XEN_BALLOON'].includes(o.option)).map((o) => o.module!);
const ko = (dir: string, m: string) => `/lib/modules/${RELEASE}/kernel/drivers/${dir}/${m}.ko`;
// After the boot: Debian's init script loaded xenfs, xen-evtchn, xen-gntdev and xen-acpi-processor.
const MODULE_STATES = [
  `xen-blkback loadable ${ko('block/xen-blkback', 'xen-blkback')}`,
  `xen-netback loadable ${ko('net/xen-netback', 'xen-netback')}`,
  'xen-evtchn loaded',
  'xen-gntdev loaded',
  'xenfs loaded',
  `xen-pciback loadable ${ko('xen/xen-pciback', 'xen-pciback')}`,
  'xen-acpi-processor loaded',
].join('\n');

const SYSV_REDIRECT = (u: string) => `${u}.service is not a native service, redirecting to systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install is-enabled ${u}\n`;
const RC = ['2', '3', '4', '5'].flatMap((l) => [`/etc/rc${l}.d/S01xen`, `/etc/rc${l}.d/S02xendomains`]).join('\n') + '\n';

const XENSTORE_LS = [
  'tool = ""',
  ' xenstored = ""',
  'local = ""',
  ' domain = ""',
  '  0 = ""',
  '   control = ""',
  '    feature-poweroff = "1"',
  '   domid = "0"',
  '   name = "Domain-0"',
].join('\n') + '\n';

const QEMU_PATH = '/usr/libexec/xen-qemu-system-i386';
const QEMU_VERSION = 'QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n';

const DPKG = fixture('dpkg-installed-debian12-xen.txt');
/** The installed database with one package's line replaced (or added). */
const dpkgWith = (name: string, line: string | undefined) =>
  DPKG.split('\n')
    .filter((l) => !l.startsWith(`${name}\t`))
    .concat(line ? [line] : [])
    .join('\n');

const MAN_KEYS = XL_PAGES.map(([s, n]) => `${s}:${n}`);
const manFound = (except: string[] = []) =>
  MAN_KEYS.map((k) => {
    const [s, n] = k.split(':');
    return except.includes(k) ? `missing ${k}` : `found ${k} /usr/share/man/man${s}/${n}.${s}.gz`;
  }).join('\n') + '\n';

// The hotplug scripts: what the check will look up is computed from the real scripts.
const HOTPLUG_PLAN = planHotplug(parseDump(scriptsDump()).scripts, []);
const lookupAnswer = (missing: string[] = []) =>
  HOTPLUG_PLAN.lookups.map((n) => (missing.includes(n) ? `missing ${n}` : `found ${n} ${n.startsWith('/') ? n : `/usr/bin/${n}`}`)).join('\n') + '\n';
const DUMP_KEY = sh(DUMP_SCRIPTS, '/etc/xen/scripts', ...UDEV_RULE_DIRS);
const LOOKUP_KEY = sh(LOOKUP_COMMANDS, HOTPLUG_PLAN.path, ...HOTPLUG_PLAN.lookups);

/** A dom0 booted into Debian 12's Xen 4.17 with the archive's packages (Recommends included). */
function dom0(over: Answers = {}): Answers {
  return {
    'xl info': { stdout: XL_INFO() },
    'uname -r': { stdout: `${RELEASE}\n` },
    [sh(READ_KERNEL_CONFIG, 'XEN')]: { stdout: KCONFIG },
    [sh(MODULE_STATE, ...MODULES)]: { stdout: MODULE_STATES },
    [`cat /boot/initrd.img-${RELEASE}`]: { bytes: INITRD },
    'systemctl is-enabled xen': { stdout: 'enabled\n', stderr: SYSV_REDIRECT('xen') },
    'systemctl is-enabled xendomains': { stdout: 'enabled\n', stderr: SYSV_REDIRECT('xendomains') },
    [sh(RC_LINKS, 'xen', 'xendomains')]: { stdout: RC },
    'pgrep -l -x xenstored|oxenstored': { stdout: '612 oxenstored\n' },
    'pgrep -l -x xenconsoled': { stdout: '620 xenconsoled\n' },
    'xenstore-ls': { stdout: XENSTORE_LS },
    [sh(LIBXL_STRINGS)]: { stdout: fixture('libxenlight-strings-4.17.txt') },
    [sh(IS_EXECUTABLE, QEMU_PATH)]: { stdout: `-rwxr-xr-x 1 root root 13198752 Nov  4 16:52 ${QEMU_PATH}\n` },
    [`${QEMU_PATH} --version`]: { stdout: QEMU_VERSION },
    [sh(IS_EXECUTABLE, '/usr/lib/xen-4.17/bin/qemu-dm')]: { code: 1 },
    [DUMP_KEY]: { stdout: scriptsDump() },
    [LOOKUP_KEY]: { stdout: lookupAnswer() },
    [DPKG_INSTALLED.join(' ')]: { stdout: DPKG },
    'dpkg -S /usr/share/man/man1/xl.1*': { stdout: 'xen-utils-common: /usr/share/man/man1/xl.1.gz\n' },
    'dpkg -S /usr/bin/xenstore-read': { stdout: 'xenstore-utils: /usr/bin/xenstore-read\n' },
    [sh(MAN_LOOKUP, ...MAN_KEYS)]: { stdout: manFound() },
    'sh -c command -v xenpm': { stdout: '/usr/sbin/xenpm\n' },
    'xenpm get-cpu-topology': { stdout: 'CPU\tcore\tsocket\tnode\nCPU0\t 0\t 0\t 0\nCPU1\t 0\t 1\t 0\n' },
    'xenpm get-cpuidle-states': { stdout: 'All C-states allowed\n\ncpu id               : 0\ntotal C-states       : 2\nidle time(ms)        : 51234\n' },
    'xenpm get-cpufreq-para': {
      stdout: 'cpu id               : 0\naffected_cpus        : 0\ncpuinfo frequency    : max [3400000] min [800000] cur [3400000]\nscaling_driver       : acpi-cpufreq\n',
    },
    ...over,
  };
}

async function runOne(check: Check, answers: Answers, facts: RunFacts = {}): Promise<CheckResult> {
  return runCheck(check, fakeHost(answers), facts);
}

describe('the exported arrays', () => {
  test('each area exports its checks, all in dom0, after boot.reaches-dom0, with the ids of the interface', () => {
    const all = [...dom0Checks, ...serviceChecks, ...deviceModelChecks, ...hotplugChecks, ...packagingChecks, ...docsChecks, ...powerChecks, ...memoryChecks];
    expect(all.map((c) => c.id)).toEqual([
      'dom0.kernel-config',
      'boot.initramfs-drivers',
      'services.enabled',
      'services.running',
      'devicemodel.qemu-xen',
      'devicemodel.qemu-traditional',
      'hotplug.scripts',
      'packaging.meta-package',
      'packaging.xenstore-utils-separate',
      'docs.man-pages',
      'power.xenpm',
      'memory.tmem',
    ]);
    for (const c of all) expect(c).toMatchObject({ where: 'dom0', after: ['boot.reaches-dom0'] });
  });
});

describe('dom0.kernel-config', () => {
  test('passes on the Debian 12 kernel: built in or modules that are loaded or load', async () => {
    const r = await runOne(kernelConfig, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^\/boot\/config-6\.1\.0-56-amd64: 9 dom0 options present; built in: XEN_DOM0, XEN_BALLOON; modules: xen-blkback loadable, /);
    expect(r.evidence.map((e) => e.command)).toEqual([sh(READ_KERNEL_CONFIG, 'XEN'), sh(MODULE_STATE, ...MODULES)]);
  });

  test('fails naming an option that is not set and a module that is not installed', async () => {
    const r = await runOne(
      kernelConfig,
      dom0({
        [sh(READ_KERNEL_CONFIG, 'XEN')]: { stdout: kconfigWith({ XEN_PCIDEV_BACKEND: 'n' }) },
        [sh(MODULE_STATE, ...MODULES.filter((m) => m !== 'xen-pciback'))]: { stdout: MODULE_STATES.replace('xen-netback loadable', 'xen-netback missing').replace(/ \/lib\/modules\S+xen-netback\.ko/, '') },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toContain('CONFIG_XEN_NETDEV_BACKEND=m, but module xen-netback is not installed for 6.1.0-56-amd64');
    expect(r.message).toContain('CONFIG_XEN_PCIDEV_BACKEND is not set (PCI passthrough backend)');
    expect(r.remedy).toMatch(/=y, or =m with the module in the kernel package/);
  });

  test('fails naming a module that modprobe.d disables (install ... /bin/false), and the file that does it', async () => {
    const r = await runOne(
      kernelConfig,
      dom0({ [sh(MODULE_STATE, ...MODULES)]: { stdout: MODULE_STATES.replace(/^xen-pciback loadable .*$/m, 'xen-pciback disabled /etc/modprobe.d/xen-no-passthrough.conf') } }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toBe(
      '/boot/config-6.1.0-56-amd64: CONFIG_XEN_PCIDEV_BACKEND=m, but module xen-pciback is disabled: /etc/modprobe.d/xen-no-passthrough.conf has modprobe run /bin/true or /bin/false instead of loading it',
    );
    expect(r.remedy).toMatch(/^Drop the install directives that disable dom0 modules from \/etc\/modprobe\.d\/xen-no-passthrough\.conf \(dpkg -S names the package shipping it\): a dom0 needs them\.$/);
  });

  test('a disabled module and a missing one: both remedies, the file first', async () => {
    const states = MODULE_STATES.replace(/^xen-pciback loadable .*$/m, 'xen-pciback disabled /etc/modprobe.d/xen-no-passthrough.conf').replace(/^xen-acpi-processor .*$/m, 'xen-acpi-processor missing');
    const r = await runOne(kernelConfig, dom0({ [sh(MODULE_STATE, ...MODULES)]: { stdout: states } }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/xen-pciback is disabled.*; CONFIG_XEN_ACPI_PROCESSOR=m, but module xen-acpi-processor is not installed/);
    expect(r.remedy).toMatch(/^Drop the install directives .*a dom0 needs them\. Build the distro kernel with these options/);
  });

  test('fails when the running kernel has no config', async () => {
    const r = await runOne(kernelConfig, dom0({ [sh(READ_KERNEL_CONFIG, 'XEN')]: { code: 3, stdout: `release ${RELEASE}\n`, stderr: 'no kernel config: neither /boot/config-6.1.0-56-amd64 nor /proc/config.gz' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/config of the running kernel 6\.1\.0-56-amd64 cannot be read/);
  });
});

describe('boot.initramfs-drivers', () => {
  test("passes: the real initramfs of 6.1.0-56-amd64 has both frontends", async () => {
    const r = await runOne(initramfsDrivers, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('xen-blkfront in the initramfs, xen-netfront in the initramfs (/boot/initrd.img-6.1.0-56-amd64)');
    expect(r.evidence.at(-1)).toEqual({ command: 'cat /boot/initrd.img-6.1.0-56-amd64', exitCode: 0, output: `${INITRD.length} bytes, read on the runner` });
  });

  test('passes without listing the initramfs when both are built in', async () => {
    const r = await runOne(initramfsDrivers, dom0({ [sh(READ_KERNEL_CONFIG, 'XEN')]: { stdout: kconfigWith({ XEN_BLKDEV_FRONTEND: 'y', XEN_NETDEV_FRONTEND: 'y' }) } }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/xen-blkfront built in, xen-netfront built in/);
    expect(r.evidence).toHaveLength(1);
  });

  test('fails naming the frontend the initramfs lacks', async () => {
    const initrd = initramfsImage(INITRD_FILES.filter((f) => !f.endsWith('xen-netfront.ko')), { compress: ['gzip', '-c'] });
    const r = await runOne(initramfsDrivers, dom0({ [`cat /boot/initrd.img-${RELEASE}`]: { bytes: initrd } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('/boot/initrd.img-6.1.0-56-amd64 lacks xen-netfront and the kernel does not build it in (CONFIG_XEN_NETDEV_FRONTEND=m)');
    expect(r.remedy).toMatch(/xen-netfront/);
  });

  test('fails when the running kernel has no initramfs', async () => {
    const r = await runOne(initramfsDrivers, dom0({ [`cat /boot/initrd.img-${RELEASE}`]: { code: 1, stderr: 'cat: /boot/initrd.img-6.1.0-56-amd64: No such file or directory' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the running kernel 6.1.0-56-amd64 has no initramfs (/boot/initrd.img-6.1.0-56-amd64 cannot be read)');
    expect(r.evidence.at(-1)).toEqual({ command: 'cat /boot/initrd.img-6.1.0-56-amd64', exitCode: 1, output: 'cat: /boot/initrd.img-6.1.0-56-amd64: No such file or directory' });
  });

  test('an image that is not an initramfs is an error (the check cannot judge it), not a pass', async () => {
    const r = await runOne(initramfsDrivers, dom0({ [`cat /boot/initrd.img-${RELEASE}`]: { bytes: Buffer.from('garbage') } }));
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/not an initramfs/);
  });
});

describe('services.enabled', () => {
  test("passes on Debian 12's SysV scripts with their S links", async () => {
    const r = await runOne(servicesEnabled, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('enabled at boot: xen (SysV, S links in rc2,3,4,5), xendomains (SysV, S links in rc2,3,4,5)');
  });

  test('passes for a generated unit with S links too', async () => {
    const r = await runOne(servicesEnabled, dom0({ 'systemctl is-enabled xen': { stdout: 'generated\n' }, 'systemctl is-enabled xendomains': { stdout: 'generated\n' } }));
    expect(r.status).toBe('pass');
  });

  test('fails when a script has no S links (update-rc.d never ran)', async () => {
    const r = await runOne(
      servicesEnabled,
      dom0({
        'systemctl is-enabled xendomains': { code: 1, stdout: 'disabled\n', stderr: SYSV_REDIRECT('xendomains') },
        [sh(RC_LINKS, 'xen', 'xendomains')]: { stdout: RC.split('\n').filter((l) => !l.includes('xendomains')).join('\n') },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xendomains is a SysV script without S links in /etc/rc[2-5].d (systemctl: disabled)');
    expect(r.remedy).toMatch(/update-rc\.d <name> defaults/);
  });

  test('fails when a unit is not installed at all', async () => {
    const r = await runOne(
      servicesEnabled,
      dom0({ 'systemctl is-enabled xen': { code: 1, stderr: 'Failed to get unit file state for xen.service: No such file or directory\n' }, [sh(RC_LINKS, 'xen', 'xendomains')]: { stdout: '' } }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^xen is not installed/);
  });
});

describe('services.running', () => {
  test('passes: oxenstored and xenconsoled run, xenstore-ls answers', async () => {
    const r = await runOne(servicesRunning, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('oxenstored and xenconsoled run; xenstore-ls lists 9 lines');
  });

  test('fails when xenconsoled is not running and xenstore does not answer', async () => {
    const r = await runOne(
      servicesRunning,
      dom0({ 'pgrep -l -x xenconsoled': { code: 1 }, 'xenstore-ls': { code: 1, stderr: 'xenstore-ls: could not connect to xenstored\n' } }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toBe('no xenconsoled process; xenstore-ls fails (exit 1: xenstore-ls: could not connect to xenstored)');
    expect(r.remedy).toMatch(/journalctl -b -u xen/);
  });
});

describe('devicemodel.qemu-xen', () => {
  test("passes: libxl's compiled-in path exists and runs", async () => {
    const r = await runOne(qemuXen, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('/usr/libexec/xen-qemu-system-i386 (from /usr/lib/x86_64-linux-gnu/libxenlight.so.4.17.0) runs: QEMU emulator version 7.2.19 (Debian 1:7.2+dfsg-7+deb12u18+b3)');
  });

  test('fails naming qemu-system-xen when the device model is not installed (a Recommends that was skipped)', async () => {
    const r = await runOne(qemuXen, dom0({ [sh(IS_EXECUTABLE, QEMU_PATH)]: { code: 1 } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('libxl (/usr/lib/x86_64-linux-gnu/libxenlight.so.4.17.0) starts HVM guests with /usr/libexec/xen-qemu-system-i386, which is not installed');
    expect(r.remedy).toMatch(/pull in qemu-system-xen, which provides \/usr\/libexec\/xen-qemu-system-i386/);
  });

  test('fails when the device model is there but does not run', async () => {
    const r = await runOne(qemuXen, dom0({ [`${QEMU_PATH} --version`]: { code: 127, stderr: `${QEMU_PATH}: error while loading shared libraries: libspice-server.so.1: cannot open shared object file\n` } }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/--version fails \(exit 127\): .*libspice-server/);
  });

  test('is an error, not a pass, when no libxenlight is found', async () => {
    const r = await runOne(qemuXen, dom0({ [sh(LIBXL_STRINGS)]: { code: 3, stderr: 'no libxenlight.so found' } }));
    expect(r.status).toBe('error');
  });
});

describe('devicemodel.qemu-traditional', () => {
  test('is not applicable on Xen 4.17 (not built by default since 4.16), naming the version seen', async () => {
    const r = await runOne(qemuTraditional, dom0());
    expect(r.status).toBe('not-applicable');
    expect(r.message).toBe(
      'Xen 4.17.7 runs (xl info): since Xen 4.16 qemu-xen-traditional is not built unless configured with --enable-qemu-traditional (removed in 4.21), and this build does not ship it (no /usr/lib/xen-4.17/bin/qemu-dm)',
    );
  });

  test('is not applicable from Xen 4.21 on, where it was removed', async () => {
    const r = await runOne(qemuTraditional, dom0({ 'xl info': { stdout: XL_INFO(4, 21, '4.21.0') } }));
    expect(r.status).toBe('not-applicable');
    expect(r.message).toBe('Xen 4.21.0 runs (xl info): qemu-xen-traditional was removed from Xen in 4.21');
  });

  const OLD_LIBXL = 'library /usr/lib/x86_64-linux-gnu/libxenlight.so.4.14.0\n/usr/lib/xen-4.14/bin\n/usr/lib/xen-4.14/bin/qemu-system-i386\n';
  test('passes on an older Xen when qemu-dm is where libxl looks', async () => {
    const r = await runOne(
      qemuTraditional,
      dom0({
        'xl info': { stdout: XL_INFO(4, 14, '4.14.6') },
        [sh(LIBXL_STRINGS)]: { stdout: OLD_LIBXL },
        [sh(IS_EXECUTABLE, '/usr/lib/xen-4.14/bin/qemu-dm')]: { stdout: '-rwxr-xr-x 1 root root 4012345 Oct  1  2023 /usr/lib/xen-4.14/bin/qemu-dm\n' },
      }),
    );
    expect(r.status).toBe('pass');
    expect(r.message).toBe('Xen 4.14.6 runs (xl info): /usr/lib/xen-4.14/bin/qemu-dm is installed');
  });

  test('fails on an older Xen when qemu-dm is missing', async () => {
    const r = await runOne(
      qemuTraditional,
      dom0({ 'xl info': { stdout: XL_INFO(4, 14, '4.14.6') }, [sh(LIBXL_STRINGS)]: { stdout: OLD_LIBXL }, [sh(IS_EXECUTABLE, '/usr/lib/xen-4.14/bin/qemu-dm')]: { code: 1 } }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/builds qemu-xen-traditional by default, but \/usr\/lib\/xen-4\.14\/bin\/qemu-dm .* is not an executable file/);
  });
});

describe('hotplug.scripts', () => {
  test('passes when everything the core scripts call is installed; optional backends only noted', async () => {
    const r = await runOne(hotplugScripts, dom0({ [LOOKUP_KEY]: { stdout: lookupAnswer(['drbdadm', 'drbdsetup', 'ovs-vsctl', 'iscsiadm', 'multipath']) } }));
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/^17 files in \/etc\/xen\/scripts; every program and interpreter that vif-bridge, block and the 8 files they source call is installed \(33 of 38 names/);
    expect(r.message).toMatch(/no Xen udev rules \(libxl runs the scripts itself\)/);
    expect(r.message).toMatch(/used only by optional backends' scripts or after checking for them: drbdadm \(block-drbd-probe:34, .*ovs-vsctl \(vif-openvswitch:82, vif-openvswitch:96\)$/);
    expect(r.evidence.map((e) => e.command)).toEqual([DUMP_KEY, LOOKUP_KEY, 'static scan of the scripts']);
  });

  test('warns, not fails, when only vif-route and vif-nat call ifconfig and nothing installed it (Debian 12 without net-tools)', async () => {
    const r = await runOne(hotplugScripts, dom0({ [LOOKUP_KEY]: { stdout: lookupAnswer(['ifconfig']) } }));
    expect(r.status).toBe('warn');
    expect(r.message).toBe('the default scripts work, but vif-route and vif-nat call programs that are not installed: ifconfig (vif-nat:175, vif-route:26)');
    expect(r.remedy).toBe(
      'Guests configured with script=vif-route or script=vif-nat would fail to start: have the tools package Recommend or Depend on what provides ifconfig, or use ip (iproute2) in those scripts.',
    );
    // a warning needs no owning package: no dpkg -S
    expect(r.evidence.map((e) => e.command)).toEqual([DUMP_KEY, LOOKUP_KEY, 'static scan of the scripts']);
  });

  test('fails when ip, which vif-bridge and what it sources call unguarded, is missing, naming the package to fix', async () => {
    const r = await runOne(
      hotplugScripts,
      dom0({ [LOOKUP_KEY]: { stdout: lookupAnswer(['ip', 'ifconfig']) }, 'dpkg -S /etc/xen/scripts/vif-bridge': { stdout: 'xen-utils-common: /etc/xen/scripts/vif-bridge\n' } }),
    );
    expect(r.status).toBe('fail');
    // ifconfig, needed only by vif-route/vif-nat, is noted after the failure, not counted in it
    expect(r.message).toBe(
      "not installed: ip (vif-bridge:73, vif-common.sh:75, vif-common.sh:79, vif-common.sh:226, ...); not installed, used only by optional backends' scripts or after checking for them: ifconfig (vif-nat:175, vif-route:26)",
    );
    expect(r.remedy).toMatch(/^xen-utils-common must make its scripts work as installed: add a Depends on the packages that provide the missing programs/);
    expect(r.evidence.map((e) => e.command)).toEqual([DUMP_KEY, LOOKUP_KEY, 'static scan of the scripts', 'dpkg -S /etc/xen/scripts/vif-bridge']);
  });

  test('fails when the interpreter of block and vif-bridge is missing', async () => {
    const r = await runOne(
      hotplugScripts,
      dom0({ [LOOKUP_KEY]: { stdout: lookupAnswer(['/bin/bash']) }, 'dpkg -S /etc/xen/scripts/block': { stdout: 'xen-utils-common: /etc/xen/scripts/block\n' } }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^not installed: interpreter \/bin\/bash \(block, .*vif-bridge, /);
    expect(r.remedy).toMatch(/^xen-utils-common must make its scripts work as installed/);
  });

  test('fails when a library the scripts source is missing and a script lost its x bit', async () => {
    const dump = scriptsDump({ except: ['locking.sh'], notExecutable: ['vif-bridge'] });
    const plan = planHotplug(parseDump(dump).scripts, []);
    const r = await runOne(
      hotplugScripts,
      dom0({
        [DUMP_KEY]: { stdout: dump },
        [sh(LOOKUP_COMMANDS, plan.path, ...plan.lookups)]: { stdout: plan.lookups.map((n) => `found ${n} /usr/bin/${n}`).join('\n') },
        'dpkg -S /etc/xen/scripts/vif-bridge': { stdout: 'xen-utils-common: /etc/xen/scripts/vif-bridge\n' },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xen-hotplug-common.sh sources locking.sh, which is not installed; vif-bridge has a #! line but is not executable');
  });
});

describe('packaging.meta-package', () => {
  test('passes: xen-system-amd64 pulls in the hypervisor, the tools and the man pages, with the chains', async () => {
    const r = await runOne(metaPackage, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe(
      'xen-system-amd64 pulls in the hypervisor: xen-system-amd64 → xen-hypervisor-4.17-amd64; the tools: xen-system-amd64 → xen-utils-4.17; the xl man page: xen-system-amd64 → xen-utils-4.17 → xen-utils-common',
    );
  });

  test('fails when the man pages are in a package nothing in the closure depends on', async () => {
    const r = await runOne(
      metaPackage,
      dom0({
        [DPKG_INSTALLED.join(' ')]: { stdout: dpkgWith('xen-doc', 'xen-doc\tinstall ok installed\t\t\t') },
        'dpkg -S /usr/share/man/man1/xl.1*': { stdout: 'xen-doc: /usr/share/man/man1/xl.1.gz\n' },
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toBe("xen-system-amd64's Depends/Pre-Depends closure lacks the xl man page (xen-doc is installed, but not through xen-system-amd64's Depends)");
    expect(r.remedy).toMatch(/xen-utils-common/);
  });

  test('fails when the meta package is not installed', async () => {
    const r = await runOne(metaPackage, dom0({ [DPKG_INSTALLED.join(' ')]: { stdout: dpkgWith('xen-system-amd64', undefined) } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('the meta package xen-system-amd64 is not installed');
  });
});

describe('packaging.xenstore-utils-separate', () => {
  test("passes: xenstore-utils' Depends do not reach xen-utils-4.17", async () => {
    const r = await runOne(xenstoreUtilsSeparate, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('/usr/bin/xenstore-read is in xenstore-utils, whose 5 Depends (libc6, libxenstore4, libgcc-s1, libxentoolcore1, gcc-12-base) do not include xen-utils-4.17');
  });

  test('fails naming the chain that pulls in the toolstack', async () => {
    const db = dpkgWith('xenstore-utils', 'xenstore-utils\tinstall ok installed\t\t\tlibc6 (>= 2.34), libxenstore4 (>= 4.16.0), xen-utils-common')
      .split('\n')
      .map((l) => (l.startsWith('xen-utils-common\t') ? `${l}, xen-utils-4.17 | xen-utils` : l))
      .join('\n');
    const r = await runOne(xenstoreUtilsSeparate, dom0({ [DPKG_INSTALLED.join(' ')]: { stdout: db } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xenstore-utils (which ships /usr/bin/xenstore-read) pulls in the full toolstack: xenstore-utils → xen-utils-common → xen-utils-4.17');
  });

  test('fails when the toolstack package itself ships xenstore-read', async () => {
    const r = await runOne(xenstoreUtilsSeparate, dom0({ 'dpkg -S /usr/bin/xenstore-read': { stdout: 'xen-utils-4.17: /usr/bin/xenstore-read\n' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('/usr/bin/xenstore-read is shipped by xen-utils-4.17, the full toolstack package');
  });
});

describe('docs.man-pages', () => {
  test('passes when man -w finds every xl page', async () => {
    const r = await runOne(manPages, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('xl(1), xl.cfg(5), xl.conf(5), xl-disk-configuration(5), xl-network-configuration(5), xlcpupool.cfg(5) found: /usr/share/man/man1/xl.1.gz, ...');
  });

  test('fails listing the pages man cannot find, and names the package that should ship them', async () => {
    const r = await runOne(manPages, dom0({ [sh(MAN_LOOKUP, ...MAN_KEYS)]: { stdout: manFound(['5:xl.cfg', '5:xlcpupool.cfg']) } }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^xl\.cfg\(5\), xlcpupool\.cfg\(5\) not found; found: xl\(1\), /);
    expect(r.remedy).toMatch(/in xen-utils-common/);
  });
});

describe('power.xenpm', () => {
  test('passes when xenpm answers all three queries', async () => {
    const r = await runOne(xenpm, dom0());
    expect(r.status).toBe('pass');
    expect(r.message).toBe('xenpm (/usr/sbin/xenpm) answers get-cpu-topology, get-cpuidle-states, get-cpufreq-para');
  });

  test('warns, with the reasons, when the VM has no cpufreq or cpuidle data', async () => {
    const r = await runOne(
      xenpm,
      dom0({
        'xenpm get-cpuidle-states': { stdout: 'All C-states allowed\n\n', stderr: 'Either Xen cpuidle is disabled or no valid information is registered!\n', code: 19 },
        'xenpm get-cpufreq-para': { stderr: 'Xen cpufreq is not enabled!\n' },
      }),
    );
    expect(r.status).toBe('warn');
    expect(r.message).toBe(
      'xenpm answers get-cpu-topology, but this platform does not report get-cpuidle-states ("Either Xen cpuidle is disabled or no valid information is registered!"), get-cpufreq-para ("Xen cpufreq is not enabled!"): under an emulator or without the ACPI data (xen-acpi-processor) that is expected',
    );
  });

  test('fails when xenpm is not installed', async () => {
    const r = await runOne(xenpm, dom0({ 'sh -c command -v xenpm': { code: 1 } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xenpm is not installed');
  });

  test('an exit it does not recognise is an error saying so, never the platform\'s warning', async () => {
    const r = await runOne(xenpm, dom0({ 'xenpm get-cpufreq-para': { stderr: 'xenpm: something new went wrong\n', code: 3 } }));
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/xenpm get-cpufreq-para exited 3: xenpm: something new went wrong; neither an answer nor a platform that has no data/);
  });

  test('fails when xenpm cannot talk to Xen', async () => {
    const r = await runOne(xenpm, dom0({ 'xenpm get-cpu-topology': { stderr: 'failed to get the handler\n' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('xenpm (/usr/sbin/xenpm) does not work: get-cpu-topology: failed to get the handler');
  });
});

describe('memory.tmem', () => {
  test('is not applicable on Xen 4.17 with Linux 6.1, naming both versions', async () => {
    const r = await runOne(tmem, dom0());
    expect(r.status).toBe('not-applicable');
    expect(r.message).toBe('Xen 4.17.7, Linux 6.1.0-56-amd64: Xen removed tmem in 4.13 and Linux removed its tmem driver in 5.3');
  });

  const OLD = { 'xl info': { stdout: XL_INFO(4, 11, '4.11.4') }, 'uname -r': { stdout: '4.19.0-27-amd64\n' } };
  test('passes on Xen 4.11 with Linux 4.19 when the kernel has tmem and xl tmem-list works', async () => {
    const r = await runOne(tmem, dom0({ ...OLD, [sh(READ_KERNEL_CONFIG, 'XEN')]: { stdout: kconfigWith({ XEN_TMEM: 'm' }) }, 'xl tmem-list -a': { stdout: '' } }));
    expect(r.status).toBe('pass');
    expect(r.message).toBe('Xen 4.11.4, Linux 4.19.0-27-amd64: CONFIG_XEN_TMEM=m, xl tmem-list -a answers');
  });

  test('fails there when the kernel lacks CONFIG_XEN_TMEM', async () => {
    const r = await runOne(tmem, dom0({ ...OLD, [sh(READ_KERNEL_CONFIG, 'XEN')]: { stdout: kconfigWith({ XEN_TMEM: 'n' }) }, 'xl tmem-list -a': { stdout: '' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('Xen 4.11.4, Linux 4.19.0-27-amd64: CONFIG_XEN_TMEM is not set');
  });
});
