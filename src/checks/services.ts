// init scripts: the toolstack services are enabled at boot without a manual
// step, and after the boot xenstored and xenconsoled run and xenstore answers.
import { type Check, fail, pass } from './check.js';

const SEED = 'init scripts: xencommons';

export const servicesEnabled: Check = {
  id: 'services.enabled',
  title: 'The toolstack services are enabled at boot by the packages, with no manual step',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const units = ctx.profile.services.atBoot;
    const states = await ctx.profile.init.bootStates(ctx.run, units);
    const ok: string[] = [];
    const bad: string[] = [];
    for (const u of units) {
      const s = states.get(u)!;
      if (s.enabled) ok.push(`${u} (${s.detail})`);
      else bad.push(`${u} ${s.detail}`);
    }
    if (bad.length) {
      return fail(
        bad.join('; '),
        `${ctx.profile.init.enableAdvice}; ${ctx.profile.services.commons} must start xenstored and xenconsoled at every boot.`,
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
