// A static pass over shell scripts (the Xen hotplug scripts) that lists the
// programs they run: words in command position, after taking out shell
// builtins and keywords, functions the scripts define, variables, and code
// that can never run (after an unconditional `return` or `exit`).
//
// It is a small lexer and a statement-level parser, not a full shell: it knows
// quotes, `$(...)`, backquotes, `${...}`, `$((...))`, heredocs, comments,
// `case` patterns, `for` word lists, `[[ ... ]]`, function definitions and
// compound commands. What it cannot resolve (a command held in a variable,
// `eval`) it leaves out rather than guess. Pure: no I/O.

import type { Word } from './shell-lexer.js';
import { ASSIGNMENT, type SimpleCommand, scanScript } from './shell-parser.js';

export type { Word } from './shell-lexer.js';
export { type ScriptScan, type SimpleCommand, scanScript } from './shell-parser.js';

// ---------------------------------------------------------------- what the commands are

/** Builtins and keywords of bash (the scripts' shell) and POSIX sh: never a program to look for. */
export const SHELL_BUILTINS = new Set([
  ...['.', ':', '[', ']]', '[[', 'alias', 'bg', 'bind', 'break', 'builtin', 'caller', 'cd', 'command', 'compgen', 'complete'],
  ...['compopt', 'continue', 'declare', 'dirs', 'disown', 'echo', 'enable', 'eval', 'exec', 'exit', 'export', 'false', 'fc'],
  ...['fg', 'getopts', 'hash', 'help', 'history', 'jobs', 'kill', 'let', 'local', 'logout', 'mapfile', 'popd', 'printf'],
  ...['pushd', 'pwd', 'read', 'readarray', 'readonly', 'return', 'set', 'shift', 'shopt', 'source', 'suspend', 'test', 'times'],
  ...['trap', 'true', 'type', 'typeset', 'ulimit', 'umask', 'unalias', 'unset', 'wait'],
  ...['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', 'time', '{', '}', '!'],
]);

