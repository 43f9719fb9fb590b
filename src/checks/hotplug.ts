// Xen udev scripts: the hotplug scripts libxl runs for vifs and disks (and
// any Xen udev rules, on versions that still ship them) are installed, the
// executable ones are executable, and every interpreter and program they call
// exists in dom0. The class of bug: locking.sh needing a program no package
// pulled in.
import { type Check, fail, pass, warn } from './check.js';
import { type CommandUse, scanScriptSet, shellAssignments } from '../parsers/shellscan.js';

const SEED = 'Xen udev scripts';

/** The scripts libxl runs by default for a vif and a disk; with what they source, they must work. */
export const HOTPLUG_ENTRY_SCRIPTS = ['vif-bridge', 'block'];
/** The other network modes xl documents: a guest uses them only when its vif names them, so a gap there is a warning. */
export const OPTIONAL_ENTRY_SCRIPTS = ['vif-route', 'vif-nat'];

/** Where udev rules live (older Xen shipped xen-backend.rules; libxl now runs the scripts itself). */
export const UDEV_RULE_DIRS = ['/etc/udev/rules.d', '/lib/udev/rules.d', '/usr/lib/udev/rules.d'];

const MARK = '@@xc-file@@';

/**
 * $1: the script directory; the rest: udev rule directories. For every file
 * in the script directory, a line "MARK x|- PATH" (x: executable) then its
 * text; then the same with "r" for every *xen*.rules file. Exit 3 without
 * the directory.
 */
export const DUMP_SCRIPTS = [
  'd=$1; shift',
  '[ -d "$d" ] || { echo "no directory $d" >&2; exit 3; }',
  'for f in "$d"/*; do',
  '  [ -f "$f" ] || continue',
  '  if [ -x "$f" ]; then m=x; else m=-; fi',
  `  printf '${MARK} %s %s\\n' "$m" "$f"; cat "$f"; printf '\\n'`,
  'done',
  'for r in "$@"; do for f in "$r"/*xen*.rules; do',
  '  [ -f "$f" ] || continue',
  `  printf '${MARK} r %s\\n' "$f"; cat "$f"; printf '\\n'`,
  'done; done',
  'exit 0',
].join('\n');

export interface DumpedFile {
  path: string;
  name: string;
  executable: boolean;
  text: string;
}

export function parseDump(out: string): { scripts: DumpedFile[]; rules: DumpedFile[] } {
  const scripts: DumpedFile[] = [];
  const rules: DumpedFile[] = [];
  const seenRules = new Set<string>();
  const parts = out.split(`${MARK} `).slice(1);
  for (const part of parts) {
    const nl = part.indexOf('\n');
    const header = nl < 0 ? part : part.slice(0, nl);
    // the dump adds one newline after each file
    const text = nl < 0 ? '' : part.slice(nl + 1).replace(/\n$/, '');
    const m = /^([x\-r]) (.+)$/.exec(header);
    if (!m) continue;
    const path = m[2];
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (m[1] === 'r') {
      // /lib/udev and /usr/lib/udev are one directory on merged-/usr systems
      if (!seenRules.has(name)) rules.push({ path, name, executable: false, text });
      seenRules.add(name);
    } else scripts.push({ path, name, executable: m[1] === 'x', text });
  }
  return { scripts, rules };
}

/** The programs udev rules RUN (the first word of RUN+="..."; relative names are in /lib/udev). */
export function udevPrograms(rules: string): string[] {
  const out: string[] = [];
  for (const line of rules.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    for (const m of line.matchAll(/\bRUN(?:\{[a-z]+\})?\s*\+?=\s*"([^"]*)"/g)) {
      const prog = m[1].trim().split(/\s+/)[0];
      if (prog && !prog.includes('$') && !prog.includes('%')) out.push(prog.startsWith('/') ? prog : `/lib/udev/${prog}`);
    }
  }
  return out;
}

/**
 * $1: directories to put first on PATH (as the scripts do: bindir, sbindir,
 * LIBEXEC_BIN), may be empty; the rest: names to look up. One line each:
 * "found NAME PATH" or "missing NAME". Absolute names must be executable files.
 */
