// Meta packages and the xenstore utilities: one package pulls in the
// hypervisor, the tools and the docs; the xenstore-* utilities come without
// the full toolstack.
import { type Check, fail, pass } from './check.js';
import { chainTo, dependencyClosure, providers } from '../parsers/package-relations.js';

const SEED_META = 'Meta packages';
/** The checklist's flow of an install sits in its meta package section. */
const SEED_FLOW = 'The basic flow of Xen installation should be';
const SEED_XENSTORE = 'The xenstore is a way for userland applications to exchange data between dom0 and domU';

/** Where the xl man page is (a glob: any compression). */
export const XL_MAN_PAGE = '/usr/share/man/man1/xl.1*';
export const XENSTORE_READ = '/usr/bin/xenstore-read';

const arrow = (chain: string[]) => chain.join(' → ');

/**
 * The first step of the checklist's flow: the candidates install. The
 * install itself is provisioning's; this judges what it recorded. A set that
 * does not install stops the run here (CandidateFault): the candidates' own
 * failure, exit 1, never "infrastructure failed".
 */
export const installs: Check = {
  id: 'packaging.installs',
  title: "The candidates install with the distro's package manager, dependencies from the archive",
  where: 'host-before-reboot',
  seed: SEED_FLOW,
  async run(ctx) {
    const install = ctx.facts.install;
    if (!install) return fail('the candidates were not installed', 'See the log: the install never ran.');
    ctx.note(`${install.command} (exit ${install.code})`, install.output);
    if (install.code === 0) return pass(`installed: ${install.command}`);
    const cause = ctx.profile.packages.installFailureCause(install.output);
    const lines = ctx.profile.packages.installFailureLines(install.output).slice(0, 4).map((l) => l.trim());
    return fail(
      `${cause ?? 'the install failed'} (the install exited ${install.code}${lines.length ? `: ${lines.join(' | ')}` : ''}); nothing after the install could be judged`,
      cause
        ? 'Fix the package named above (its maintainer script, its dependencies or the files it ships) so that the set installs on a clean system; install.log has the whole output.'
        : 'Read install.log (the whole output of the install) for the first error, and make the set install on a clean system.',
    );
  },
};

export const metaPackage: Check = {
  id: 'packaging.meta-package',
  title: 'A meta package is installed whose dependencies pull in the hypervisor, the tools and the xl man pages',
  where: 'dom0',
  seed: SEED_META,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const meta = ctx.profile.metaPackage;
    const db = await ctx.profile.packages.installed(ctx.run);
    if (!db.has(meta)) {
      return fail(`the meta package ${meta} is not installed`, `Provide ${meta}, depending on the hypervisor, the tools and the package with the man pages, and include it in the candidates.`);
    }
    const owners = await ctx.profile.packages.owners(ctx.run, XL_MAN_PAGE);
    const closure = dependencyClosure(db, meta);
    const { hypervisor, tools, manPages } = ctx.profile.xenPackages;
    const parts: { what: string; candidates: string[]; want: string }[] = [
      { what: 'the hypervisor', candidates: providers(db, hypervisor), want: hypervisor },
      { what: 'the tools', candidates: providers(db, tools), want: tools },
      { what: 'the xl man page', candidates: owners, want: manPages },
    ];
    const got: string[] = [];
    const lacking: string[] = [];
    for (const p of parts) {
      const hit = p.candidates.find((c) => closure.has(c));
      if (hit) got.push(`${p.what}: ${arrow(chainTo(closure, hit))}`);
      else if (!p.candidates.length) lacking.push(`${p.what} (no installed package ${p.what === 'the xl man page' ? `ships ${XL_MAN_PAGE}` : `is or provides ${p.want}`})`);
      else lacking.push(`${p.what} (${p.candidates.join(', ')} is installed, but not through ${meta}'s Depends)`);
    }
    if (lacking.length) {
      return fail(
        `${meta}'s Depends/Pre-Depends closure lacks ${lacking.join('; ')}`,
        `Make ${meta} depend, directly or through the tools package, on the hypervisor (${hypervisor}), the tools (${tools}) and the package that ships the man pages (${manPages}).`,
      );
    }
    return pass(`${meta} pulls in ${got.join('; ')}`);
  },
};

export const xenstoreUtilsSeparate: Check = {
  id: 'packaging.xenstore-utils-separate',
  title: 'The xenstore-* utilities are packaged apart from the full toolstack, and do not depend on it',
  where: 'dom0',
  seed: SEED_XENSTORE,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const { tools, xenstoreUtils } = ctx.profile.xenPackages;
    const owners = await ctx.profile.packages.owners(ctx.run, XENSTORE_READ);
    if (!owners.length) {
      return fail(`no installed package ships ${XENSTORE_READ}`, `Ship xenstore-read and the other xenstore-* utilities in their own package (${xenstoreUtils}), which the tools depend on.`);
    }
    const db = await ctx.profile.packages.installed(ctx.run);
    const toolstack = providers(db, tools);
    const owner = owners[0];
    if (toolstack.includes(owner)) {
      return fail(
        `${XENSTORE_READ} is shipped by ${owner}, the full toolstack package`,
        `Move the xenstore-* utilities into a package of their own (${xenstoreUtils}) that depends only on libxenstore.`,
      );
    }
    const closure = dependencyClosure(db, owner);
    const hit = toolstack.find((t) => closure.has(t));
    if (hit) {
      return fail(
        `${owner} (which ships ${XENSTORE_READ}) pulls in the full toolstack: ${arrow(chainTo(closure, hit))}`,
        `Cut that chain: ${owner} should depend only on what xenstore-* link against (libxenstore and its libraries), not on ${hit}.`,
      );
    }
    const deps = [...closure.keys()].filter((p) => p !== owner);
    return pass(
      `${XENSTORE_READ} is in ${owner}, whose ${deps.length} Depends (${deps.slice(0, 6).join(', ')}${deps.length > 6 ? ', ...' : ''}) do not include ${toolstack.join(', ') || `a package providing ${tools}`}`,
    );
  },
};

export const packagingChecks: Check[] = [metaPackage, xenstoreUtilsSeparate];
