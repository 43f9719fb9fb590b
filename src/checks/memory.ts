// TMEM / Ramster: only where it still exists. Upstream removed tmem from Xen
// in 4.13 and the Linux driver (drivers/xen/tmem.c) in 5.3.
import { type Check, fail, notApplicable, pass } from './check.js';
import { atLeast, fmt, kernelRelease, majorMinor, readKernelConfig, runningXen, type Version } from './dom0facts.js';

const SEED = 'TMEM / Ramster';

export const TMEM_REMOVED_XEN: Version = [4, 13];
export const TMEM_REMOVED_LINUX: Version = [5, 3];

/** Why tmem does not apply to this Xen and kernel, or undefined when it does. */
export function tmemGone(xen: Version | undefined, linux: Version | undefined): string | undefined {
  const why: string[] = [];
  if (xen && atLeast(xen, TMEM_REMOVED_XEN)) why.push(`Xen removed tmem in ${fmt(TMEM_REMOVED_XEN)}`);
  if (linux && atLeast(linux, TMEM_REMOVED_LINUX)) why.push(`Linux removed its tmem driver in ${fmt(TMEM_REMOVED_LINUX)}`);
  return why.length ? why.join(' and ') : undefined;
}

export const tmem: Check = {
  id: 'memory.tmem',
  title: 'Where Xen and Linux still have tmem, the dom0 kernel has it and xl tmem-list works',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const xen = await runningXen(ctx);
    const release = await kernelRelease(ctx);
    const linux = release ? majorMinor(release) : undefined;
    if (!xen && !linux) throw new Error('cannot tell the Xen or the Linux version');
    const seen = `Xen ${xen?.text ?? '(unknown)'}, Linux ${release ?? '(unknown)'}`;
    const gone = tmemGone(xen?.version, linux);
    if (gone) return notApplicable(`${seen}: ${gone}`);
    const cfg = await readKernelConfig(ctx);
    const opt = cfg.options.get('XEN_TMEM');
    const list = await ctx.run(['xl', 'tmem-list', '-a']);
    const problems = [
      ...(opt === 'y' || opt === 'm' ? [] : [`CONFIG_XEN_TMEM is ${opt === undefined ? 'missing' : opt === 'n' ? 'not set' : opt}`]),
      ...(list.code === 0 ? [] : [`xl tmem-list -a fails (exit ${list.code}): ${(list.stderr || list.stdout).trim().split('\n')[0] ?? ''}`]),
    ];
    if (problems.length) {
      return fail(`${seen}: ${problems.join('; ')}`, 'Build the dom0 kernel with CONFIG_XEN_TMEM (and CONFIG_CLEANCACHE/CONFIG_FRONTSWAP), and ship xl with tmem support.');
    }
    return pass(`${seen}: CONFIG_XEN_TMEM=${opt}, xl tmem-list -a answers`);
  },
};

export const memoryChecks: Check[] = [tmem];
