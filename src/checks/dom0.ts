// Dom0 support in the distro kernel: the options a dom0 needs are built in or
// shipped as loadable modules, and the initramfs carries the PV drivers.
import { type Check, fail, pass } from './check.js';
import { readKernelConfig } from './dom0facts.js';
import { initramfsNames } from '../parsers/initramfs.js';

const SEED_DOM0 = 'Dom0 support in Linux';
const SEED_PV = 'Test that the paravirtualized driver is always included in the ramdisks';

/** What a dom0 needs from its kernel, and the module each option builds when =m. */
export const DOM0_OPTIONS: { option: string; module?: string; what: string }[] = [
  { option: 'XEN_DOM0', what: 'dom0 support' },
  { option: 'XEN_BLKDEV_BACKEND', module: 'xen-blkback', what: 'block backend' },
  { option: 'XEN_NETDEV_BACKEND', module: 'xen-netback', what: 'network backend' },
  { option: 'XEN_DEV_EVTCHN', module: 'xen-evtchn', what: '/dev/xen/evtchn' },
  { option: 'XEN_GNTDEV', module: 'xen-gntdev', what: '/dev/xen/gntdev' },
  { option: 'XENFS', module: 'xenfs', what: '/proc/xen' },
  { option: 'XEN_BALLOON', what: 'memory ballooning' },
  { option: 'XEN_PCIDEV_BACKEND', module: 'xen-pciback', what: 'PCI passthrough backend' },
  { option: 'XEN_ACPI_PROCESSOR', module: 'xen-acpi-processor', what: 'ACPI P/C-states to Xen' },
];

/**
 * For each module name: "NAME loaded" (in /sys/module), "NAME loadable FILE"
 * (modinfo finds it and modprobe -n accepts it), "NAME unloadable FILE",
 * "NAME disabled CONF" (modprobe would run /bin/true or /bin/false instead,
 * by an install directive in CONF: modprobe -n alone does not tell) or
 * "NAME missing".
 */
export const MODULE_STATE = [
  'for m in "$@"; do',
  '  u=$(printf %s "$m" | tr - _)',
  '  if [ -d "/sys/module/$u" ]; then echo "$m loaded"; continue; fi',
  '  f=$(modinfo -F filename "$m" 2>/dev/null)',
  '  if [ -z "$f" ]; then echo "$m missing"; continue; fi',
  '  if ! dry=$(modprobe -n -v "$m" 2>/dev/null); then echo "$m unloadable $f"; continue; fi',
  "  if printf '%s\\n' \"$dry\" | grep -Eq '^install (/usr)?/bin/(true|false)( |$)'; then",
  "    p=$(printf %s \"$m\" | sed 's/[-_]/[-_]/g')",
  "    c=$(grep -rlE \"^[[:space:]]*install[[:space:]]+$p[[:space:]]\" /etc/modprobe.d /run/modprobe.d /usr/lib/modprobe.d /lib/modprobe.d 2>/dev/null | head -n 1)",
  '    echo "$m disabled ${c:-modprobe.d}"; continue',
  '  fi',
  '  echo "$m loadable $f"',
  'done',
].join('\n');

export type ModuleState = { state: 'loaded' } | { state: 'loadable' | 'unloadable'; file: string } | { state: 'disabled'; conf: string } | { state: 'missing' };

export function parseModuleStates(text: string): Map<string, ModuleState> {
  const out = new Map<string, ModuleState>();
  for (const line of text.split('\n')) {
    const m = /^(\S+) (loaded|loadable|unloadable|disabled|missing)(?: (.+))?$/.exec(line.trim());
    if (!m) continue;
    const [, name, state, more] = m;
    if (state === 'loaded' || state === 'missing') out.set(name, { state });
    else if (state === 'disabled') out.set(name, { state, conf: more ?? 'modprobe.d' });
    else out.set(name, { state: state as 'loadable' | 'unloadable', file: more ?? '' });
  }
  return out;
}

