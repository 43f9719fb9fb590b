// A tiny stand-in for a Xen host in unit tests of pure logic: run() answers
// from a map keyed by argv joined with spaces (as the suite's evidence names
// commands); anything not in the map exits 127 like a missing command. A
// file read (cat, binary) answers with the answer's bytes.
import type { Check, RunFacts } from '../../src/checks/check.js';
import { profileFor } from '../../src/distro/index.js';
import type { ExecOptions, Host } from '../../src/host/host.js';
import type { RunResult } from '../../src/proc.js';
import type { CheckResult } from '../../src/report/types.js';
import { DEFAULT_TIMEOUTS } from '../../src/settings.js';
import { runChecks, type SuiteOptions } from '../../src/suite.js';

export type Answers = Record<string, Partial<RunResult>>;

/** The key the fake host knows a `sh -c SCRIPT sh ARGS...` call by. */
export const sh = (script: string, ...args: string[]) => ['sh', '-c', script, 'sh', ...args].join(' ');

export interface FakeHost extends Host {
  /** Every argv run, joined with spaces, in order. */
  readonly calls: string[];
}

export function fakeHost(answers: Answers = {}): FakeHost {
  const calls: string[] = [];
  const unexpected = (what: string) => () => Promise.reject(new Error(`fake host: ${what} not expected in this test`));
  return {
    target: 'fake',
    calls,
    async run(argv: readonly string[], opts: ExecOptions): Promise<RunResult> {
      const key = argv.join(' ');
      calls.push(key);
      const a = answers[key];
      // A stream passed on to another host (relay) gets the answer's stdout, then its end.
      if (opts.output) {
        opts.output.end(a?.stdout ?? '');
        return { code: a ? (a.code ?? 0) : 127, stdout: '', stderr: a?.stderr ?? '' };
      }
      if (!a) return { code: 127, stdout: '', stderr: `${argv[0]}: not found` };
      // A binary read gets the answer's bytes, as the real run() gives them.
      if (opts.binary) return { code: a.code ?? 0, stdout: '', stderr: a.stderr ?? '', bytes: a.bytes ?? Buffer.from(a.stdout ?? '') };
      return { code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    },
    put: unexpected('put'),
    reboot: unexpected('reboot'),
    bootId: unexpected('bootId'),
    shutdown: unexpected('shutdown'),
    serialTail: unexpected('serialTail'),
    serialLog: unexpected('serialLog'),
    close: async () => {},
  };
}

/** Suite options for unit tests: a Debian 12 profile, the default timeouts, checks bounded at 5 s. */
export function suiteOptions(host: Host, more: Partial<SuiteOptions> = {}): SuiteOptions {
  return { host, profile: profileFor('debian-12'), facts: {}, timeoutMs: 5_000, timeouts: { ...DEFAULT_TIMEOUTS }, earlier: [], ...more };
}

/** Run one check through the real suite against a fake host. */
export async function runCheck(check: Check, host: Host, facts: RunFacts = {}): Promise<CheckResult> {
  const results = await runChecks([check], suiteOptions(host, { facts }));
  if (results.length !== 1) throw new Error(`expected one result, got ${results.length}`);
  return results[0];
}
