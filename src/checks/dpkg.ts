// What the package database says, for deb-based profiles: who owns a file,
// and what an installed package pulls in through Depends and Pre-Depends.
// The queries are argv constants; the parsers are pure.

/** Every package dpkg knows: name, status, Provides, Pre-Depends, Depends, tab-separated (dpkg-query expands \t and \n). */
export const DPKG_INSTALLED = ['dpkg-query', '-W', '-f', '${Package}\\t${Status}\\t${Provides}\\t${Pre-Depends}\\t${Depends}\\n'];

/** argv asking which package owns a path (or glob). */
export const dpkgOwner = (path: string) => ['dpkg', '-S', path];

export interface InstalledPackage {
  name: string;
  provides: string[];
  /** Pre-Depends then Depends: each clause a list of alternatives (names only). */
  depends: string[][];
}

export type PackageDb = Map<string, InstalledPackage>;

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

/** Installed packages that are `name` or Provide it. */
export function providers(db: PackageDb, name: string): string[] {
  const out = db.has(name) ? [name] : [];
  for (const p of db.values()) if (p.name !== name && p.provides.includes(name)) out.push(p.name);
  return out;
}

/**
 * The installed Depends/Pre-Depends closure of `start`, following for each
 * clause the first alternative that is installed (or Provided): what
 * actually satisfies it here. Each reached package maps to the one that
 * pulled it in (start maps to null).
 */
export function dependencyClosure(db: PackageDb, start: string): Map<string, string | null> {
  const parent = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const cur = db.get(queue.shift()!);
    if (!cur) continue;
    for (const alts of cur.depends) {
      const sat = alts.map((a) => providers(db, a)[0]).find(Boolean);
      if (sat && !parent.has(sat)) {
        parent.set(sat, cur.name);
        queue.push(sat);
      }
    }
  }
  return parent;
}

/** start -> ... -> target, from a closure's parent map. */
export function chainTo(parent: Map<string, string | null>, target: string): string[] {
  const chain: string[] = [];
  for (let p: string | null | undefined = target; p; p = parent.get(p)) chain.unshift(p);
  return chain;
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
