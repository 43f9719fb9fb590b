// Candidate packages: turn the `packages` input (files or globs) into checked, absolute paths.
// Every way the input can be wrong becomes one InputError line before anything boots.
import { lstat, open, realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import * as glob from '@actions/glob';
import { sha256Of } from './digest.js';
import type { PackageManager } from './distro/parts.js';
import { InputError } from './errors.js';

export interface Candidate {
  /** Absolute path as matched (symlinks not resolved, so reports show the user's path). */
  path: string;
  name: string;
  version: string;
  arch: string;
  /** Names it depends on (Debian: Depends and Pre-Depends; rpm: Requires; alternatives and versions dropped): which candidates go together into the domU. */
  depends?: string[];
}

export interface ResolveOptions {
  /** Relative patterns are rooted here. */
  cwd: string;
  /** The host's architecture, e.g. 'amd64' or 'x86_64'; packages for any (`all`, `noarch`) always fit. */
  arch: string;
  /** The distro's package manager: what a package file is called, and how to read one. */
  packages: Pick<PackageManager, 'format' | 'anyArch' | 'readFile'>;
}

/** Lines as a multiline action input gives them: blank lines and `#` comments dropped. */
export function patternLines(patterns: readonly string[]): string[] {
  return patterns
    .flatMap((p) => p.split(/\r?\n/))
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export async function resolvePackages(patterns: string[], opts: ResolveOptions): Promise<Candidate[]> {
  const lines = patternLines(patterns);
  // `!pattern` excludes, as in other actions' inputs; it applies to every include pattern.
  const excludes = lines.filter((l) => l.startsWith('!')).map((l) => '!' + rooted(l.slice(1).trim(), opts.cwd));
  const files: string[] = [];
  for (const pattern of lines.filter((l) => !l.startsWith('!'))) {
    files.push(...(await match(pattern, excludes, opts.cwd, opts.packages.format)));
  }

  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const file of files) {
    const real = await realpath(file);
    if (seen.has(real)) continue; // the same file matched by two patterns (or via a symlink)
    seen.add(real);
    await checkReadableFile(file, opts.packages.format);
    const c: Candidate = { path: file, ...(await opts.packages.readFile(file)) };
    const any = opts.packages.anyArch;
    if (c.arch !== opts.arch && c.arch !== any) {
      throw new InputError(`${show(file)} is built for ${c.arch}; this run's host is ${opts.arch}: pass ${opts.arch} or ${any} packages`);
    }
    const other = candidates.find((o) => o.name === c.name);
    if (!other) candidates.push(c);
    else await checkSameCandidate(other, c);
  }
  return candidates;
}

/** Files one pattern matches (sorted, so runs are reproducible); none is an error. */
async function match(pattern: string, excludes: string[], cwd: string, format: string): Promise<string[]> {
  const abs = rooted(pattern, cwd);
  let found: string[];
  try {
    // Directories are never candidates: `debs/**` should mean the files under debs.
    const globber = await glob.create([abs, ...excludes].join('\n'), { implicitDescendants: false, matchDirectories: false });
    found = await globber.glob();
  } catch (err) {
    throw new InputError(`packages: "${pattern}" could not be searched (${reason(err)}); fix the pattern or the permissions`);
  }
  if (found.length > 0) return found.sort();

  // A literal path that exists but is no file deserves a better hint than "matched no file".
  if (!/[*?[]/.test(pattern)) {
    const literal = path.resolve(cwd, pattern);
    const st = await stat(literal).catch(() => null);
    if (st?.isDirectory()) {
      throw new InputError(`packages: ${show(literal)} is a directory; name the package files in it, e.g. "${pattern.replace(/\/$/, '')}/*.${format}"`);
    }
    if (!st && (await lstat(literal).catch(() => null))?.isSymbolicLink()) {
      throw new InputError(`packages: ${show(literal)} is a broken symbolic link; point it at a package file`);
    }
  }
  const where = path.isAbsolute(pattern) ? '' : ` (relative to ${show(cwd)})`;
  throw new InputError(`packages: "${pattern}" matched no file${where}; build the packages first or fix the pattern`);
}

/** An absolute glob: only the user's part may be a pattern, so cwd and home are escaped. */
function rooted(pattern: string, cwd: string): string {
  let joined: string;
  if (path.isAbsolute(pattern)) joined = pattern;
  else if (pattern === '~' || pattern.startsWith('~/')) joined = globEscape(homedir()) + pattern.slice(1);
  else joined = globEscape(cwd) + '/' + pattern;
  // @actions/glob refuses `.` and `..` segments; folding them here lets `../debs/*.deb` work.
  return path.normalize(joined);
}

/** @actions/glob's escaping on Linux: `\` escapes, and `[x]` makes a one-character literal. */
function globEscape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\[/g, '[[]').replace(/\?/g, '[?]').replace(/\*/g, '[*]');
}

async function checkReadableFile(file: string, format: string): Promise<void> {
  const st = await stat(file);
  // Checked before opening: opening a FIFO for reading would block.
  if (!st.isFile()) throw new InputError(`${show(file)} is not a regular file; pass .${format} package files`);
  try {
    await (await open(file, 'r')).close();
  } catch (err) {
    throw new InputError(`${show(file)} cannot be read (${reason(err)}); fix its permissions or pass another file`);
  }
}

/** The candidates a package needs from among the candidates (itself included), following Depends. */
export function candidateClosure(root: string, candidates: Candidate[]): Candidate[] {
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const out = new Map<string, Candidate>();
  const visit = (name: string) => {
    const c = byName.get(name);
    if (!c || out.has(name)) return;
    out.set(name, c);
    for (const d of c.depends ?? []) visit(d);
  };
  visit(root);
  return [...out.values()];
}

/** Two files for one package name are fine only if they are the same package, byte for byte. */
async function checkSameCandidate(a: Candidate, b: Candidate): Promise<void> {
  if (a.version !== b.version) {
    throw new InputError(
      `packages: two versions of ${a.name}: ${show(a.path)} (${a.version}) and ${show(b.path)} (${b.version}); pass one version of each package`,
    );
  }
  if (a.arch !== b.arch || (await sha256Of(a.path)) !== (await sha256Of(b.path))) {
    throw new InputError(`packages: ${show(a.path)} and ${show(b.path)} both give ${a.name} ${a.version} but differ; pass only one of them`);
  }
}


/** A path kept on one line: names with control characters are shown JSON-quoted. */
export function show(p: string): string {
  return /[\x00-\x1f\x7f]/.test(p) ? JSON.stringify(p) : p;
}

export function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? String(e.message ?? err).split('\n')[0];
}
