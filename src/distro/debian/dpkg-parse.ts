// dpkg's two queries the checks ask (installed packages with their
// relationships; which packages own a path) and their answers, parsed (pure).
import type { PackageDb } from '../../parsers/package-relations.js';

/** Names in a relationship field: "a (>= 1) | b:any, c [amd64]" -> [['a', 'b'], ['c']]. */
export function parseRelations(field: string): string[][] {
  return field
    .split(',')
    .map((clause) =>
      clause
        .split('|')
        .map((alt) => alt.replace(/\([^)]*\)|\[[^\]]*\]|<[^>]*>/g, '').trim().replace(/:[A-Za-z0-9-]+$/, ''))
        .filter(Boolean),
    )
    .filter((alts) => alts.length > 0);
}


/** Parse DPKG_INSTALLED's output, keeping installed packages only. */
export function parseInstalled(text: string): PackageDb {
  const db: PackageDb = new Map();
  for (const line of text.split('\n')) {
    const [name, status, provides = '', pre = '', deps = ''] = line.split('\t');
    if (!name || !/ installed$/.test(status ?? '') || db.has(name)) continue;
    db.set(name, {
      name,
      provides: parseRelations(provides).flat(),
      depends: [...parseRelations(pre), ...parseRelations(deps)],
    });
  }
  return db;
}

/** `dpkg -S` output -> the owning packages ("diversion by" lines and "no path found" give none). */
export function parseOwners(text: string): string[] {
  const owners = new Set<string>();
  for (const line of text.split('\n')) {
    if (/^diversion by|^dpkg-query:|^\s*$/.test(line)) continue;
    const at = line.indexOf(': /');
    if (at <= 0) continue;
    for (const p of line.slice(0, at).split(', ')) owners.add(p.trim().replace(/:[a-z0-9-]+$/, ''));
  }
  return [...owners];
}

/** Every package dpkg knows: name, status, Provides, Pre-Depends, Depends, tab-separated (dpkg-query expands \t and \n). */
export const DPKG_INSTALLED = ['dpkg-query', '-W', '-f', '${Package}\\t${Status}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n'];

/** argv asking which package owns a path (or glob). */
export const dpkgOwner = (path: string) => ['dpkg', '-S', path];
