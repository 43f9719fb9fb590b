// Man pages: the xl pages come with the packages and man finds them.
import { type Check, fail, pass } from './check.js';

const SEED = 'Man pages';

/** The pages every Xen install should have: section and name. */
export const XL_PAGES: [string, string][] = [
  ['1', 'xl'],
  ['5', 'xl.cfg'],
  ['5', 'xl.conf'],
  ['5', 'xl-disk-configuration'],
  ['5', 'xl-network-configuration'],
  ['5', 'xlcpupool.cfg'],
];

/**
 * Arguments "SECTION:NAME". `man -w` for each: "found S:N PATH" or "missing
 * S:N"; without a man command, "no-man" first and the files in
 * /usr/share/man are looked at instead.
 */
export const MAN_LOOKUP = [
  'if command -v man >/dev/null 2>&1; then man=1; else man=; echo no-man; fi',
  'for p in "$@"; do',
  '  s=${p%%:*}; n=${p#*:}',
  '  if [ -n "$man" ]; then f=$(man -w "$s" "$n" 2>/dev/null | head -n 1)',
  '  else f=$(ls -d /usr/share/man/man"$s"/"$n"."$s"* /usr/local/share/man/man"$s"/"$n"."$s"* 2>/dev/null | head -n 1); fi',
  '  if [ -n "$f" ]; then echo "found $p $f"; else echo "missing $p"; fi',
  'done',
].join('\n');

export function parseManLookup(text: string): { noMan: boolean; found: Map<string, string>; missing: string[] } {
  const found = new Map<string, string>();
  const missing: string[] = [];
  let noMan = false;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line === 'no-man') noMan = true;
    const f = /^found (\S+) (.+)$/.exec(line);
    if (f) found.set(f[1], f[2]);
    const m = /^missing (\S+)$/.exec(line);
    if (m) missing.push(m[1]);
  }
  return { noMan, found, missing };
}

const page = (key: string) => {
  const [s, n] = key.split(':');
  return `${n}(${s})`;
};

export const manPages: Check = {
  id: 'docs.man-pages',
  title: 'The xl man pages are installed and man finds them',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const keys = XL_PAGES.map(([s, n]) => `${s}:${n}`);
    const r = await ctx.run(['sh', '-c', MAN_LOOKUP, 'sh', ...keys]);
    const { noMan, found, missing } = parseManLookup(r.stdout);
    const unknown = keys.filter((k) => !found.has(k) && !missing.includes(k));
    if (unknown.length) throw new Error(`no answer for ${unknown.map(page).join(', ')} (exit ${r.code})`);
    const how = noMan ? ' (man is not installed: looked in /usr/share/man)' : '';
    if (missing.length) {
      return fail(
        `${missing.map(page).join(', ')} not found${how}; found: ${[...found.keys()].map(page).join(', ') || 'none'}`,
        `Ship the xl man pages (built from docs/man in the Xen source) in ${ctx.profile.xenPackages.manPages}, which the tools and the meta package pull in.`,
      );
    }
    return pass(`${keys.map(page).join(', ')} found${how}: ${found.get(keys[0])}, ...`);
  },
};

export const docsChecks: Check[] = [manPages];
