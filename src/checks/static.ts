// The static tier: what the candidate packages themselves say, judged on the
// runner from their unpacked files and fields in seconds, before any VM is
// built, so a PR gets its first verdicts at once. The dynamic checks still run
// and stay the authority. Where a dynamic check's judgement only needs package
// facts (the meta package, the xenstore utilities) the same judgement runs on
// the candidates, through a package manager view that answers from them.
// Nothing of a candidate is ever run here: scripts are read, `sh -n` parses.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { PackageManager, UnpackedPackage } from '../distro/parts.js';
import type { PackageDb } from '../parsers/package-relations.js';
import { type Check, type CheckContext, fail, notApplicable, type Outcome, pass } from './check.js';
import { XL_PAGES } from './docs.js';
import { metaPackage, XENSTORE_READ, xenstoreUtilsSeparate } from './packaging.js';

const execFileP = promisify(execFile);

/** The candidate files as a package database: what they would be once installed together. */
export function candidateDb(pkgs: readonly UnpackedPackage[]): PackageDb {
  return new Map(pkgs.map((p) => [p.name, { name: p.name, provides: p.provides, depends: p.depends }]));
}

/** The candidates that ship a path (a glob's `*` matches any run of characters but `/`). */
export function shippers(pkgs: readonly UnpackedPackage[], pattern: string): string[] {
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return pkgs.filter((p) => p.files.some((f) => re.test(f))).map((p) => p.name);
}

/** A package manager that answers from the candidate files, for a dynamic check's judgement run on them. */
function candidateView(pm: PackageManager, pkgs: readonly UnpackedPackage[]): PackageManager {
  return { ...pm, installed: async () => candidateDb(pkgs), owners: async (_run, p) => shippers(pkgs, p) };
}

/** The candidates providing a name (as providers() does on the database). */
const providing = (pkgs: readonly UnpackedPackage[], name: string) => pkgs.filter((p) => p.name === name || p.provides.includes(name));

const NO_CANDIDATES = 'no candidate package files (a baseline of the archive): the dynamic checks judge the installed packages';

/** The unpacked candidates, or why there is nothing to judge statically. */
function candidatesOf(ctx: CheckContext): UnpackedPackage[] | Outcome {
  const c = ctx.facts.candidateFiles;
  if (!c) return notApplicable(`${ctx.profile.title}'s package manager has no static reader yet: the dynamic checks judge the installed packages`);
  if (!c.length) return notApplicable(NO_CANDIDATES);
  return c;
}

/** A dynamic check's judgement run on the candidates, its message marked as such. */
function onCandidates(check: Check, applies: (pkgs: UnpackedPackage[], ctx: CheckContext) => string | undefined): Check['run'] {
  return async (ctx) => {
    const pkgs = candidatesOf(ctx);
    if (!Array.isArray(pkgs)) return pkgs;
    const why = applies(pkgs, ctx);
    if (why) return notApplicable(why);
    const profile = { ...ctx.profile, packages: candidateView(ctx.profile.packages, pkgs) };
    const out = await check.run({ ...ctx, profile });
    return { ...out, message: `in the candidate files: ${out.message}` };
  };
}

/** A static check of its own: judged from the unpacked candidates. */
function judged(run: (pkgs: UnpackedPackage[], ctx: CheckContext) => Promise<Outcome> | Outcome): Check['run'] {
  return async (ctx) => {
    const pkgs = candidatesOf(ctx);
    return Array.isArray(pkgs) ? run(pkgs, ctx) : pkgs;
  };
}

const base = { where: 'static' as const, after: [] };

export const staticMetaPackage: Check = {
  ...base,
  id: 'static.meta-package',
  title: "The candidates' meta package depends on the hypervisor, the tools and the man pages",
  seed: metaPackage.seed,
  run: onCandidates(metaPackage, (pkgs, ctx) =>
    pkgs.some((p) => p.name === ctx.profile.metaPackage) ? undefined : `the meta package ${ctx.profile.metaPackage} is not among the candidates; packaging.meta-package judges the installed one`,
  ),
};

