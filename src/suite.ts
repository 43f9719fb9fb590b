// Runs checks: each with its own timeout and evidence, a check whose
// foundation did not pass skipped with that reason, and a check that throws
// recorded as `error` (it could not judge), never as a pass.
import type { Check, CheckContext, RunFacts } from './checks/check.js';
import { excerpt } from './checks/check.js';
import type { DistroProfile } from './distro/profile.js';
import { InfraError } from './errors.js';
import type { Host } from './host/host.js';
import type { CheckResult, Evidence } from './report/types.js';

export interface SuiteOptions {
  host: Host;
  profile: DistroProfile;
  facts: RunFacts;
  timeoutMs: number;
  /** Results so far, from earlier groups: a check may build on them. */
  earlier: CheckResult[];
  onResult?: (r: CheckResult) => void;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export async function runChecks(checks: Check[], o: SuiteOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const all = () => [...o.earlier, ...results];
  for (const check of checks) {
    const started = Date.now();
    const evidence: Evidence[] = [];
    const base = { id: check.id, title: check.title, where: check.where, seed: check.seed, evidence };
    const blocker = (check.after ?? []).map((id) => all().find((r) => r.id === id)).find((r) => r && r.status !== 'pass');
    let result: CheckResult;
    if (blocker) {
      result = { ...base, status: 'skip', durationMs: 0, message: `skipped: ${blocker.id} did not pass (${blocker.status})` };
    } else {
      const ctx: CheckContext = {
        host: o.host,
        profile: o.profile,
        facts: o.facts,
        timeoutMs: o.timeoutMs,
        async run(argv) {
          const r = await o.host.run(argv, { phase: `check ${check.id}`, timeoutMs: o.timeoutMs, allowFailure: true });
          evidence.push({ command: argv.join(' '), exitCode: r.code, output: excerpt(r.stdout + (r.stderr ? `\n${r.stderr}` : '')) });
          return r;
        },
        note(what, output) {
          evidence.push({ command: what, output: excerpt(output) });
        },
      };
      try {
        const out = await withTimeout(check.run(ctx), o.timeoutMs, `check ${check.id}`);
        result = { ...base, ...out, durationMs: Date.now() - started };
      } catch (e) {
        const msg = e instanceof InfraError ? e.message : `the check could not run: ${(e as Error).message}`;
        result = { ...base, status: 'error', durationMs: Date.now() - started, message: msg };
      }
    }
    results.push(result);
    o.onResult?.(result);
  }
  return results;
}
