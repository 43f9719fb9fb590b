// cloud-init's NoCloud data source for a cloud image: a small ISO 9660 disk
// labelled "cidata" with user-data and meta-data. It gives root this run's
// key, and the machine a host key made for this run, so the host key is
// pinned as with our own images (never StrictHostKeyChecking=no).
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { run } from '../proc.js';
import { CONSOLE_FILE } from '../distro/debian/image-recipe.js';
import type { ImageFile } from './recipe.js';

export const NOCLOUD_LABEL = 'cidata';

export interface UserDataInput {
  authorizedKey: string;
  hostKey: { private: string; public: string };
  /** Files cloud-init writes before the run logs in. */
  files: ImageFile[];
}

/**
 * The #cloud-config for a run. Written as JSON, which YAML reads as it is,
 * so no value (a key, a file's content) can ever be misread as YAML syntax.
 */
export function userData(i: UserDataInput): string {
  const config = {
    // Root, as with our own images: cloud-init would otherwise prefix root's
    // key with a command that only says "log in as debian".
    disable_root: false,
    // No default user: nobody but root logs in.
    users: [],
    ssh_pwauth: false,
    ssh_authorized_keys: [i.authorizedKey.trim()],
    // The image's own host keys go; this run's is the only one it offers.
    ssh_deletekeys: true,
    ssh_genkeytypes: [],
    ssh_keys: { ed25519_private: i.hostKey.private, ed25519_public: i.hostKey.public.trim() },
    // Generating a locale takes long under TCG and nothing here reads one.
    locale: false,
    write_files: i.files.map((f) => ({ path: f.path, permissions: `0${f.mode.toString(8)}`, content: f.content })),
  };
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}

export function metaData(instanceId: string): string {
  return JSON.stringify({ 'instance-id': instanceId, 'local-hostname': 'xenhost' }, null, 2) + '\n';
}

/** Writes runDir/cidata.iso for this run; returns it and the host key to pin. */
export async function noCloudSeed(runDir: string, authorizedKey: string): Promise<{ file: string; hostKey: string }> {
  const phase = 'prepare the VM';
  const keyFile = path.join(runDir, 'host_ed25519');
  await run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'xenhost', '-f', keyFile], { phase, timeoutMs: 10_000 });
  const hostKey = { private: await fs.readFile(keyFile, 'utf8'), public: await fs.readFile(`${keyFile}.pub`, 'utf8') };
  const dir = path.join(runDir, 'cidata');
  await fs.mkdir(dir, { mode: 0o700 });
  // The same serial console settings as our own images, for GRUB, Xen and dom0 after the reboot.
  await fs.writeFile(path.join(dir, 'user-data'), userData({ authorizedKey, hostKey, files: [CONSOLE_FILE] }), { mode: 0o600 });
  await fs.writeFile(path.join(dir, 'meta-data'), metaData(`xc-${randomUUID()}`));
  const file = path.join(runDir, 'cidata.iso');
  await run(['xorriso', '-as', 'mkisofs', '-quiet', '-output', file, '-volid', NOCLOUD_LABEL, '-joliet', '-rock', dir], { phase, timeoutMs: 30_000 });
  // The private host key lives on in the ISO only, which the run removes with its directory.
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(keyFile, { force: true });
  await fs.rm(`${keyFile}.pub`, { force: true });
  return { file, hostKey: hostKey.public.trim() };
}