/** Programs that run the command given in their arguments: what follows their options is a command too. */
const WRAPPERS: Record<string, { optionsWithValue: string[]; skipFirstOperand?: boolean }> = {
  env: { optionsWithValue: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'] },
  nice: { optionsWithValue: ['-n', '--adjustment'] },
  nohup: { optionsWithValue: [] },
  setsid: { optionsWithValue: [] },
  stdbuf: { optionsWithValue: ['-i', '-o', '-e'] },
  chroot: { optionsWithValue: [], skipFirstOperand: true },
  timeout: { optionsWithValue: ['-s', '--signal', '-k', '--kill-after'], skipFirstOperand: true },
  xargs: { optionsWithValue: ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s'] },
  flock: { optionsWithValue: ['-w', '--timeout', '-E', '--conflict-exit-code'], skipFirstOperand: true },
};

/** What a program a script calls is, and where. */
export interface CommandUse {
  name: string;
  file: string;
  line: number;
  /** The same script checks for it first (`which X`, `command -v X`, `type X`, `hash X`). */
  guarded: boolean;
}

export interface ScriptSet {
  /** Programs the scripts run, with where (dead code and dynamic command words left out). */
  uses: CommandUse[];
  /** Interpreters named on #! lines: [path, file]. */
  interpreters: { name: string; file: string }[];
  /** Every function defined in any of the scripts (they source each other). */
  functions: Set<string>;
  /** Functions that run their arguments as a command ("$@" in command position). */
  runners: Set<string>;
  /** Functions called from code that runs (top level, or a reachable function); '' is the top level. */
  reachable: Set<string>;
  /** Per file: the scripts it sources from the same directory (basenames). */
  sources: Map<string, string[]>;
}

/** `${VAR}/x` and `$VAR/x` with a known VAR (hotplugpath.sh defines LIBEXEC_BIN and friends) become literal. */
function resolveWord(w: Word, vars: Record<string, string>): string | null {
  if (w.literal !== null) return w.literal;
  const m = /^"?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))"?(\/[A-Za-z0-9_./+-]*)"?$/.exec(w.raw);
  const name = m && (m[1] ?? m[2]);
  if (m && name && vars[name] !== undefined) return vars[name] + m[3];
  return null;
}

/** The programs one simple command runs, and the names it only probes for. */
function headsOf(c: SimpleCommand, runners: Set<string>, vars: Record<string, string>): { run: string[]; probes: string[] } {
  const run: string[] = [];
  const probes: string[] = [];
  const words = c.words;
  let i = 0;
  while (i < words.length) {
    const name = resolveWord(words[i], vars);
    if (name === null) break;
    if (name === 'command' || name === 'builtin') {
      const rest = words.slice(i + 1).map((w) => resolveWord(w, vars));
      if (name === 'command' && rest[0] !== undefined && /^-[vV]+$/.test(rest[0] ?? '')) {
        probes.push(...(rest.slice(1).filter((x) => x !== null) as string[]));
        break;
      }
      if (name === 'builtin') break;
      i++;
      while (i < words.length && /^-/.test(words[i].literal ?? '')) i++;
      continue;
    }
    if (name === 'exec') {
      i++;
      while (i < words.length && /^-[acl]+$/.test(words[i].literal ?? '')) i += words[i].literal === '-a' ? 2 : 1;
      continue;
    }
    if (name === 'which' || name === 'type' || name === 'hash') {
      if (name === 'which') run.push(name);
      probes.push(...(words.slice(i + 1).map((w) => resolveWord(w, vars)).filter((x): x is string => x !== null && !x.startsWith('-'))));
      break;
    }
    const wrapper = WRAPPERS[name];
    if (wrapper) {
      run.push(name);
      i++;
      let skippedOperand = false;
      while (i < words.length) {
        const a = words[i].literal;
        if (a === null) break;
        if (a === '--') {
          i++;
          break;
        }
        if (name === 'env' && ASSIGNMENT.test(a)) {
          i++;
          continue;
        }
        if (a.startsWith('-')) {
          i += wrapper.optionsWithValue.includes(a) ? 2 : 1;
          continue;
        }
        if (wrapper.skipFirstOperand && !skippedOperand) {
          skippedOperand = true;
          i++;
          continue;
        }
        break;
      }
      continue;
    }
    if (runners.has(name)) {
      i++;
      continue;
    }
    run.push(name);
    break;
  }
  return { run, probes };
}

/**
 * Scan a set of scripts that live together (a hotplug script directory) and
 * list the programs they need. `vars` are variables known to hold fixed paths
 * (from hotplugpath.sh), so `${LIBEXEC_BIN}/x` counts as a program.
 */
export function scanScriptSet(files: { name: string; text: string }[], vars: Record<string, string> = {}): ScriptSet {
  const scans = files.map((f) => ({ name: f.name, scan: scanScript(f.text) }));
  const functions = new Set(scans.flatMap((s) => s.scan.functions));
  const runners = new Set<string>();
  for (const { scan } of scans) for (const c of scan.commands) if (c.func && c.words[0]?.at && !c.dead) runners.add(c.func);

  // What each live command runs, and which functions are ever called from code that runs:
  // a function only called after a `return` (Debian's handle_iptable) never runs, nor what it calls.
  const TOP = '';
  const calls = new Map<string, Set<string>>();
  const heads = scans.map(({ name, scan }) => {
    const probed = new Set<string>();
    const found: { name: string; line: number; func: string }[] = [];
    for (const c of scan.commands) {
      if (c.dead) continue;
      const { run, probes } = headsOf(c, runners, vars);
      probes.forEach((p) => probed.add(p));
      const from = c.func ?? TOP;
      const called = [...run, ...(run[0] === 'trap' && c.words[1]?.literal ? [c.words[1].literal] : [])];
      for (const r of called) if (functions.has(r)) calls.set(from, (calls.get(from) ?? new Set()).add(r));
      for (const r of run) found.push({ name: r, line: c.line, func: from });
    }
    return { file: name, scan, probed, found };
  });
  const reachable = new Set([TOP]);
  const queue = [TOP];
  while (queue.length) for (const f of calls.get(queue.pop()!) ?? []) if (!reachable.has(f)) (reachable.add(f), queue.push(f));

  const uses: CommandUse[] = [];
  const interpreters: { name: string; file: string }[] = [];
  const sources = new Map<string, string[]>();
  for (const { file, scan, probed, found } of heads) {
    if (scan.interpreter) {
      interpreters.push({ name: scan.interpreter.path, file });
      if (/\/env$/.test(scan.interpreter.path) && scan.interpreter.args[0]) interpreters.push({ name: scan.interpreter.args[0], file });
    }
    for (const f of found) {
      if (!reachable.has(f.func)) continue;
      if (SHELL_BUILTINS.has(f.name) || functions.has(f.name)) continue;
      if (f.name.includes('/') && !f.name.startsWith('/')) continue; // relative path: depends on the cwd
      if (f.name === '' || f.name.includes('=')) continue;
      uses.push({ name: f.name, file, line: f.line, guarded: probed.has(f.name) });
    }
    const local: string[] = [];
    for (const s of scan.sources) {
      const m = /^"?(?:\$\{?dir\}?|\$\{?XEN_SCRIPT_DIR\}?|\/etc\/xen\/scripts)\/([A-Za-z0-9_.+-]+)"?$/.exec(s.raw);
      if (m) local.push(m[1]);
    }
    sources.set(file, local);
  }
  return { uses, interpreters, functions, runners, reachable, sources };
}

/** `NAME="value"` lines of a sourced settings file (hotplugpath.sh), values without expansions only. */
export function shellAssignments(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"$`\\]*)"|'([^']*)'|([^\s"'$`\\;&|]*))\s*$/.exec(line);
    if (m) vars[m[1]] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return vars;
}
