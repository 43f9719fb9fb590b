// Everything that can be wrong with the input is found here, before any VM
// starts: settings, candidate files, the out dir, the accelerator asked for,
// the SSH target's key and known_hosts.
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECK_GROUPS, CHECK_IDS, wantsGuest } from './checks/index.js';
import { DISTRO_IDS, profileFor } from './distro/index.js';
import { imageInputProblem } from './distro/needs-image.js';
import { InputError } from './errors.js';
import { chooseAccel } from './host/accel.js';
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
  const accel = config.target.kind === 'qemu' || wantsGuest(config.checks) ? await chooseAccel(config.accel) : undefined;
  // Last: it creates the directory, which must not be left behind by a later bad input.
  await checkOutDirWritable(config.outDir);
  return { config, candidates, accel };
}
