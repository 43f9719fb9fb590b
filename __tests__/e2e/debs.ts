// Real candidate packages for the end-to-end tests: Debian's own .debs from
// the archive, and copies repacked with one thing broken, as a packaging
// mistake would break them.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Download the archive's current .debs of these packages into dir. */
export async function archiveDebs(names: string[], dir: string): Promise<Record<string, string>> {
  execFileSync('apt-get', ['download', '-q', ...names], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  const files = await fs.readdir(dir);
  const out: Record<string, string> = {};
  for (const n of names) {
    const f = files.find((x) => x.startsWith(`${n}_`) && x.endsWith('.deb'));
    if (!f) throw new Error(`apt-get download gave no ${n}`);
    out[n] = path.join(dir, f);
  }
  return out;
}

/** Unpack a .deb, let `edit` change its tree, and build it again under the same name into outDir. */
export async function repack(deb: string, outDir: string, edit: (root: string) => Promise<void>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-repack-'));
  try {
    execFileSync('dpkg-deb', ['-R', deb, root]);
    await edit(root);
    const out = path.join(outDir, path.basename(deb));
    execFileSync('dpkg-deb', ['-b', '-Zxz', root, out], { stdio: ['ignore', 'ignore', 'inherit'] });
    return out;
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** Remove a file from an unpacked package, and from its conffiles list if it is one. */
export async function dropFile(root: string, file: string): Promise<void> {
  await fs.rm(path.join(root, file));
  const conffiles = path.join(root, 'DEBIAN/conffiles');
  const list = await fs.readFile(conffiles, 'utf8').catch(() => undefined);
  if (list !== undefined) {
    await fs.writeFile(conffiles, list.split('\n').filter((l) => l.trim() !== file).join('\n'));
  }
}

/** Rewrite one field of an unpacked package's DEBIAN/control. */
export async function editControl(root: string, field: string, edit: (value: string) => string): Promise<void> {
  const file = path.join(root, 'DEBIAN/control');
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  const i = lines.findIndex((l) => l.startsWith(`${field}: `));
  if (i < 0) throw new Error(`no ${field} in ${file}`);
  lines[i] = `${field}: ${edit(lines[i].slice(field.length + 2))}`;
  await fs.writeFile(file, lines.join('\n'));
}

export interface DebSpec {
  name: string;
  version?: string;
  arch?: string;
  /** Extra control fields, e.g. { Depends: 'foo' }. */
  control?: Record<string, string>;
  /** Files by absolute path in the installed system; mode 0644 unless given. */
  files?: Record<string, { content: string; mode?: number }>;
  /** Maintainer scripts (preinst, postinst, ...), each a whole script. */
  scripts?: Record<string, string>;
}

/** Build a small real .deb with dpkg-deb, for faults a candidate brings about itself. */
export async function buildDeb(outFile: string, spec: DebSpec): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-deb-'));
  try {
    await fs.mkdir(path.join(root, 'DEBIAN'));
    const fields = {
      Package: spec.name,
      Version: spec.version ?? '1.0',
      Architecture: spec.arch ?? 'all',
      Maintainer: 'xen-conformance tests <nobody@example.org>',
      Description: 'a package made by the xen-conformance tests',
      ...spec.control,
    };
    await fs.writeFile(path.join(root, 'DEBIAN/control'), Object.entries(fields).map(([k, v]) => `${k}: ${v}\n`).join(''));
    for (const [name, body] of Object.entries(spec.scripts ?? {})) {
      await fs.writeFile(path.join(root, 'DEBIAN', name), body);
      await fs.chmod(path.join(root, 'DEBIAN', name), 0o755);
    }
    for (const [file, { content, mode }] of Object.entries(spec.files ?? {})) {
      await fs.mkdir(path.join(root, path.dirname(file)), { recursive: true });
      await fs.writeFile(path.join(root, file), content);
      await fs.chmod(path.join(root, file), mode ?? 0o644);
    }
    // Built under a plain name and renamed: dpkg-deb refuses some names a user's file may still have.
    const built = `${root}.deb`;
    execFileSync('dpkg-deb', ['--root-owner-group', '-b', root, built], { stdio: ['ignore', 'ignore', 'inherit'] });
    await fs.copyFile(built, outFile);
    return outFile;
  } finally {
    await fs.rm(`${root}.deb`, { force: true });
    await fs.rm(root, { recursive: true, force: true });
  }
}

/**
 * A shell command that creates file, written without a `/` so it can be part
 * of a file name: `$(touch "$(printf '\057tmp\057x')")` in a name would create
 * /tmp/x if anything ever ran the name through a shell.
 */
export function touchWithoutSlash(file: string): string {
  return `touch "$(printf '${file.replace(/\//g, '\\057')}')"`;
}