export const LOOKUP_COMMANDS = [
  'p=$1; shift',
  'PATH="${p:+$p:}/sbin:/bin:/usr/bin:/usr/sbin:/usr/local/sbin:/usr/local/bin:$PATH"',
  'for c in "$@"; do',
  '  case $c in',
  '    /*) if [ -f "$c" ] && [ -x "$c" ]; then echo "found $c $c"; else echo "missing $c"; fi ;;',
  '    *) if w=$(command -v "$c" 2>/dev/null) && [ -n "$w" ]; then echo "found $c $w"; else echo "missing $c"; fi ;;',
  '  esac',
  'done',
].join('\n');

export function parseLookup(text: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const line of text.split('\n')) {
    const f = /^found (\S+) (.+)$/.exec(line.trim());
    if (f) out.set(f[1], f[2]);
    const m = /^missing (\S+)$/.exec(line.trim());
    if (m) out.set(m[1], null);
  }
  return out;
}

export interface HotplugPlan {
  /** Problems found without looking anything up on the host. */
  problems: string[];
  /** Names to look up on the host: programs, interpreters, udev RUN programs. */
  lookups: string[];
  /** The entry scripts and every file they source (directly or not). */
  core: string[];
  uses: CommandUse[];
  interpreters: { name: string; file: string }[];
  udev: { name: string; file: string }[];
  /** Directories for PATH, from hotplugpath.sh. */
  path: string;
}

/** What the scripts need, from their text alone. */
export function planHotplug(scripts: DumpedFile[], rules: DumpedFile[], entries = HOTPLUG_ENTRY_SCRIPTS): HotplugPlan {
  const byName = new Map(scripts.map((s) => [s.name, s]));
  const problems: string[] = [];
  const settings = byName.get('hotplugpath.sh');
  const vars = settings ? shellAssignments(settings.text) : {};
  const set = scanScriptSet(scripts.map((s) => ({ name: s.name, text: s.text })), vars);

  const core = new Set<string>();
  const queue = entries.filter((e) => {
    if (byName.has(e)) return true;
    problems.push(`${e} is not installed`);
    return false;
  });
  while (queue.length) {
    const f = queue.shift()!;
    if (core.has(f)) continue;
    core.add(f);
    for (const src of set.sources.get(f) ?? []) {
      if (byName.has(src)) queue.push(src);
      else problems.push(`${f} sources ${src}, which is not installed`);
    }
  }
  for (const s of scripts) {
    const shebang = s.text.startsWith('#!');
    if ((shebang || entries.includes(s.name)) && !s.executable) problems.push(`${s.name} ${shebang ? 'has a #! line but ' : ''}is not executable`);
  }
  const udev = rules.flatMap((r) => udevPrograms(r.text).map((name) => ({ name, file: r.path })));
  const lookups = [...new Set([...set.uses.map((u) => u.name), ...set.interpreters.map((i) => i.name), ...udev.map((u) => u.name)])].sort();
  const path = [vars.bindir, vars.sbindir, vars.LIBEXEC_BIN].filter(Boolean).join(':');
  return { problems: [...new Set(problems)], lookups, core: [...core], uses: set.uses, interpreters: set.interpreters, udev, path };
}

export interface HotplugVerdict {
  /** Fail-level: what breaks the scripts libxl runs by default. */
  missing: string[];
  /** Files whose failures those are (for naming the package). */
  culprits: string[];
  /** Not installed, but needed only by optional backends' scripts or after the script checks for it. */
  optional: string[];
  /** Programs found. */
  found: number;
}

const where = (uses: { file: string; line?: number }[]) =>
  [...new Set(uses.map((u) => (u.line ? `${u.file}:${u.line}` : u.file)))].slice(0, 4).join(', ') + (uses.length > 4 ? ', ...' : '');

/** Judge the plan against what the host has. */
export function judgeHotplug(plan: HotplugPlan, found: Map<string, string | null>): HotplugVerdict {
  const isMissing = (n: string) => found.get(n) == null;
  const missing: string[] = [];
  const optional: string[] = [];
  const culprits = new Set<string>();
  const interp = new Map<string, string[]>();
  for (const i of plan.interpreters) if (isMissing(i.name)) interp.set(i.name, [...(interp.get(i.name) ?? []), i.file]);
  for (const [name, files] of interp) {
    missing.push(`interpreter ${name} (${files.join(', ')})`);
    files.forEach((f) => culprits.add(f));
  }
  for (const u of plan.udev) if (isMissing(u.name)) missing.push(`${u.name} (RUN by ${u.file})`);
  const byName = new Map<string, CommandUse[]>();
  for (const u of plan.uses) if (isMissing(u.name)) byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
  for (const [name, uses] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    const needed = uses.filter((u) => plan.core.includes(u.file) && !u.guarded);
    if (needed.length) {
      missing.push(`${name} (${where(needed)})`);
      needed.forEach((u) => culprits.add(u.file));
    } else optional.push(`${name} (${where(uses)})`);
  }
  const foundCount = plan.lookups.filter((n) => !isMissing(n)).length;
  return { missing, culprits: [...culprits], optional, found: foundCount };
}

