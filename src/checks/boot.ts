// Dom0 support and the boot config: the distro's tool generates a Xen entry,
// makes it the default, and the machine comes back in dom0 cleanly.
import { stripVTControlCharacters } from 'node:util';
import { type Check, excerpt, fail, pass } from './check.js';
import { defaultEntry, isXenEntry, parseGrubCfg } from '../parsers/grubcfg.js';

const SEED_BOOT = 'mkinitrd, mkinitramfs and dracut';
const SEED_DOM0 = 'Dom0 support in Linux';

export const grubXenEntry: Check = {
  id: 'boot.grub-xen-entry',
  title: 'The generated boot config has a Xen entry (multiboot2 Xen, module2 kernel and initrd)',
  where: 'host-before-reboot',
  seed: SEED_BOOT,
  async run(ctx) {
    const cfg = await ctx.run(['cat', ctx.profile.boot.configPath]);
    if (cfg.code !== 0) return fail(`${ctx.profile.boot.configPath} cannot be read`, 'Make sure the boot-config tool ran after installing the Xen packages.');
    const xen = parseGrubCfg(cfg.stdout).entries.filter(isXenEntry);
    if (xen.length === 0) {
      return fail(
        `no entry in ${ctx.profile.boot.configPath} loads Xen with multiboot2 and the dom0 kernel and initrd as modules`,
        `Ship the boot loader's Xen script (GRUB's 20_linux_xen) and run ${ctx.profile.boot.regenerateCommand().join(' ')} from the hypervisor package's postinst.`,
      );
    }
    return pass(`${xen.length} Xen entries, first: "${[...xen[0].path, xen[0].title].join(' > ')}"`);
  },
};

export const defaultIsXen: Check = {
  id: 'boot.default-is-xen',
  title: 'After installing the dom0 packages, the default boot entry is the Xen one',
  where: 'host-before-reboot',
  seed: SEED_DOM0,
  async run(ctx) {
    const cfg = await ctx.run(['cat', ctx.profile.boot.configPath]);
    if (cfg.code !== 0) return fail(`${ctx.profile.boot.configPath} cannot be read`, 'Make sure the boot-config tool ran after installing the Xen packages.');
    const env = await ctx.run(['cat', ctx.profile.boot.savedDefaultPath]);
    const parsed = parseGrubCfg(cfg.stdout);
    const entry = defaultEntry(parsed, env.code === 0 ? env.stdout : '');
    const said = `set default="${parsed.defaultValue ?? '0'}"`;
    if (!entry) return fail(`${said} names no entry in ${ctx.profile.boot.configPath}`, 'Make GRUB_DEFAULT name an entry that exists.');
    const name = [...entry.path, entry.title].join(' > ');
    if (!isXenEntry(entry)) {
      return fail(
        `the default entry (${said}) is "${name}", which does not boot Xen`,
        ctx.profile.boot.xenDefaultAdvice,
      );
    }
    return pass(`the default entry is "${name}"`);
  },
};

export const reachesDom0: Check = {
  id: 'boot.reaches-dom0',
  title: 'The machine reboots into Xen with a working dom0, running the candidate hypervisor',
  where: 'dom0',
  seed: SEED_DOM0,
  async run(ctx) {
    const { bootIdBeforeReboot: before, bootIdAfterReboot: after, hypervisorPackage: hv } = ctx.facts;
    if (!before || !after || before === after) return fail('no new boot was seen after the reboot', 'See the serial log for why the machine did not reboot.');
    const caps = await ctx.run(['cat', '/proc/xen/capabilities']);
    const cmdline = await ctx.run(['cat', '/proc/cmdline']);
    if (caps.code !== 0 || !caps.stdout.includes('control_d')) {
      return fail(
        `the machine came back (new boot id) but not as Xen's dom0: /proc/xen/capabilities ${caps.code !== 0 ? 'is missing' : `says "${caps.stdout.trim()}"`}; kernel command line: ${cmdline.stdout.trim()}`,
        'The default boot entry must start Xen with this kernel as dom0; see boot.default-is-xen and the serial log.',
      );
    }
    const info = await ctx.run(['xl', 'info']);
    if (info.code !== 0) return fail('xl info does not answer in dom0', 'The toolstack (xenstored, libxl) must work after boot: check the Xen init scripts.');
    const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(info.stdout)?.[1]?.trim();
    const running = `${field('xen_major')}.${field('xen_minor')}`;
    const want = hv ? ctx.profile.hypervisorXenVersion(hv) : undefined;
    if (!want) return fail(`Xen ${field('xen_version')} runs, but no hypervisor package from the candidates is installed`, 'Include the hypervisor package in the candidate set.');
    if (running !== want) {
      return fail(`Xen ${field('xen_version')} runs, but the candidate hypervisor is ${hv!.name} ${hv!.version}`, 'The boot entry loads another Xen than the one installed: check /boot and the boot config.');
    }
    return pass(`dom0 up under Xen ${field('xen_version')} (${hv!.name} ${hv!.version}), boot id changed`);
  },
};

/** Lines of a boot log that mean something went badly wrong. */
export const SERIAL_ALARMS = [
  /Kernel panic/,
  /\(XEN\) .*Panic/i,
  /\bOops\b/,
  /\bBUG:/,
  /general protection fault/,
  /Call Trace:/,
  /segfault at/,
  /Failed to start .*/,
  /You are in emergency mode/,
];

export function serialAlarms(log: string): string[] {
  return log.split('\n').filter((l) => SERIAL_ALARMS.some((re) => re.test(l))).map((l) => stripVTControlCharacters(l).trim());
}

export const serialClean: Check = {
  id: 'boot.serial-clean',
  title: "Dom0's boot shows no panic, no crash and no failed systemd unit",
  where: 'dom0',
  seed: SEED_DOM0,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const alarms = serialAlarms(ctx.facts.serialSinceReboot ?? '');
    ctx.note('serial console since the reboot (alarming lines)', alarms.join('\n') || '(none)');
    const failed = await ctx.run(['systemctl', 'list-units', '--failed', '--plain', '--no-legend', '--no-pager']);
    const units = failed.stdout.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
    const problems = [...(units.length ? [`failed units: ${units.join(', ')}`] : []), ...alarms.slice(0, 5)];
    if (problems.length) {
      return fail(excerpt(problems.join('; '), 10, 600), 'Read the serial log (serial.log in the report) from the reboot on; a failed unit says why with journalctl -u <unit>.');
    }
    return pass('no panic, oops or failed unit');
  },
};

export const bootChecks: Check[] = [grubXenEntry, defaultIsXen, reachesDom0, serialClean];
