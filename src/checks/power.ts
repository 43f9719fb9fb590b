// Power management: xenpm is installed and answers. What the hardware (or a
// VM) cannot report is a warning with the reason, not a failure.
import { type Check, fail, pass, warn } from './check.js';

const SEED = 'Make sure the Xen version you package for dom0 has full power management support';

export const XENPM_QUERIES = ['get-cpu-topology', 'get-cpuidle-states', 'get-cpufreq-para'] as const;
export type XenpmQuery = (typeof XENPM_QUERIES)[number];

/** What a successful answer of each query looks like (xenpm 4.17's output). */
const ANSWERED: Record<XenpmQuery, RegExp> = {
  'get-cpu-topology': /^CPU\d+\s+\d+\s+\d+/m,
  // (the max C-state line comes first even when no CPU has idle data: it is not an answer)
  'get-cpuidle-states': /^cpu id\s*:/m,
  'get-cpufreq-para': /^cpu id\s*:|^scaling_driver\s*:/m,
};

/** xenpm itself is broken (not: the platform has nothing to report). */
const BROKEN = /failed to get the handler|failed to get (the )?processor information|usage: xenpm|Ambig(u|i)ous options/i;

/** What xenpm says when the platform has nothing to report (xenpm.c: no cpufreq or cpuidle data uploaded to Xen). */
const UNAVAILABLE = /failed to get cpufreq parameter|is not enabled|is disabled|no valid information|failed to get (the )?(max )?c-?states?|not supported|Cannot get Xen|Function not implemented/i;

export type XenpmAnswer =
  | { kind: 'ok' }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'broken'; reason: string }
  /** A non-zero exit saying neither: the check cannot tell, and says so (error), rather than call it the platform's. */
  | { kind: 'unknown'; reason: string };

/** Classify one `xenpm QUERY` run. */
export function classifyXenpm(query: XenpmQuery, r: { code: number; stdout: string; stderr: string }): XenpmAnswer {
  const text = `${r.stdout}\n${r.stderr}`;
  const first = (r.stderr.trim() || r.stdout.trim()).split('\n')[0]?.trim() || `exit ${r.code}`;
  if (r.code === 126 || r.code === 127) return { kind: 'broken', reason: `cannot run xenpm: ${first}` };
  if (r.code >= 128) return { kind: 'broken', reason: `xenpm ${query} died (exit ${r.code})` };
  if (BROKEN.test(text)) return { kind: 'broken', reason: first };
  if (ANSWERED[query].test(r.stdout)) return { kind: 'ok' };
  if (r.code !== 0 && !UNAVAILABLE.test(text)) return { kind: 'unknown', reason: `xenpm ${query} exited ${r.code}: ${first}` };
  return { kind: 'unavailable', reason: first };
}

export const xenpm: Check = {
  id: 'power.xenpm',
  title: 'xenpm is installed and reports CPU topology, idle states and frequency parameters',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0'],
  async run(ctx) {
    const which = await ctx.run(['sh', '-c', 'command -v xenpm']);
    if (which.code !== 0 || !which.stdout.trim()) {
      return fail('xenpm is not installed', `Ship xenpm (tools/misc) in the tools package (${ctx.profile.xenPackages.tools}).`);
    }
    const answers = new Map<XenpmQuery, XenpmAnswer>();
    for (const q of XENPM_QUERIES) answers.set(q, classifyXenpm(q, await ctx.run(['xenpm', q])));
    const unknown = [...answers].filter(([, a]) => a.kind === 'unknown') as [XenpmQuery, { reason: string }][];
    if (unknown.length) {
      throw new Error(`${unknown.map(([, a]) => a.reason).join('; ')}; neither an answer nor a platform that has no data, so this run cannot judge xenpm (see the evidence)`);
    }
    const broken = [...answers].filter(([, a]) => a.kind === 'broken') as [XenpmQuery, { reason: string }][];
    const unavailable = [...answers].filter(([, a]) => a.kind === 'unavailable') as [XenpmQuery, { reason: string }][];
    const ok = [...answers].filter(([, a]) => a.kind === 'ok').map(([q]) => q);
    if (broken.length) {
      return fail(
        `xenpm (${which.stdout.trim()}) does not work: ${broken.map(([q, a]) => `${q}: ${a.reason}`).join('; ')}`,
        'xenpm must run in dom0 as installed: check that it matches the running hypervisor and that its libraries (libxenctrl) are installed.',
      );
    }
    if (unavailable.length) {
      return warn(
        `xenpm answers${ok.length ? ` ${ok.join(', ')}` : ''}, but this platform does not report ${unavailable.map(([q, a]) => `${q} ("${a.reason}")`).join(', ')}: under an emulator or without the ACPI data (xen-acpi-processor) that is expected`,
        'On real hardware, make sure dom0 loads xen-acpi-processor so Xen gets the P- and C-states, and that Xen is not booted with cpufreq=none or cpuidle=0.',
      );
    }
    return pass(`xenpm (${which.stdout.trim()}) answers ${ok.join(', ')}`);
  },
};

export const powerChecks: Check[] = [xenpm];
