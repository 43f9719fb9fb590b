// Base images: a plain install of the distro (stock kernel, SSH server, GRUB in
// the boot sector, no Xen), built once with the distro's builder (mmdebstrap) and kept on disk, keyed
// by distro and recipe, so later runs only add a copy-on-write overlay.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DistroProfile } from '../distro/profile.js';
import type { ImageSource } from '../distro/parts.js';
import { InfraError } from '../errors.js';
import { run } from '../proc.js';
import { BOOTLOADER_DONE, type Recipe, ROOT_LABEL, SEED_LABEL } from './recipe.js';
import { PART_OFFSET } from '../disk-layout.js';
import { bootOnce } from '../qemu-machine.js';
import type { HostImage } from './image.js';
import { makeDirs } from '../dirs.js';
import { asRoot, type Privilege } from '../privilege.js';

/** Bump when the way images are assembled changes, to rebuild every cached image. */
const FORMAT = 1;
export const DISK_BYTES = 6 * 1024 ** 3;
/**
 * A cached image is rebuilt after this long: it holds the archive's package
 * lists and Xen packages of the day it was built, and a baseline run should
 * test what the archive has now (security updates land every few weeks).
 */
export const MAX_AGE_DAYS = 7;
export { PART_OFFSET };

export interface BaseImage {
  /** Raw disk with an MBR, one ext4 partition, GRUB installed by the distro's own tools. */
  disk: string;
  /** The image's SSH host key, pinned for every connection to it. */
  hostKey: string;
  distro: string;
  key: string;
  builtAt: string;
  /** True when this run built it (false: taken from the cache). */
  fresh: boolean;
}

export type { Recipe } from './recipe.js';

/** A profile whose distro has an image builder. */
export type ImageProfile = DistroProfile & { image: ImageSource };

export const hasImageBuilder = (profile: DistroProfile): profile is ImageProfile => profile.image !== undefined;

/** Our own base image: a plain install, a serial console, the seed service. */
export function hostRecipe(profile: ImageProfile): Recipe {
  return profile.image.base;
}

/** The domU's image: the same release, small, booted by pygrub inside the Xen host. */
export function guestRecipe(profile: ImageProfile): Recipe {
  return profile.image.guest;
}

export function recipeKey(profile: ImageProfile, recipe: Recipe = hostRecipe(profile)): string {
  // Field names and order as they always were, so cached images keep their keys.
  const key = {
    FORMAT,
    DISK_BYTES: recipe.diskBytes ?? DISK_BYTES,
    id: recipe.name,
    sources: profile.image.sources(),
    packages: recipe.packages,
    overlayFiles: recipe.files,
    customize: recipe.customize,
  };
  return createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
}

export interface ImageOptions {
  cacheDir: string;
  /** How the builder runs as root (mmdebstrap --mode=root; mke2fs reading its tree). */
  privilege: Privilege;
  timeoutMs: number;
  accelArgs: string[];
  log: (line: string) => void;
}

/** Where the cache keeps this image, what it holds there (if anything) and how old that is. */
async function inCache(profile: ImageProfile, cacheDir: string, recipe: Recipe) {
  const key = recipeKey(profile, recipe);
  const dir = path.join(cacheDir, `${recipe.name}-${key}`);
  const cached = await readMeta(dir);
  const ageDays = cached ? (Date.now() - Date.parse(cached.builtAt)) / 86_400_000 : 0;
  return { key, dir, cached, ageDays, usable: !!cached && ageDays <= MAX_AGE_DAYS };
}

/** Whether the cache holds this image, young enough to use (else a run builds it). */
export async function isCached(profile: ImageProfile, cacheDir: string, recipe: Recipe = hostRecipe(profile)): Promise<boolean> {
  return (await inCache(profile, cacheDir, recipe)).usable;
}

/** Remove a build's tree: the builder made it as root, so a user removes it through sudo. */
async function removeTree(dir: string, p: Privilege): Promise<void> {
  if (p.kind === 'root') return fs.rm(dir, { recursive: true, force: true });
  await run(asRoot(['rm', '-rf', '--', dir], p), { phase: 'build base image', timeoutMs: 120_000, allowFailure: true });
}

