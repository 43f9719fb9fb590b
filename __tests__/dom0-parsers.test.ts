// The pure parsers behind the dom0 checks, on text as the commands print it.
// Fixtures, all from Debian 12's real files:
//   kernel-config-xen-6.1.0-56-amd64.txt  READ_KERNEL_CONFIG's output for /boot/config-6.1.0-56-amd64
//   libxenlight-strings-4.17.txt          LIBXL_STRINGS's output for libxenlight.so.4.17.0 of xen-utils-4.17 4.17.7+13-g2445b30a44-0+deb12u1
//   dpkg-installed-debian12-xen.txt       DPKG_INSTALLED's output: the base image's dpkg database, plus the Xen
//                                         packages' (and qemu-system-xen's) control fields as installed
//   xen-scripts/                          /etc/xen/scripts from xen-utils-common 4.17.7+13-g2445b30a44-0+deb12u1
import { readFileSync } from 'node:fs';
import { modulesIn, parseModuleStates } from '../src/checks/dom0.js';
import { atLeast, majorMinor, parseKernelConfig, parseKernelConfigOutput, parseXlInfo } from '../src/checks/dom0facts.js';
import { parseLibxlStrings, pickLibxl } from '../src/checks/devicemodel.js';
import { parseManLookup } from '../src/checks/docs.js';
import { parseInstalled, parseOwners, parseRelations } from '../src/distro/debian/dpkg-parse.js';
import { chainTo, dependencyClosure, providers } from '../src/parsers/package-relations.js';
import { judgeHotplug, OPTIONAL_ENTRY_SCRIPTS, parseDump, parseLookup, planHotplug, udevPrograms } from '../src/checks/hotplug.js';
import { tmemGone } from '../src/checks/memory.js';
import { classifyXenpm } from '../src/checks/power.js';
import { parsePgrep } from '../src/checks/services.js';
import { parseIsEnabled, parseRcLinks } from '../src/parsers/init-state.js';
import { SCRIPT_NAMES, scriptsDump } from './helpers/xenScripts.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const SCRIPTS_DIR = new URL('./fixtures/xen-scripts/', import.meta.url);

describe('kernel config', () => {
  const out = fixture('kernel-config-xen-6.1.0-56-amd64.txt');

  test('READ_KERNEL_CONFIG output: release, source and the Xen options of the real Debian 12 config', () => {
    const cfg = parseKernelConfigOutput(out);
    expect(cfg.release).toBe('6.1.0-56-amd64');
    expect(cfg.source).toBe('/boot/config-6.1.0-56-amd64');
    expect(cfg.options.get('XEN_DOM0')).toBe('y');
    expect(cfg.options.get('XEN_BALLOON')).toBe('y');
    expect(cfg.options.get('XEN_PCIDEV_BACKEND')).toBe('m');
    expect(cfg.options.get('XENFS')).toBe('m');
    expect(cfg.options.get('XEN_BLKDEV_FRONTEND')).toBe('m');
    expect(cfg.options.get('XEN_PVCALLS_BACKEND')).toBe('n');
    expect(cfg.options.get('XEN_MEMORY_HOTPLUG_LIMIT')).toBe('512');
    expect(cfg.options.has('XEN_TMEM')).toBe(false);
  });

  test('string values lose their quotes; other lines are ignored', () => {
    const o = parseKernelConfig('CONFIG_LOCALVERSION="-x"\n#\n# Xen\n#\nrandom\nCONFIG_A=y\n');
    expect([...o]).toEqual([
      ['LOCALVERSION', '-x'],
      ['A', 'y'],
    ]);
  });
});

