// Dom0 support and the boot config: the distro's tool generates a Xen entry,
// makes it the default, and the machine comes back in dom0 cleanly.
import { stripVTControlCharacters } from 'node:util';
import { type Check, type CheckContext, excerpt, fail, pass } from './check.js';
import { defaultEntry, type GrubEntry, isXenEntry, lineChanges, parseGrubCfg, xenEntryFiles } from '../parsers/grubcfg.js';
import { lastLines } from '../proc.js';

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
    const problems = await whatGrubCannotLoad(ctx, xen);
    if (problems.length) {
      return fail(
        `${xen.length} Xen entries, but GRUB cannot boot them: ${problems.join('; ')}`,
        `The boot entry must load what the packages ship: check the hypervisor file in /boot (a whole, multiboot2 image) and the boot config snippet the packages add, then run ${ctx.profile.boot.regenerateCommand().join(' ')} again.`,
      );
    }
    return pass(`${xen.length} Xen entries, first: "${[...xen[0].path, xen[0].title].join(' > ')}"; the config parses and GRUB can load what they name`);
  },
};

/**
 * What GRUB would stumble on in these entries, checked on the host with
 * GRUB's own tools: the config's syntax, the hypervisor as a multiboot2
 * image (whole, when compressed: GRUB decompresses all of it), the modules
 * present. A path in grub.cfg is relative to GRUB's root: /boot on its own
 * partition drops the /boot prefix.
 */
async function whatGrubCannotLoad(ctx: CheckContext, entries: GrubEntry[]): Promise<string[]> {
  const { configPath, grubTools } = ctx.profile.boot;
  const problems: string[] = [];
  const syntax = await ctx.run([grubTools.scriptCheck, configPath]);
  if (syntax.code !== 0) problems.push(`${grubTools.scriptCheck} ${configPath} says: ${lastLines(syntax.stdout + syntax.stderr, 2).join(' | ') || `exit ${syntax.code}`}`);
  const onHost = async (p: string) => {
    for (const candidate of [p, `/boot${p}`]) if ((await ctx.run(['test', '-f', candidate])).code === 0) return candidate;
    return undefined;
  };
  const hypervisors = new Set(entries.map((e) => xenEntryFiles(e).hypervisor).filter((p): p is string => !!p));
  const modules = new Set(entries.flatMap((e) => xenEntryFiles(e).modules));
  for (const h of hypervisors) {
    const file = await onHost(h);
    if (!file) {
      problems.push(`the hypervisor ${h} does not exist`);
      continue;
    }
    if ((await ctx.run([grubTools.file, '--is-x86-multiboot2', file])).code !== 0) problems.push(`${file} is not a multiboot2 image (${grubTools.file} --is-x86-multiboot2)`);
    if (file.endsWith('.gz')) {
      const whole = await ctx.run(['gzip', '-t', file]);
      if (whole.code !== 0) problems.push(`${file} is not a whole gzip stream (gzip -t: ${lastLines(whole.stderr, 1).join('') || `exit ${whole.code}`}): GRUB cannot decompress it`);
    }
  }
  for (const m of modules) if (!(await onHost(m))) problems.push(`the module ${m} does not exist`);
  return problems;
}

export const defaultIsXen: Check = {
  id: 'boot.default-is-xen',
  title: 'Installing the dom0 packages makes the Xen entry the default (as the install leaves the boot config, and after regenerating it)',
  where: 'host-before-reboot',
  seed: SEED_DOM0,
  async run(ctx) {
    const { configPath, savedDefaultPath } = ctx.profile.boot;
    const cfg = await ctx.run(['cat', configPath]);
    if (cfg.code !== 0) return fail(`${configPath} cannot be read`, 'Make sure the boot-config tool ran after installing the Xen packages.');
    const env = await ctx.run(['cat', savedDefaultPath]);
    const now = judgeDefault(cfg.stdout, env.code === 0 ? env.stdout : '', configPath);
    if (!now.xen) return fail(now.words, now.advice ?? ctx.profile.boot.xenDefaultAdvice);
    // The checklist's install step updates the boot entries itself; regenerating them is a second step.
    const installed = ctx.facts.bootConfigAfterInstall;
    if (!installed) return pass(now.words);
    const regenerate = ctx.profile.boot.regenerateCommand().join(' ');
    ctx.note(`${configPath} as the install left it (before ${regenerate})`, installed.config ?? '(could not be read)');
    const then = judgeDefault(installed.config ?? '', installed.savedDefault ?? '', configPath);
    if (!then.xen) {
      return fail(
        `right after the install, ${then.words}; only ${regenerate} afterwards made the Xen entry the default`,
        `Installing the packages must update the boot entries (the checklist's flow): run ${regenerate} from the hypervisor package's postinst, after its boot config snippet is in place.`,
      );
    }
    const changed = lineChanges(installed.config ?? '', cfg.stdout);
    const what = changed.added + changed.removed ? `${regenerate} then changed ${changed.added + changed.removed} lines` : `${regenerate} changed nothing`;
    return pass(`${now.words}, already as the install left it; ${what}`);
  },
};

/** The default entry of a boot config in words, and whether it boots Xen. */
function judgeDefault(cfgText: string, grubenv: string, configPath: string): { xen: boolean; words: string; advice?: string } {
  const parsed = parseGrubCfg(cfgText);
  const entry = defaultEntry(parsed, grubenv);
  const said = `set default="${parsed.defaultValue ?? '0'}"`;
  if (!entry) return { xen: false, words: `${said} names no entry in ${configPath}`, advice: 'Make GRUB_DEFAULT name an entry that exists.' };
  const name = [...entry.path, entry.title].join(' > ');
  return isXenEntry(entry) ? { xen: true, words: `the default entry is "${name}"` } : { xen: false, words: `the default entry (${said}) is "${name}", which does not boot Xen` };
}

export const reachesDom0: Check = {
  id: 'boot.reaches-dom0',
  title: 'The machine reboots into Xen with a working dom0, running the candidate hypervisor',
  where: 'dom0',
  seed: SEED_DOM0,
  async run(ctx) {
    const { bootIdBeforeReboot: before, bootIdAfterReboot: after, hypervisorPackage: hv, bootFailure } = ctx.facts;
    if (bootFailure) {
      ctx.note('serial console since the reboot (the lines that show it)', bootFailure.lines.join('\n'));
      return bootFailure.kind === 'grub'
        ? fail(
            `GRUB could not boot the default entry: ${bootFailure.words.replace(/^GRUB: /, '')}`,
            `The boot entry the candidates generated loads a file GRUB cannot load: check what the Xen entry in ${ctx.profile.boot.configPath} loads (grub.cfg in the report) against the files the hypervisor package ships in /boot.`,
          )
        : fail(
            `the machine panicked while booting into Xen: ${bootFailure.words}`,
            'Read the serial lines in the evidence: the candidate hypervisor, the dom0 kernel or the boot options the candidates set (their /etc/default/grub.d snippet) bring the machine down.',
          );
    }
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
