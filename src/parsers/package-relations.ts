// What installed packages pull in: each package's Provides and its
// dependencies (Pre-Depends then Depends, or Requires), and the closure one
// package reaches through them. Family-neutral and pure: a package manager
// (src/distro) fills the PackageDb from its own query's output.

export interface InstalledPackage {
  name: string;
  provides: string[];
  /** Pre-Depends then Depends: each clause a list of alternatives (names only). */
  depends: string[][];
}

export type PackageDb = Map<string, InstalledPackage>;

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