describe('module states', () => {
  test('MODULE_STATE lines', () => {
    const m = parseModuleStates(
      [
        'xen-blkback loadable /lib/modules/6.1.0-56-amd64/kernel/drivers/block/xen-blkback/xen-blkback.ko',
        'xen-evtchn loaded',
        'xen-pciback unloadable /lib/modules/6.1.0-56-amd64/kernel/drivers/xen/xen-pciback/xen-pciback.ko',
        'xen-acpi-processor missing',
        'xen-netback disabled /etc/modprobe.d/no-netback.conf',
        'garbage',
      ].join('\n'),
    );
    expect(m.get('xen-blkback')).toEqual({ state: 'loadable', file: '/lib/modules/6.1.0-56-amd64/kernel/drivers/block/xen-blkback/xen-blkback.ko' });
    expect(m.get('xen-evtchn')).toEqual({ state: 'loaded' });
    expect(m.get('xen-pciback')?.state).toBe('unloadable');
    expect(m.get('xen-acpi-processor')).toEqual({ state: 'missing' });
    expect(m.get('xen-netback')).toEqual({ state: 'disabled', conf: '/etc/modprobe.d/no-netback.conf' });
    expect(m.size).toBe(5);
  });
});

describe('modules in an initramfs listing', () => {
  test('compressed modules count; a directory or a similar name does not', () => {
    const listing = [
      'usr/lib/modules/6.12.57+deb13-amd64/kernel/drivers/block/xen-blkfront.ko.xz',
      'usr/lib/modules/6.12.57+deb13-amd64/kernel/drivers/net/xen-netfront.ko.zst',
      'usr/lib/modules/6.1.0-56-amd64/kernel/drivers/block/xen-blkback',
      'usr/lib/modules/6.1.0-56-amd64/kernel/drivers/net/ethernet/qlogic/netxen/netxen_nic.ko',
    ];
    expect(modulesIn(listing)).toEqual(new Set(['xen-blkfront', 'xen-netfront', 'netxen-nic']));
  });
});

describe('services', () => {
  test("systemctl is-enabled on Debian 12's SysV script: redirected to systemd-sysv-install", () => {
    const s = parseIsEnabled({
      code: 0,
      stdout: 'enabled\n',
      stderr: 'xen.service is not a native service, redirecting to systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install is-enabled xen\n',
    });
    expect(s).toEqual({ state: 'enabled', sysv: true });
  });

  test('is-enabled states: generated, native enabled/disabled, unknown unit, no systemctl', () => {
    expect(parseIsEnabled({ code: 0, stdout: 'generated\n', stderr: '' })).toEqual({ state: 'generated', sysv: true });
    expect(parseIsEnabled({ code: 0, stdout: 'enabled\n', stderr: '' })).toEqual({ state: 'enabled', sysv: false });
    expect(parseIsEnabled({ code: 1, stdout: 'disabled\n', stderr: '' })).toEqual({ state: 'disabled', sysv: false });
    expect(parseIsEnabled({ code: 1, stdout: '', stderr: 'Failed to get unit file state for xencommons.service: No such file or directory\n' })).toEqual({
      state: 'not-found',
      sysv: false,
    });
    expect(parseIsEnabled({ code: 127, stdout: '', stderr: 'sh: 1: systemctl: not found\n' })).toEqual({ state: 'no-systemctl', sysv: true });
  });

  test('rc links per name', () => {
    const links = parseRcLinks('/etc/rc2.d/S01xen\n/etc/rc3.d/S01xen\n/etc/rc5.d/S02xendomains\n/etc/rc2.d/S01xenfoo\n', ['xen', 'xendomains', 'other']);
    expect(links.get('xen')).toEqual(['2', '3']);
    expect(links.get('xendomains')).toEqual(['5']);
    expect(links.get('other')).toEqual([]);
  });

  test('pgrep -l', () => {
    expect(parsePgrep('612 oxenstored\n620 xenconsoled\n')).toEqual(['oxenstored', 'xenconsoled']);
    expect(parsePgrep('')).toEqual([]);
  });
});