/** The cached image for this profile, building it first when there is none. */
export async function baseImage(profile: ImageProfile, opts: ImageOptions, recipe: Recipe = hostRecipe(profile)): Promise<BaseImage> {
  const { key, dir, cached, ageDays, usable } = await inCache(profile, opts.cacheDir, recipe);
  // The host's and the guest's images may be built at once: each line says whose it is.
  const which = recipe === hostRecipe(profile) ? 'base image' : 'guest image';
  if (cached && usable) {
    opts.log(`${which}: cached ${dir} (built ${cached.builtAt})`);
    return { ...cached, fresh: false };
  }
  if (cached) opts.log(`${which}: ${dir} is ${ageDays.toFixed(0)} days old (more than ${MAX_AGE_DAYS}): rebuilding it`);
  opts.log(`${which}: building ${profile.title} with ${profile.image.builder}${opts.privilege.kind === 'sudo' ? ' (as root, through sudo)' : ''} into ${dir}`);
  await makeDirs(opts.cacheDir);
  const work = await fs.mkdtemp(path.join(opts.cacheDir, `.build-${profile.id}-`));
  try {
    const deadline = Date.now() + opts.timeoutMs;
    const left = () => Math.max(1000, deadline - Date.now());
    const root = path.join(work, 'root');
    const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      const t = Date.now();
      const out = await fn();
      opts.log(`${which}: ${name} took ${((Date.now() - t) / 1000).toFixed(1)} s`);
      return out;
    };
    await step(profile.image.builder, () => bootstrap(profile, recipe, work, root, left(), opts.privilege));
    const hostKey = (await fs.readFile(path.join(root, 'etc/ssh/ssh_host_ed25519_key.pub'), 'utf8')).trim();
    const { kernel, initrd } = await copyBootFiles(profile, root, work);
    const disk = path.join(work, 'disk.raw');
    await step('making the disk', () => makeDisk(root, disk, recipe.diskBytes ?? DISK_BYTES, left(), opts.privilege));
    await removeTree(root, opts.privilege);
    // First boot: the distro's own boot loader tools make the disk bootable.
    const serial = await step(`first boot (${profile.image.firstBoot})`, () => bootOnce({
      disk,
      kernel,
      initrd,
      append: `root=LABEL=${ROOT_LABEL} ro console=ttyS0,115200 xc.install-bootloader`,
      accelArgs: opts.accelArgs,
      timeoutMs: left(),
      phase: 'build base image: install the boot loader',
    }));
    if (!serial.includes(BOOTLOADER_DONE)) {
      throw new InfraError('build base image', 'the first boot did not install GRUB', serial.split('\n').slice(-20));
    }
    await fs.rm(kernel);
    await fs.rm(initrd);
    const meta = { distro: profile.id, key, hostKey, builtAt: new Date().toISOString() };
    await fs.writeFile(path.join(work, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
    if (cached) await fs.rm(dir, { recursive: true, force: true });
    await fs.rename(work, dir).catch(async (e: NodeJS.ErrnoException) => {
      // Another run finished the same image first: use theirs.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
      await fs.rm(work, { recursive: true, force: true });
    });
    return { ...meta, disk: path.join(dir, 'disk.raw'), fresh: true };
  } catch (e) {
    await removeTree(work, opts.privilege);
    throw e;
  }
}

async function readMeta(dir: string): Promise<Omit<BaseImage, 'fresh'> | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8'));
    const disk = path.join(dir, 'disk.raw');
    await fs.access(disk);
    return { ...meta, disk };
  } catch {
    return undefined;
  }
}

/** What QEMU boots from a built image: the run's key arrives on a small ext2 disk its xc-seed service reads. */
export function builtHostImage(image: BaseImage): HostImage {
  return {
    disk: image.disk,
    format: 'raw',
    cloud: false,
    async seed(runDir, authorizedKey) {
      const dir = path.join(runDir, 'seed');
      await fs.mkdir(dir);
      await fs.writeFile(path.join(dir, 'authorized_keys'), authorizedKey);
      const file = path.join(runDir, 'seed.img');
      await run(['mke2fs', '-q', '-F', '-t', 'ext2', '-L', SEED_LABEL, '-d', dir, file, '1M'], { phase: 'prepare the VM', timeoutMs: 10_000 });
      return { file, hostKey: image.hostKey };
    },
  };
}

async function bootstrap(profile: ImageProfile, recipe: Recipe, work: string, root: string, timeoutMs: number, p: Privilege): Promise<void> {
  // The builder runs an executable hook directly with the root as $1; the
  // script holds no path of ours, only constants, so nothing from the runner
  // is ever read by a shell.
  const overlay = path.join(work, 'overlay');
  for (const f of recipe.files) {
    const p = path.join(overlay, f.path);
    await fs.mkdir(path.dirname(p), { recursive: true });
    await fs.writeFile(p, f.content, { mode: f.mode });
  }
  const hook = path.join(work, 'customize');
  const script = [
    '#!/bin/sh',
    'set -e',
    'cp -a "$(dirname "$0")/overlay/." "$1/"',
    ...recipe.customize,
    '',
  ].join('\n');
  await fs.writeFile(hook, script, { mode: 0o755 });
  await run(
    asRoot(profile.image.bootstrapCommand(recipe, hook, root), p),
    { phase: `build base image: ${profile.image.builder}`, timeoutMs, cwd: work },
  );
}

async function copyBootFiles(profile: ImageProfile, root: string, work: string): Promise<{ kernel: string; initrd: string }> {
  const boot = await fs.readdir(path.join(root, 'boot'));
  const vmlinuz = boot.find((f) => f.startsWith('vmlinuz-'));
  // The initramfs of that kernel, named as the distro's generator names it.
  const initrd = vmlinuz && boot.find((f) => f === path.basename(profile.initramfs.image(vmlinuz.slice('vmlinuz-'.length))));
  if (!vmlinuz || !initrd) throw new InfraError('build base image', `no kernel or initrd in /boot (${boot.join(' ')})`);
  const out = { kernel: path.join(work, 'vmlinuz'), initrd: path.join(work, 'initrd') };
  await fs.copyFile(path.join(root, 'boot', vmlinuz), out.kernel);
  await fs.copyFile(path.join(root, 'boot', initrd), out.initrd);
  return out;
}

/** An MBR disk with one ext4 partition filled from the root tree; no loop device, no mount. */
async function makeDisk(root: string, disk: string, bytes: number, timeoutMs: number, p: Privilege): Promise<void> {
  const phase = 'build base image: make the disk';
  const fh = await fs.open(disk, 'w');
  await fh.truncate(bytes);
  await fh.close();
  await run(['sfdisk', '--no-reread', '--no-tell-kernel', '--quiet', disk], {
    phase,
    timeoutMs,
    input: `label: dos\nstart=${PART_OFFSET / 512}, type=83, bootable\n`,
  });
  const blocks = (bytes - PART_OFFSET) / 4096;
  // As root: the tree is root's, some of it readable by root only (/etc/shadow). The disk file stays the user's.
  await run(
    asRoot(['mke2fs', '-q', '-F', '-t', 'ext4', '-b', '4096', '-L', ROOT_LABEL, '-d', root, '-E', `offset=${PART_OFFSET}`, disk, String(blocks)], p),
    { phase, timeoutMs },
  );
}