export const hotplugScripts: Check = {
  id: 'hotplug.scripts',
  title: 'The hotplug scripts (and any Xen udev rules) are installed, executable, and everything they call exists in dom0',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const dir = ctx.profile.hotplugScriptDir;
    const dump = await ctx.run(['sh', '-c', DUMP_SCRIPTS, 'sh', dir, ...UDEV_RULE_DIRS]);
    if (dump.code === 3) return fail(`${dir} does not exist`, `Install the hotplug scripts (tools/hotplug/Linux) in ${dir} with the tools.`);
    if (dump.code !== 0) throw new Error(`listing ${dir} failed (exit ${dump.code}): ${dump.stderr.trim()}`);
    const { scripts, rules } = parseDump(dump.stdout);
    const plan = planHotplug(scripts, rules);
    const look = await ctx.run(['sh', '-c', LOOKUP_COMMANDS, 'sh', plan.path, ...plan.lookups]);
    if (look.code !== 0) throw new Error(`looking up the scripts' commands failed (exit ${look.code}): ${look.stderr.trim()}`);
    const verdict = judgeHotplug(plan, parseLookup(look.stdout));
    ctx.note(
      'static scan of the scripts',
      [
        `core (${HOTPLUG_ENTRY_SCRIPTS.join(', ')} and what they source): ${plan.core.join(', ')}`,
        `programs called: ${plan.lookups.join(' ')}`,
        `udev rules: ${rules.map((r) => r.path).join(', ') || 'none'}`,
      ].join('\n'),
    );
    const failures = [...plan.problems, ...verdict.missing.map((m) => `not installed: ${m}`)];
    const optional = verdict.optional.length ? `; not installed, used only by optional backends' scripts or after checking for them: ${verdict.optional.join(', ')}` : '';
    if (failures.length) {
      const culprits = [...new Set([...verdict.culprits, ...HOTPLUG_ENTRY_SCRIPTS.filter((e) => scripts.some((s) => s.name === e))])].slice(0, 1);
      const owners = culprits.length ? await ctx.profile.packages.owners(ctx.run, `${dir}/${culprits[0]}`) : [];
      const pkg = owners[0] ?? `the package that ships ${dir}`;
      return fail(
        `${failures.join('; ')}${optional}`,
        `${pkg} must make its scripts work as installed: add a Depends on the packages that provide the missing programs, or change the scripts to use programs that are always there (e.g. ip from iproute2 instead of ifconfig); install the scripts executable.`,
      );
    }
    const udev = rules.length ? `${rules.length} Xen udev rule files (their RUN programs exist)` : 'no Xen udev rules (libxl runs the scripts itself)';
    // The optional network modes, judged the same way against what was looked up.
    const extra = judgeHotplug(planHotplug(scripts, rules, OPTIONAL_ENTRY_SCRIPTS), parseLookup(look.stdout)).missing;
    if (extra.length) {
      return warn(
        `the default scripts work, but ${OPTIONAL_ENTRY_SCRIPTS.join(' and ')} call programs that are not installed: ${extra.join(', ')}`,
        `Guests configured with script=${OPTIONAL_ENTRY_SCRIPTS.join(' or script=')} would fail to start: have the tools package Recommend or Depend on what provides ${extra.map((m) => m.split(' ')[0]).join(', ')}, or use ip (iproute2) in those scripts.`,
      );
    }
    return pass(
      `${scripts.length} files in ${dir}; every program and interpreter that ${HOTPLUG_ENTRY_SCRIPTS.join(', ')} and the ${plan.core.length - HOTPLUG_ENTRY_SCRIPTS.length} files they source call is installed (${verdict.found} of ${plan.lookups.length} names the scripts use found); ${udev}${optional}`,
    );
  },
};

export const hotplugChecks: Check[] = [hotplugScripts];