describe('libxenlight strings', () => {
  test("the paths compiled into Debian 12's libxenlight 4.17", () => {
    const libs = parseLibxlStrings(fixture('libxenlight-strings-4.17.txt'));
    expect(libs).toEqual([
      {
        library: '/usr/lib/x86_64-linux-gnu/libxenlight.so.4.17.0',
        qemuXen: '/usr/libexec/xen-qemu-system-i386',
        privateBindir: '/usr/lib/xen-4.17/bin',
      },
    ]);
  });

  test('an upstream build: /usr/lib/xen/bin/qemu-system-i386 and qemu-dm; the library of the running Xen is picked', () => {
    const libs = parseLibxlStrings(
      'library /usr/lib64/libxenlight.so.4.14.0\n/usr/lib/xen/bin\n/usr/lib/xen/bin/qemu-dm\n/usr/lib/xen/bin/qemu-system-i386\nlibrary /usr/lib64/libxenlight.so.4.17.0\n/usr/libexec/xen/bin\n/usr/libexec/xen/bin/qemu-system-i386\n',
    );
    expect(pickLibxl(libs, [4, 14])).toEqual({
      library: '/usr/lib64/libxenlight.so.4.14.0',
      qemuXen: '/usr/lib/xen/bin/qemu-system-i386',
      qemuDm: '/usr/lib/xen/bin/qemu-dm',
      privateBindir: '/usr/lib/xen/bin',
    });
    expect(pickLibxl(libs, [4, 17])?.qemuXen).toBe('/usr/libexec/xen/bin/qemu-system-i386');
    expect(pickLibxl(libs, [4, 99])?.library).toBe('/usr/lib64/libxenlight.so.4.14.0');
    expect(pickLibxl([], [4, 17])).toBeUndefined();
  });
});

describe('dpkg', () => {
  const db = parseInstalled(fixture('dpkg-installed-debian12-xen.txt'));

  test('relationship fields: versions, arch qualifiers and restrictions dropped, alternatives kept', () => {
    expect(parseRelations('sysvinit-utils (>= 3.05-4~) | lsb-base, udev, python3:any, foo [amd64] <!nocheck>')).toEqual([
      ['sysvinit-utils', 'lsb-base'],
      ['udev'],
      ['python3'],
      ['foo'],
    ]);
    expect(parseRelations('')).toEqual([]);
  });

  test('the installed database: Provides and Depends of the Xen packages', () => {
    expect(db.get('xen-utils-4.17')?.provides).toEqual(['xen-utils']);
    expect(db.get('xen-hypervisor-4.17-amd64')?.provides).toEqual(['xen-hypervisor', 'xen-hypervisor-4.17', 'xen-hypervisor-amd64']);
    expect(db.get('xen-system-amd64')?.depends).toEqual([['xen-hypervisor-4.17-amd64'], ['xen-hypervisor-common'], ['xen-utils-4.17']]);
    expect(providers(db, 'xen-utils')).toEqual(['xen-utils-4.17']);
    expect(providers(db, 'xen-hypervisor')).toEqual(['xen-hypervisor-4.17-amd64']);
    expect(providers(db, 'no-such')).toEqual([]);
  });

  test('packages that are not installed are left out', () => {
    const d = parseInstalled('a\tinstall ok installed\t\t\t\nb\tdeinstall ok config-files\t\t\t\nc\tunknown ok not-installed\t\t\t\n');
    expect([...d.keys()]).toEqual(['a']);
  });

  test("xen-system-amd64's closure reaches the man pages through the tools, with the chain", () => {
    const c = dependencyClosure(db, 'xen-system-amd64');
    expect(chainTo(c, 'xen-utils-common')).toEqual(['xen-system-amd64', 'xen-utils-4.17', 'xen-utils-common']);
    expect(chainTo(c, 'xenstore-utils')).toEqual(['xen-system-amd64', 'xen-utils-4.17', 'xen-utils-common', 'xenstore-utils']);
    // python3:any is satisfied by python3; the first installed alternative is followed
    expect(c.has('python3')).toBe(true);
    expect(c.has('sysvinit-utils')).toBe(true);
  });

  test("xenstore-utils' closure does not include the toolstack", () => {
    const c = dependencyClosure(db, 'xenstore-utils');
    expect([...c.keys()].sort()).toEqual(['gcc-12-base', 'libc6', 'libgcc-s1', 'libxenstore4', 'libxentoolcore1', 'xenstore-utils']);
  });

  test('dpkg -S output', () => {
    expect(parseOwners('xen-utils-common: /usr/share/man/man1/xl.1.gz\n')).toEqual(['xen-utils-common']);
    expect(parseOwners('libc6:amd64, libc6:i386: /usr/share/doc/libc6\n')).toEqual(['libc6']);
    expect(parseOwners('diversion by foo from: /usr/bin/x\ndiversion by foo to: /usr/bin/x.real\nbar: /usr/bin/x\n')).toEqual(['bar']);
    expect(parseOwners('dpkg-query: no path found matching pattern /usr/bin/xenstore-read\n')).toEqual([]);
  });
});

