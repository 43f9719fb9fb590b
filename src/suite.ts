// Runs checks: each with its own timeout and evidence, a check whose
// foundation did not pass skipped with that reason, and a check that throws
// recorded as `error` (it could not judge), never as a pass.
import type { Check, CheckContext, RunFacts } from './checks/check.js';
import { excerpt } from './checks/check.js';
import type { Timeouts } from './config.js';
import type { DistroProfile } from './distro/profile.js';
import { InfraError } from './errors.js';
import type { CheckPhase } from './plan.js';
import { Guest } from './guest/guest.js';
import type { Host } from './host/host.js';
import { type RunResult, withTimeout } from './proc.js';
import type { CheckResult, Evidence } from './report/types.js';

export interface SuiteOptions {
  host: Host;
  profile: DistroProfile;
  facts: RunFacts;
  timeoutMs: number;
  timeouts: Timeouts;
  /** Results so far, from earlier groups: a check may build on them. */
  earlier: CheckResult[];
  onResult?: (r: CheckResult) => void;
  /** Checks running at once (default CONCURRENCY). */
  concurrency?: number;
}

/** How many checks run at once: they only wait on the host, over one shared SSH connection. */
export const CONCURRENCY = 4;

/** One phase of the run plan (src/plan.ts): its checks under its bound and concurrency. */
export function runPhase(phase: CheckPhase, checks: Check[], o: Omit<SuiteOptions, 'timeoutMs' | 'concurrency'>): Promise<CheckResult[]> {
  return runChecks(checks, { ...o, timeoutMs: (phase.boundS?.(o.timeouts, o.facts) ?? o.timeouts.check) * 1000, concurrency: phase.concurrency });
}

export async function runChecks(checks: Check[], o: SuiteOptions): Promise<CheckResult[]> {
  const done = new Map<string, Promise<CheckResult>>();
  const slots = semaphore(o.concurrency ?? CONCURRENCY);
  // Each check starts once the checks it builds on have finished, and a slot is free.
  for (const check of checks) {
    const deps = (check.after ?? []).map((id) => done.get(id)).filter((p): p is Promise<CheckResult> => !!p);
    done.set(
      check.id,
      Promise.all(deps).then(async () => {
        const release = await slots();
        try {
          const result = await runOne(check, o, [...o.earlier, ...(await settled(done, check.after ?? []))]);
          o.onResult?.(result);
          return result;
        } finally {
          release();
        }
      }),
    );
  }
  // In catalogue order, whatever order they finished in.
  return Promise.all(checks.map((c) => done.get(c.id)!));
}

async function settled(done: Map<string, Promise<CheckResult>>, ids: string[]): Promise<CheckResult[]> {
  return Promise.all(ids.filter((id) => done.has(id)).map((id) => done.get(id)!));
}

function semaphore(n: number): () => Promise<() => void> {
  let free = n;
  const waiting: (() => void)[] = [];
  return async () => {
    if (free > 0) free--;
    else await new Promise<void>((r) => waiting.push(r));
    return () => {
      const next = waiting.shift();
      if (next) next();
      else free++;
    };
  };
}

async function runOne(check: Check, o: SuiteOptions, known: CheckResult[]): Promise<CheckResult> {
  const started = Date.now();
  const evidence: Evidence[] = [];
  const base = { id: check.id, title: check.title, where: check.where, seed: check.seed, evidence };
  const blocker = (check.after ?? []).map((id) => known.find((r) => r.id === id)).find((r) => r && r.status !== 'pass');
  if (blocker) return { ...base, status: 'skip', durationMs: 0, message: `skipped: ${blocker.id} did not pass (${blocker.status})` };
  // What the run does not have: a skip with why, never a verdict.
  const missing = (check.requires ?? []).map((r) => r.missing?.(o.facts)).find((why) => why !== undefined);
  if (missing !== undefined) return { ...base, status: 'skip', durationMs: 0, message: missing };
  const timeoutMs = check.boundS ? check.boundS(o.timeouts) * 1000 : o.timeoutMs;
  const opts = { phase: `check ${check.id}`, timeoutMs, allowFailure: true };
  const runningGuest = () => {
    const g = o.facts.guest;
    if (!g?.up) throw new Error('there is no running domU');
    return g.guest;
  };
  /** Commands under way, so that a timeout can say what was still running. */
  const running = new Set<string>();
  const record = async (command: string, result: Promise<RunResult>) => {
    running.add(command);
    try {
      const r = await result;
      evidence.push({ command, exitCode: r.code, output: excerpt(r.stdout + (r.stderr ? `\n${r.stderr}` : '')) });
      return r;
    } finally {
      running.delete(command);
    }
  };
  const ctx: CheckContext = {
    host: o.host,
    profile: o.profile,
    facts: o.facts,
    timeoutMs,
    timeouts: o.timeouts,
    run: async (argv) => record(argv.join(' '), o.host.run(argv, opts)),
    guest: async (argv) => record(`(domU) ${argv.join(' ')}`, runningGuest().run(argv, opts)),
    on(host, name) {
      const there = new Guest(host);
      return {
        run: async (argv) => record(`(${name}) ${argv.join(' ')}`, host.run(argv, opts)),
        guest: async (argv) => record(`(${name}) (domU) ${argv.join(' ')}`, there.run(argv, opts)),
      };
    },
    async readFile(file, where = 'dom0') {
      const r = await (where === 'domU' ? runningGuest() : o.host).run(['cat', file], { ...opts, binary: true });
      const said = r.code === 0 ? `${r.bytes!.length} bytes, read on the runner` : r.stderr;
      evidence.push({ command: `${where === 'domU' ? '(domU) ' : ''}cat ${file}`, exitCode: r.code, output: excerpt(said) });
      return r.code === 0 ? r.bytes : undefined;
    },
    note(what, output) {
      evidence.push({ command: what, output: excerpt(output) });
    },
  };
  try {
    const still = () => (running.size ? `; still running: ${[...running].map((c) => (c.length > 120 ? `${c.slice(0, 117)}...` : c)).join(', ')}` : '');
    const out = await withTimeout(check.run(ctx), timeoutMs, () => new Error(`check ${check.id} did not finish in ${Math.round(timeoutMs / 1000)} s${still()}`));
    return { ...base, ...out, durationMs: Date.now() - started };
  } catch (e) {
    const msg = e instanceof InfraError ? e.message : `the check could not run: ${(e as Error).message}`;
    return { ...base, status: 'error', durationMs: Date.now() - started, message: msg };
  }
}
