// rpm's queries the checks ask (installed packages with their Provides and
// Requires; which packages own a path) and their answers, parsed (pure).
import type { PackageDb } from '../../parsers/package-relations.js';

/** Field and list separators in our query formats: neither occurs in a dependency name. */
const FIELD = '\t';
const ITEM = '|';

/**
 * Every installed package: name, Provides names, Requires names (versions
 * are separate tags, so names come bare). One line each.
 */
export const RPM_INSTALLED = ['rpm', '-qa', '--qf', `%{NAME}\\t[%{PROVIDENAME}${ITEM}]\\t[%{REQUIRENAME}${ITEM}]\\n`];

const RICH_WORDS = new Set(['and', 'or', 'if', 'else', 'with', 'without', 'unless']);

/**
 * One Requires name -> its alternatives. A rich dependency, "(a or b)",
 * gives its package names as alternatives (an approximation that is right
 * for `or`, the only form the Xen packages use); rpmlib() needs give none.
 */
export function requireAlternatives(req: string): string[] {
  const r = req.trim();
  if (!r || r.startsWith('rpmlib(')) return [];
  if (!r.startsWith('(')) return [r];
  return r
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !RICH_WORDS.has(w) && !/^[<>=]/.test(w) && !/^\d/.test(w));
}

/** Parse RPM_INSTALLED's output (rpm lists installed packages only). */
export function parseRpmInstalled(text: string): PackageDb {
  const db: PackageDb = new Map();
  for (const line of text.split('\n')) {
    const [name, provides = '', requires = ''] = line.split(FIELD);
    if (!name || db.has(name)) continue; // two arches of one name (multilib): one entry is enough here
    db.set(name, {
      name,
      provides: provides.split(ITEM).map((p) => p.trim()).filter(Boolean),
      depends: requires
        .split(ITEM)
        .map(requireAlternatives)
        .filter((alts) => alts.length > 0),
    });
  }
  return db;
}

/**
 * argv asking which packages own a path or a glob. rpm -qf takes no globs,
 * so a shell expands the one passed as $1 (a parameter: globbed, never run
 * as code); a pattern that matches nothing stays itself and owns nothing.
 */
export const rpmOwner = (path: string) => ['sh', '-c', 'for f in $1; do rpm -qf --qf "%{NAME}\\n" "$f"; done; exit 0', 'sh', path];

/** rpm -qf output -> owners ("file ... is not owned by any package" and errors give none). */
export function parseRpmOwners(text: string): string[] {
  const owners = new Set<string>();
  for (const line of text.split('\n')) {
    const l = line.trim();
    // A package name has no spaces; rpm's own complaints do.
    if (l && !/\s/.test(l) && !l.startsWith('error:')) owners.add(l);
  }
  return [...owners];
}

/** `rpm -qa --qf "%{NAME} %{VERSION}-%{RELEASE}\n" GLOB...` -> fields per line. */
export function parseQaLines(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/\s+/));
}