describe('man -w lookup', () => {
  test('found, missing, and no man command', () => {
    const r = parseManLookup('found 1:xl /usr/share/man/man1/xl.1.gz\nmissing 5:xl.cfg\n');
    expect(r).toEqual({ noMan: false, found: new Map([['1:xl', '/usr/share/man/man1/xl.1.gz']]), missing: ['5:xl.cfg'] });
    expect(parseManLookup('no-man\nfound 1:xl /usr/share/man/man1/xl.1.gz\n').noMan).toBe(true);
  });
});

describe('xenpm answers (xenpm 4.17 messages)', () => {
  const r = (stdout: string, stderr = '', code = 0) => ({ code, stdout, stderr });
  test('answers', () => {
    expect(classifyXenpm('get-cpu-topology', r('CPU\tcore\tsocket\tnode\nCPU0\t 0\t 0\t 0\nCPU1\t 0\t 1\t 0\n'))).toEqual({ kind: 'ok' });
    expect(classifyXenpm('get-cpufreq-para', r('cpu id               : 0\naffected_cpus        : 0\ncpuinfo frequency    : max [3400000] min [800000] cur [3400000]\nscaling_driver       : acpi-cpufreq\n'))).toEqual({
      kind: 'ok',
    });
    expect(classifyXenpm('get-cpuidle-states', r('All C-states allowed\n\ncpu id               : 0\ntotal C-states       : 2\n'))).toEqual({ kind: 'ok' });
  });

  test('what a VM cannot report is unavailable, with the reason', () => {
    expect(classifyXenpm('get-cpufreq-para', r('', 'Xen cpufreq is not enabled!\n', 0))).toEqual({ kind: 'unavailable', reason: 'Xen cpufreq is not enabled!' });
    expect(classifyXenpm('get-cpuidle-states', r('All C-states allowed\n\n', 'Either Xen cpuidle is disabled or no valid information is registered!\n', 19))).toEqual({
      kind: 'unavailable',
      reason: 'Either Xen cpuidle is disabled or no valid information is registered!',
    });
    expect(classifyXenpm('get-cpu-topology', r('', 'Cannot get Xen CPU topology (38 - Function not implemented)\n', 38)).kind).toBe('unavailable');
  });

  test('xenpm itself broken: cannot run, crashed, no handle, unknown command', () => {
    expect(classifyXenpm('get-cpu-topology', r('', 'sh: 1: xenpm: not found', 127)).kind).toBe('broken');
    expect(classifyXenpm('get-cpu-topology', r('', '', 139))).toEqual({ kind: 'broken', reason: 'xenpm get-cpu-topology died (exit 139)' });
    expect(classifyXenpm('get-cpu-topology', r('', 'failed to get the handler\n'))).toEqual({ kind: 'broken', reason: 'failed to get the handler' });
    expect(classifyXenpm('get-cpufreq-para', r('', 'usage: xenpm <command> [args]\n')).kind).toBe('broken');
  });
});

describe('versions', () => {
  test('xl info fields and major.minor', () => {
    const info = parseXlInfo('xen_major              : 4\nxen_minor              : 17\nxen_version            : 4.17.7\nxen_caps               : xen-3.0-x86_64 hvm-3.0-x86_32 \n');
    expect(info).toMatchObject({ xen_major: '4', xen_minor: '17', xen_version: '4.17.7', xen_caps: 'xen-3.0-x86_64 hvm-3.0-x86_32' });
    expect(majorMinor('6.1.0-56-amd64')).toEqual([6, 1]);
    expect(majorMinor('4.19.0-27-amd64')).toEqual([4, 19]);
    expect(majorMinor('unknown')).toBeUndefined();
    expect(atLeast([4, 17], [4, 13])).toBe(true);
    expect(atLeast([4, 12], [4, 13])).toBe(false);
    expect(atLeast([5, 0], [4, 21])).toBe(true);
  });

  test('tmem: gone from Xen 4.13 and Linux 5.3 on', () => {
    expect(tmemGone([4, 17], [6, 1])).toBe('Xen removed tmem in 4.13 and Linux removed its tmem driver in 5.3');
    expect(tmemGone([4, 11], [5, 10])).toBe('Linux removed its tmem driver in 5.3');
    expect(tmemGone([4, 13], [4, 19])).toBe('Xen removed tmem in 4.13');
    expect(tmemGone([4, 11], [4, 19])).toBeUndefined();
  });
});