export const staticXenstoreUtils: Check = {
  ...base,
  id: 'static.xenstore-utils-separate',
  title: 'The candidate shipping the xenstore-* utilities does not depend on the full toolstack',
  seed: xenstoreUtilsSeparate.seed,
  run: onCandidates(xenstoreUtilsSeparate, (pkgs) =>
    shippers(pkgs, XENSTORE_READ).length ? undefined : `no candidate ships ${XENSTORE_READ}; packaging.xenstore-utils-separate judges the installed one`,
  ),
};

/** The candidate that is (or provides) the toolstack, or why the check does not apply. */
function toolsCandidate(pkgs: UnpackedPackage[], ctx: CheckContext): UnpackedPackage | string {
  const tools = providing(pkgs, ctx.profile.xenPackages.tools)[0];
  return tools ?? `no candidate is or provides ${ctx.profile.xenPackages.tools} (the tools)`;
}

export const staticManPages: Check = {
  ...base,
  id: 'static.man-pages',
  title: 'The candidates that bring the tools ship the xl man pages',
  seed: 'Man pages',
  run: judged((pkgs, ctx) => {
    const tools = toolsCandidate(pkgs, ctx);
    if (typeof tools === 'string') return notApplicable(tools);
    const missing = XL_PAGES.filter(([s, n]) => !shippers(pkgs, `/usr/share/man/man${s}/${n}.${s}*`).length).map(([s, n]) => `${n}(${s})`);
    if (missing.length) {
      return fail(
        `the candidates bring the tools (${tools.name}) but no candidate ships ${missing.join(', ')}`,
        `Ship the xl man pages (built from docs/man in the Xen source) in ${ctx.profile.xenPackages.manPages}, which the tools and the meta package pull in.`,
      );
    }
    return pass(`${XL_PAGES.map(([s, n]) => `${n}(${s})`).join(', ')} shipped by ${shippers(pkgs, '/usr/share/man/man1/xl.1*').join(', ')}`);
  }),
};

export const staticDeviceModel: Check = {
  ...base,
  id: 'static.device-model',
  title: 'The tools pull in the device model (Depends or Recommends), so a default install has one',
  seed: 'qemu-xen-traditional and qemu-xen',
  run: judged((pkgs, ctx) => {
    const tools = toolsCandidate(pkgs, ctx);
    if (typeof tools === 'string') return notApplicable(tools);
    const dm = ctx.profile.xenPackages.deviceModel;
    const pulled = (rel: string[][]) => rel.some((alts) => alts.includes(dm));
    if (providing(pkgs, dm).length) return pass(`${dm} is among the candidates`);
    if (pulled(tools.depends)) return pass(`${tools.name} Depends on ${dm}`);
    if (pulled(tools.recommends)) return pass(`${tools.name} Recommends ${dm} (a default install brings Recommends)`);
    return fail(
      `${tools.name} neither Depends on nor Recommends ${dm}: a default install of the candidates has no device model for HVM guests`,
      `Have ${tools.name} depend on (or at least recommend) ${dm}, which ships the device model libxl runs.`,
    );
  }),
};

export const staticServices: Check = {
  ...base,
  id: 'static.services-enabled',
  title: "The candidates' maintainer scripts enable the toolstack services at boot",
  seed: 'init scripts: xencommons',
  run: judged((pkgs, ctx) => {
    const init = ctx.profile.init;
    if (!init.unitFiles || !init.enabledByScript) return notApplicable(`no static reading of ${ctx.profile.title}'s init system yet`);
    const found: string[] = [];
    const problems: string[] = [];
    for (const unit of ctx.profile.services.atBoot) {
      const owner = pkgs.find((p) => init.unitFiles!(unit).some((f) => p.files.includes(f)));
      if (!owner) continue;
      const wants = owner.files.some((f) => new RegExp(`/[^/]+\\.target\\.wants/${unit}\\.service$`).test(f));
      const script = Object.entries(owner.scripts).find(([, text]) => init.enabledByScript!(text, unit));
      if (wants || script) found.push(`${unit} (${owner.name}${script ? ` ${script[0]}` : ', a .wants link'})`);
      else problems.push(`${owner.name} ships ${unit} but none of its maintainer scripts enables it`);
    }
    if (!found.length && !problems.length) return notApplicable(`no candidate ships ${ctx.profile.services.atBoot.join(' or ')}`);
    if (problems.length) return fail(problems.join('; '), init.enableAdvice);
    return pass(`enabled at boot by the candidates: ${found.join(', ')}`);
  }),
};

