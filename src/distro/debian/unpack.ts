// A .deb unpacked on the runner for the static checks: dpkg-deb -x for its
// files and -e for its control files (argv, no shell; nothing of it is run).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { UnpackedPackage } from '../parts.js';
import { parseRelations } from './dpkg-parse.js';

const execFileP = promisify(execFile);

/** The fields of a control file (deb822: "Name: value", continuation lines start with a space). */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last = '';
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (m) fields.set((last = m[1]), m[2].trim());
    else if (/^\s/.test(line) && last) fields.set(last, `${fields.get(last)} ${line.trim()}`.trim());
  }
  return fields;
}

/** Every path under root that is not a directory, as the package would install it (/usr/bin/xl). */
async function shippedFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const p = path.posix.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await shippedFiles(root, p)));
    else out.push(`/${p}`);
  }
  return out;
}

export const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm'];

export async function unpackDeb(file: string, dir: string): Promise<UnpackedPackage> {
  const root = path.join(dir, 'root');
  const control = path.join(dir, 'control');
  await fs.mkdir(root, { recursive: true });
  await execFileP('dpkg-deb', ['-x', file, root]);
  await execFileP('dpkg-deb', ['-e', file, control]);
  const fields = parseControl(await fs.readFile(path.join(control, 'control'), 'utf8'));
  const rel = (name: string) => parseRelations(fields.get(name) ?? '');
  const scripts: Record<string, string> = {};
  for (const s of MAINTAINER_SCRIPTS) {
    const text = await fs.readFile(path.join(control, s), 'utf8').catch(() => undefined);
    if (text !== undefined) scripts[s] = text;
  }
  return {
    name: fields.get('Package') ?? '',
    version: fields.get('Version') ?? '',
    arch: fields.get('Architecture') ?? '',
    provides: rel('Provides').flat(),
    depends: [...rel('Pre-Depends'), ...rel('Depends')],
    recommends: rel('Recommends'),
    files: (await shippedFiles(root)).sort(),
    scripts,
    root,
  };
}