describe('hotplug', () => {
  test('the dump splits into files, with the executable bit and the text byte for byte', () => {
    const { scripts, rules } = parseDump(scriptsDump());
    expect(scripts.map((s) => s.name)).toEqual(SCRIPT_NAMES);
    const bridge = scripts.find((s) => s.name === 'vif-bridge')!;
    expect(bridge).toMatchObject({ path: '/etc/xen/scripts/vif-bridge', executable: true });
    expect(bridge.text).toBe(readFileSync(new URL('vif-bridge', SCRIPTS_DIR), 'utf8'));
    expect(scripts.find((s) => s.name === 'locking.sh')!.executable).toBe(false);
    expect(rules).toEqual([]);
  });

  test('udev rules: one file per name (/lib/udev and /usr/lib/udev are the same directory); RUN programs', () => {
    const rule = 'SUBSYSTEM=="xen-backend", KERNEL=="vbd*", RUN+="/etc/xen/scripts/block $env{ACTION}"\n# RUN+="/not/this"\nKERNEL=="vif*", RUN+="vif-helper"\n';
    const { rules } = parseDump(`@@xc-file@@ r /lib/udev/rules.d/xen-backend.rules\n${rule}\n@@xc-file@@ r /usr/lib/udev/rules.d/xen-backend.rules\n${rule}\n`);
    expect(rules.map((r) => r.path)).toEqual(['/lib/udev/rules.d/xen-backend.rules']);
    expect(udevPrograms(rules[0].text)).toEqual(['/etc/xen/scripts/block', '/lib/udev/vif-helper']);
  });

  test('plan on the real scripts: the core set, the PATH of hotplugpath.sh, what to look up', () => {
    const { scripts, rules } = parseDump(scriptsDump());
    const plan = planHotplug(scripts, rules);
    expect(plan.problems).toEqual([]);
    // vif-bridge and block (what libxl runs by default) and what they source; not vif-route or vif-nat
    expect(plan.core.sort()).toEqual(
      ['block', 'block-common.sh', 'hotplugpath.sh', 'locking.sh', 'logging.sh', 'vif-bridge', 'vif-common.sh', 'xen-hotplug-common.sh', 'xen-network-common.sh', 'xen-script-common.sh'].sort(),
    );
    expect(plan.path).toBe('/usr/bin:/usr/sbin:/usr/lib/xen-4.17/bin');
    expect(plan.lookups).toEqual(expect.arrayContaining(['/bin/bash', 'flock', 'ifconfig', 'ip', 'logger', 'stat', 'xenstore-read', 'drbdadm', 'ovs-vsctl']));
    expect(plan.lookups).not.toContain('iptables');
  });

  test('plan for the optional network modes: vif-route, vif-nat and what they source', () => {
    const { scripts, rules } = parseDump(scriptsDump());
    expect(OPTIONAL_ENTRY_SCRIPTS).toEqual(['vif-route', 'vif-nat']);
    const plan = planHotplug(scripts, rules, OPTIONAL_ENTRY_SCRIPTS);
    expect(plan.problems).toEqual([]);
    expect(plan.core.sort()).toEqual(
      ['hotplugpath.sh', 'locking.sh', 'logging.sh', 'vif-common.sh', 'vif-nat', 'vif-route', 'xen-hotplug-common.sh', 'xen-network-common.sh', 'xen-script-common.sh'].sort(),
    );
  });

  test('plan: a missing entry script, a missing sourced library, a script that lost its x bit', () => {
    const { scripts, rules } = parseDump(scriptsDump({ except: ['vif-bridge', 'locking.sh'], notExecutable: ['block'] }));
    expect(planHotplug(scripts, rules).problems).toEqual([
      'vif-bridge is not installed',
      'xen-hotplug-common.sh sources locking.sh, which is not installed',
      'block has a #! line but is not executable',
    ]);
  });

  test('plan: a missing optional entry script is a problem only of the optional plan', () => {
    const { scripts, rules } = parseDump(scriptsDump({ except: ['vif-nat'] }));
    expect(planHotplug(scripts, rules).problems).toEqual([]);
    expect(planHotplug(scripts, rules, OPTIONAL_ENTRY_SCRIPTS).problems).toEqual(['vif-nat is not installed']);
  });

  test('judge: what only vif-route/vif-nat call is optional for the default plan, missing for the optional one', () => {
    const { scripts, rules } = parseDump(scriptsDump());
    const plan = planHotplug(scripts, rules);
    const found = new Map(plan.lookups.map((n) => [n, ['ifconfig', 'drbdadm', 'drbdsetup', 'ovs-vsctl', 'iscsiadm', 'multipath'].includes(n) ? null : `/usr/bin/${n}`]));
    const v = judgeHotplug(plan, found);
    expect(v.missing).toEqual([]);
    expect(v.culprits).toEqual([]);
    expect(v.optional).toEqual([
      'drbdadm (block-drbd-probe:34, block-drbd-probe:35, block-drbd-probe:51, block-drbd-probe:75, ...)',
      'drbdsetup (block-drbd-probe:69)',
      'ifconfig (vif-nat:175, vif-route:26)',
      'iscsiadm (block-iscsi:103, block-iscsi:112, block-iscsi:114, block-iscsi:130)',
      'multipath (block-iscsi:89)',
      'ovs-vsctl (vif-openvswitch:82, vif-openvswitch:96)',
    ]);
    const o = judgeHotplug(planHotplug(scripts, rules, OPTIONAL_ENTRY_SCRIPTS), found);
    expect(o.missing).toEqual(['ifconfig (vif-nat:175, vif-route:26)']);
    expect(o.culprits).toEqual(['vif-nat', 'vif-route']);
    expect(o.optional).toEqual([
      'drbdadm (block-drbd-probe:34, block-drbd-probe:35, block-drbd-probe:51, block-drbd-probe:75, ...)',
      'drbdsetup (block-drbd-probe:69)',
      'iscsiadm (block-iscsi:103, block-iscsi:112, block-iscsi:114, block-iscsi:130)',
      'multipath (block-iscsi:89)',
      'ovs-vsctl (vif-openvswitch:82, vif-openvswitch:96)',
    ]);
  });

  test('judge: a program vif-bridge calls unguarded missing fails, with where it is used', () => {
    const { scripts, rules } = parseDump(scriptsDump());
    const plan = planHotplug(scripts, rules);
    const found = new Map(plan.lookups.map((n) => [n, n === 'ip' ? null : `/usr/bin/${n}`]));
    const v = judgeHotplug(plan, found);
    expect(v.missing).toEqual(['ip (vif-bridge:73, vif-common.sh:75, vif-common.sh:79, vif-common.sh:226, ...)']);
    expect(v.culprits).toEqual(['vif-bridge', 'vif-common.sh', 'xen-network-common.sh']);
    expect(v.optional).toEqual([]);
  });

  test('judge: a missing interpreter or udev RUN program fails', () => {
    const plan = planHotplug(
      parseDump(scriptsDump()).scripts,
      parseDump('@@xc-file@@ r /etc/udev/rules.d/xen.rules\nRUN+="/etc/xen/scripts/gone"\n').rules,
    );
    const found = new Map(plan.lookups.map((n) => [n, n === '/bin/bash' || n === '/etc/xen/scripts/gone' ? null : n]));
    const v = judgeHotplug(plan, found);
    expect(v.missing[0]).toMatch(/^interpreter \/bin\/bash \(block, block-drbd-probe, /);
    expect(v.missing[1]).toBe('/etc/xen/scripts/gone (RUN by /etc/udev/rules.d/xen.rules)');
  });

  test('lookup lines', () => {
    expect(parseLookup('found ip /usr/sbin/ip\nmissing ifconfig\nfound /bin/bash /bin/bash\n')).toEqual(
      new Map([
        ['ip', '/usr/sbin/ip'],
        ['ifconfig', null],
        ['/bin/bash', '/bin/bash'],
      ]),
    );
  });
});