export const staticBootConfig: Check = {
  ...base,
  id: 'static.boot-config-updated',
  title: 'Installing the candidate hypervisor regenerates the boot config (its post-install script does)',
  seed: 'The basic flow of Xen installation',
  run: judged((pkgs, ctx) => {
    const boot = ctx.profile.boot;
    if (!boot.regeneratedByScript) return notApplicable(`no static reading of ${ctx.profile.title}'s boot config yet`);
    const hv = providing(pkgs, ctx.profile.xenPackages.hypervisor);
    if (!hv.length) return notApplicable(`no candidate is or provides ${ctx.profile.xenPackages.hypervisor}`);
    // The install is what must add the Xen entry (the checklist's flow); a removal script doing it does not count.
    const silent = hv.filter((p) => !boot.regeneratedByScript!(p.scripts.postinst ?? ''));
    if (silent.length) {
      return fail(
        `${silent.map((p) => p.name).join(', ')}: its post-install script does not regenerate the boot config, so installing it adds no Xen boot entry`,
        `Regenerate the boot config from the hypervisor package's postinst and postrm (${boot.regenerateCommand().join(' ')}), as the checklist's install flow expects.`,
      );
    }
    return pass(`${hv.map((p) => p.name).join(', ')}: the post-install script regenerates the boot config`);
  }),
};

export const staticBootDropIns: Check = {
  ...base,
  id: 'static.boot-drop-ins-parse',
  title: "The boot config drop-ins the candidates ship parse as shell (the generator sources them)",
  seed: 'mkinitrd, mkinitramfs and dracut',
  run: judged(async (pkgs, ctx) => {
    const dir = path.posix.dirname(ctx.profile.boot.dropInPath('x'));
    const shipped = pkgs.flatMap((p) => p.files.filter((f) => path.posix.dirname(f) === dir).map((f) => ({ p, f })));
    if (!shipped.length) return notApplicable(`no candidate ships a file in ${dir}`);
    const broken: string[] = [];
    for (const { p, f } of shipped) {
      // -n reads and parses without running anything.
      const r = await execFileP('sh', ['-n', path.join(p.root, f)]).then(() => undefined, (e: { stderr?: string }) => (e.stderr ?? '').trim());
      ctx.note(`sh -n ${f} (${p.name})`, r ?? 'parses');
      if (r !== undefined) broken.push(`${f} (${p.name}): ${r.replace(`${p.root}`, '')}`);
    }
    if (broken.length) {
      return fail(`does not parse: ${broken.join('; ')}`, `Fix the shell syntax: ${ctx.profile.boot.regenerateCommand().join(' ')} sources every file in ${dir}, and stops on the first that does not parse.`);
    }
    return pass(`${shipped.map(({ f }) => f).join(', ')} parse${shipped.length > 1 ? '' : 's'}`);
  }),
};

export const staticXenpm: Check = {
  ...base,
  id: 'static.xenpm',
  title: 'The candidate tools package ships xenpm (power management)',
  seed: 'Make sure the Xen version you package for dom0 has full power management support.',
  run: judged((pkgs, ctx) => {
    const tools = toolsCandidate(pkgs, ctx);
    if (typeof tools === 'string') return notApplicable(tools);
    // The tools package itself: a wrapper link elsewhere (Debian's /usr/sbin/xenpm) runs nothing without it.
    const xenpm = tools.files.filter((f) => path.posix.basename(f) === 'xenpm');
    if (!xenpm.length) return fail(`${tools.name} (the tools) does not ship xenpm`, `Ship xenpm with the tools (${tools.name}): it is how a dom0's power management is seen and set.`);
    return pass(`${tools.name} ships ${xenpm.join(', ')}`);
  }),
};

/** First, before any VM: their ids say static. */
export const staticChecks: Check[] = [
  staticMetaPackage,
  staticXenstoreUtils,
  staticManPages,
  staticDeviceModel,
  staticServices,
  staticBootConfig,
  staticBootDropIns,
  staticXenpm,
];