export const kernelConfig: Check = {
  id: 'dom0.kernel-config',
  title: "The running kernel's config has what a dom0 needs: built in, or as modules that are installed and load",
  where: 'dom0',
  seed: SEED_DOM0,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const cfg = await readKernelConfig(ctx);
    if (cfg.error) {
      return fail(
        `the config of the running kernel ${cfg.release} cannot be read (${cfg.error})`,
        'Ship the kernel config as /boot/config-<release> in the kernel package (or build with CONFIG_IKCONFIG_PROC).',
      );
    }
    const builtIn: string[] = [];
    const modules: string[] = [];
    const problems: string[] = [];
    /** modprobe.d files whose install directives disable a dom0 module. */
    const disabledBy: string[] = [];
    const asModules = DOM0_OPTIONS.filter((o) => cfg.options.get(o.option) === 'm');
    const states = new Map<string, ModuleState>();
    if (asModules.some((o) => o.module)) {
      const r = await ctx.run(['sh', '-c', MODULE_STATE, 'sh', ...asModules.flatMap((o) => (o.module ? [o.module] : []))]);
      parseModuleStates(r.stdout).forEach((v, k) => states.set(k, v));
    }
    for (const o of DOM0_OPTIONS) {
      const v = cfg.options.get(o.option);
      const name = `CONFIG_${o.option}`;
      if (v === 'y') builtIn.push(o.option);
      else if (v === 'm') {
        const s = o.module ? states.get(o.module) : undefined;
        if (!o.module) problems.push(`${name}=m, but no module is known for it`);
        else if (!s || s.state === 'missing') problems.push(`${name}=m, but module ${o.module} is not installed for ${cfg.release}`);
        else if (s.state === 'unloadable') problems.push(`${name}=m, but module ${o.module} (${s.file}) does not load (modprobe -n fails)`);
        else if (s.state === 'disabled') {
          problems.push(`${name}=m, but module ${o.module} is disabled: ${s.conf} has modprobe run /bin/true or /bin/false instead of loading it`);
          disabledBy.push(s.conf);
        } else modules.push(`${o.module} ${s.state}`);
      } else problems.push(`${name} ${v === 'n' ? 'is not set' : v === undefined ? 'is missing' : `=${v}`} (${o.what})`);
    }
    if (problems.length) {
      const undo = disabledBy.length ? `Drop the install directives that disable dom0 modules from ${[...new Set(disabledBy)].join(', ')} (${ctx.profile.packages.ownerQueryHint} names the package shipping it): a dom0 needs them.` : '';
      // Only disabled modules: the kernel is fine, and the advice is only about the file that disables them.
      const rebuild = problems.length > disabledBy.length
        ? `Build the distro kernel with these options =y, or =m with the module in the kernel package and its dependencies resolvable by modprobe (depmod run for ${cfg.release}).`
        : '';
      return fail(`${cfg.source}: ${problems.join('; ')}`, [undo, rebuild].filter(Boolean).join(' '));
    }
    return pass(`${cfg.source}: ${DOM0_OPTIONS.length} dom0 options present; built in: ${builtIn.join(', ') || 'none'}; modules: ${modules.join(', ') || 'none'}`);
  },
};

/** The PV frontends an installer's or a guest's initramfs needs, and their config options. */
export const PV_DRIVERS = [
  { module: 'xen-blkfront', option: 'XEN_BLKDEV_FRONTEND' },
  { module: 'xen-netfront', option: 'XEN_NETDEV_FRONTEND' },
];

/** The PV frontends that neither the kernel builds in nor the initramfs carries, and where each one is. */
export function pvDriversIn(builtIn: string[], inImage: Set<string>): { missing: (typeof PV_DRIVERS)[number][]; found: string } {
  return {
    missing: PV_DRIVERS.filter((d) => !builtIn.includes(d.module) && !inImage.has(d.module)),
    found: PV_DRIVERS.map((d) => `${d.module} ${builtIn.includes(d.module) ? 'built in' : 'in the initramfs'}`).join(', '),
  };
}

/** Module names (xen-blkfront...) whose .ko (plain, .xz, .zst, .gz) is among the paths. */
export function modulesIn(paths: string[]): Set<string> {
  const found = new Set<string>();
  for (const p of paths) {
    const m = /(?:^|\/)([A-Za-z0-9_-]+)\.ko(?:\.(?:xz|zst|gz))?$/.exec(p.trim());
    if (m) found.add(m[1].replace(/_/g, '-'));
  }
  return found;
}

export const initramfsDrivers: Check = {
  id: 'boot.initramfs-drivers',
  title: "The running kernel's initramfs carries the PV block and network frontends (or they are built in)",
  where: 'dom0',
  seed: SEED_PV,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const cfg = await readKernelConfig(ctx);
    if (!cfg.release) throw new Error('uname -r gave no kernel release');
    const builtIn = PV_DRIVERS.filter((d) => cfg.options.get(d.option) === 'y').map((d) => d.module);
    const image = ctx.profile.initramfs.image(cfg.release);
    let inImage = new Set<string>();
    if (builtIn.length < PV_DRIVERS.length) {
      const bytes = await ctx.readFile(image);
      if (!bytes) {
        return fail(`the running kernel ${cfg.release} has no initramfs (${image} cannot be read)`, 'Generate the initramfs from the kernel package\'s postinst (initramfs-tools or dracut hook).');
      }
      inImage = modulesIn(await initramfsNames(bytes));
    }
    const { missing, found } = pvDriversIn(builtIn, inImage);
    if (missing.length) {
      return fail(
        `${image} lacks ${missing.map((d) => d.module).join(' and ')} and the kernel does not build ${missing.length > 1 ? 'them' : 'it'} in (${missing.map((d) => `CONFIG_${d.option}=${cfg.options.get(d.option) ?? 'missing'}`).join(', ')})`,
        'Have the initramfs generator include the Xen PV frontends by default (initramfs-tools: MODULES=most includes drivers/block and drivers/net, or a hook adding xen-blkfront and xen-netfront; dracut: add_drivers+=" xen-blkfront xen-netfront "), or build them in (=y).',
      );
    }
    return pass(`${found} (${image})`);
  },
};

export const dom0Checks: Check[] = [kernelConfig, initramfsDrivers];
