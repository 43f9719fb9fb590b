// Everything that can be wrong with the input is found here, before any VM
// starts: settings, candidate files, the out dir, the accelerator asked for,
// the SSH target's key and known_hosts.
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECK_GROUPS, CHECK_IDS, wantsGuest } from './checks/index.js';
import { DISTRO_IDS, profileFor } from './distro/index.js';
import { imageInputProblem } from './distro/needs-image.js';
import { InputError } from './errors.js';
import { chooseAccel, openKvm } from './host/accel.js';
import { hostToolsProblem, missingTools, toolsFor } from './host-tools.js';
import { guestRecipe, hasImageBuilder, hostRecipe, isCached } from './image/build.js';
import { needsRootMessage, probePrivilege } from './privilege.js';
import type { DistroProfile } from './distro/profile.js';
import { checkSshInput } from './host/ssh-files.js';
import { resolvePackages } from './packages.js';
import type { Prepared } from './pipeline.js';
import { type RawSettings, checkOutDirWritable, parseSettings } from './settings.js';

export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'xen-conformance');
}

export async function prepare(raw: RawSettings, cwd = process.cwd()): Promise<Prepared> {
  const { config, packagePatterns } = parseSettings(raw, {
    knownDistros: DISTRO_IDS,
    knownChecks: CHECK_IDS,
    checkGroups: CHECK_GROUPS,
    cwd,
    defaultCacheDir: defaultCacheDir(),
  });
  const profile = profileFor(config.distro);
  // A release without an image builder here runs on its own cloud image, or not at all.
  const imageProblem = imageInputProblem(profile, { target: config.target.kind, imageUrl: config.image !== undefined, wantsGuest: wantsGuest(config.checks) });
  if (imageProblem) throw new InputError(imageProblem);
  const candidates = packagePatterns.length
    ? await resolvePackages(packagePatterns, { cwd, arch: profile.arch, packages: profile.packages })
    : [];
  if (config.target.kind === 'ssh') await checkSshInput(config.target);
  // QEMU runs the VM (target qemu) or only builds the guest's image (target ssh, when there is a guest).
  const usesQemu = config.target.kind === 'qemu' || wantsGuest(config.checks);
  const privilege = await probePrivilege();
  const builds = await imagesToBuild(profile, config, usesQemu);
  const missing = await missingTools(
    toolsFor({
      qemu: usesQemu,
      buildsImage: builds.length > 0,
      cloudImage: config.image !== undefined,
      debs: candidates.some((c) => c.path.endsWith('.deb')),
      rpms: candidates.some((c) => c.path.endsWith('.rpm')),
    }),
  );
  const toolsProblem = hostToolsProblem(missing, config.installHostTools, privilege);
  if (toolsProblem) throw new InputError(toolsProblem);
  if (builds.length && privilege.kind === 'none') throw new InputError(needsRootMessage(privilege.why, `building ${builds.join(' and ')} with ${profile.image?.builder}`));
  const notes: string[] = [];
  if (usesQemu && config.accel !== 'tcg') {
    const opened = await openKvm(privilege);
    if (opened) notes.push(opened);
  }
  const accel = usesQemu ? await chooseAccel(config.accel) : undefined;
  // Last: it creates the directory, which must not be left behind by a later bad input.
  await checkOutDirWritable(config.outDir);
  return { config, candidates, accel, privilege, missingTools: missing, notes };
}

/** The images this run will build (not in the cache): the host's (target qemu, no cloud image) and the guest's. */
async function imagesToBuild(profile: DistroProfile, config: Prepared['config'], usesQemu: boolean): Promise<string[]> {
  if (!usesQemu || !hasImageBuilder(profile)) return [];
  const wanted = [
    ...(config.target.kind === 'qemu' && !config.image ? [{ what: `the ${profile.title} host image`, recipe: hostRecipe(profile) }] : []),
    ...(wantsGuest(config.checks) ? [{ what: `the ${profile.title} guest image`, recipe: guestRecipe(profile) }] : []),
  ];
  const missing = await Promise.all(wanted.map(async (w) => ((await isCached(profile, config.cacheDir, w.recipe)) ? undefined : w.what)));
  return missing.filter((w): w is string => w !== undefined);
}
