// init scripts: the toolstack services are enabled at boot without a manual
// step, and after the boot xenstored and xenconsoled run and xenstore answers.
import { type Check, fail, pass } from './check.js';
import { lastLine } from '../proc.js';

const SEED = 'init scripts: xencommons';

/** The S links in the SysV runlevel directories for each name given. */
export const RC_LINKS = 'for n in "$@"; do for f in /etc/rc[S2345].d/S[0-9][0-9]"$n"; do [ -e "$f" ] && echo "$f"; done; done; exit 0';

/** rc link paths -> name -> runlevels with an S link. */
export function parseRcLinks(text: string, names: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const line of text.split('\n')) {
    const m = /^\/etc\/rc([S0-6])\.d\/S\d\d(.+)$/.exec(line.trim());
    if (m && out.has(m[2])) out.get(m[2])!.push(m[1]);
  }
  return out;
}

export interface UnitState {
  /** systemctl's word: enabled, disabled, generated, static, masked, not-found, ... */
  state: string;
  /** The unit is a SysV script systemd wraps (a generated unit, or systemctl redirected to systemd-sysv-install). */
  sysv: boolean;
}

/** Read `systemctl is-enabled NAME`. */
export function parseIsEnabled(r: { code: number; stdout: string; stderr: string }): UnitState {
  const sysv = /not a native service|systemd-sysv-install/.test(r.stderr);
  const word = lastLine(r.stdout).trim().split(/\s+/)[0] ?? '';
  if (word) return { state: word, sysv: sysv || word === 'generated' };
  if (r.code === 127) return { state: 'no-systemctl', sysv: true };
  if (/No such file|not found|does not exist/i.test(r.stderr)) return { state: 'not-found', sysv };
  return { state: `unknown (exit ${r.code})`, sysv };
}

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias']);

export const servicesEnabled: Check = {
  id: 'services.enabled',
  title: 'The toolstack services are enabled at boot by the packages, with no manual step',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const units = ctx.profile.services.atBoot;
    const states = new Map<string, UnitState>();
    for (const u of units) states.set(u, parseIsEnabled(await ctx.run(['systemctl', 'is-enabled', u])));
    const links = parseRcLinks((await ctx.run(['sh', '-c', RC_LINKS, 'sh', ...units])).stdout, units);
    const ok: string[] = [];
    const bad: string[] = [];
    for (const u of units) {
      const s = states.get(u)!;
      const rc = links.get(u)!;
      // A SysV script is enabled by its S links (systemctl then says "generated", or asks systemd-sysv-install).
      if (s.sysv && s.state !== 'masked' && s.state !== 'not-found') {
        if (rc.length) ok.push(`${u} (SysV, S links in rc${rc.join(',')})`);
        else bad.push(`${u} is a SysV script without S links in /etc/rc[2-5].d (systemctl: ${s.state})`);
      } else if (ENABLED.has(s.state)) ok.push(`${u} (${s.state})`);
      else bad.push(`${u} is ${s.state === 'not-found' ? 'not installed' : s.state}`);
    }
    if (bad.length) {
      return fail(
        bad.join('; '),
        `Enable the services from the package's maintainer scripts, as dh_installinit/dh_installsystemd do (update-rc.d <name> defaults, or systemctl enable via deb-systemd-helper); ${ctx.profile.services.commons} must start xenstored and xenconsoled at every boot.`,
      );
    }
    return pass(`enabled at boot: ${ok.join(', ')}`);
  },
};

/** pgrep -l output -> process names. */
export function parsePgrep(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\d+\s+(\S+)/.exec(l.trim())?.[1])
    .filter((x): x is string => !!x);
}

export const servicesRunning: Check = {
  id: 'services.running',
  title: 'After the boot xenstored and xenconsoled run, and xenstore answers',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    // xenstored is C or OCaml (oxenstored, which Debian's init script prefers).
    const stored = parsePgrep((await ctx.run(['pgrep', '-l', '-x', 'xenstored|oxenstored'])).stdout);
    const consoled = parsePgrep((await ctx.run(['pgrep', '-l', '-x', 'xenconsoled'])).stdout);
    const ls = await ctx.run(['xenstore-ls']);
    const problems = [
      ...(stored.length ? [] : ['no xenstored (or oxenstored) process']),
      ...(consoled.length ? [] : ['no xenconsoled process']),
      ...(ls.code !== 0 ? [`xenstore-ls fails (exit ${ls.code}${ls.stderr.trim() ? `: ${ls.stderr.trim().split('\n')[0]}` : ''})`] : ls.stdout.trim() ? [] : ['xenstore-ls prints nothing']),
    ];
    if (problems.length) {
      return fail(
        problems.join('; '),
        `The init script ${ctx.profile.services.commons} must start xenstored and xenconsoled at boot (see its log: journalctl -b -u ${ctx.profile.services.commons}); xenstore-ls comes with ${ctx.profile.xenPackages.xenstoreUtils}.`,
      );
    }
    const entries = ls.stdout.trim().split('\n').length;
    return pass(`${stored.join(', ')} and ${consoled.join(', ')} run; xenstore-ls lists ${entries} lines`);
  },
};

export const serviceChecks: Check[] = [servicesEnabled, servicesRunning];
