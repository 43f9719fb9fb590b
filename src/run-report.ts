// The report as the run builds it: phases timed as they run (and logged with
// the seconds since the start), results added as their phase ends, an
// infrastructure failure recorded once, the totals at the end.
import { InfraError } from './errors.js';
import { type CheckResult, type PhaseTiming, type Report, totalsOf } from './report/types.js';

export class RunReport {
  readonly t0 = Date.now();
  readonly results: CheckResult[] = [];
  readonly report: Report;
  /** The phase under way (named in an unexpected error). */
  current = 'start';
  private readonly phases: PhaseTiming[] = [];

  constructor(
    head: Pick<Report, 'tool' | 'distro' | 'target' | 'candidates' | 'profileUnverified'>,
    private readonly out: (line: string) => void,
  ) {
    this.report = { ...head, startedAt: new Date(this.t0).toISOString(), finishedAt: '', phases: this.phases, checks: this.results, totals: totalsOf([]) };
  }

  /** A line for the log, stamped with the seconds since the run started. */
  log(line: string): void {
    this.out(`[${((Date.now() - this.t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  }

  /** Run fn as the named phase: logged when it starts and ends, timed in the report either way. */
  async phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.current = name;
    this.log(`${name} ...`);
    const started = Date.now();
    try {
      const out = await fn();
      this.phases.push({ phase: name, seconds: (Date.now() - started) / 1000, ok: true });
      this.log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return out;
    } catch (e) {
      this.phases.push({ phase: name, seconds: (Date.now() - started) / 1000, ok: false });
      throw e;
    }
  }

  /** A phase that runs checks: their results join the report. */
  async checks(name: string, fn: () => Promise<CheckResult[]>): Promise<void> {
    this.results.push(...(await this.phase(name, fn)));
  }

  /** The run stopped: why, in which phase, and the host's last console lines. */
  async failed(e: unknown, cancelled: string | undefined, serialTail: () => Promise<string[]>): Promise<void> {
    const err = e instanceof InfraError ? e : new InfraError(this.current, (e as Error).stack ?? String(e));
    this.report.infraError = {
      phase: err.phase,
      message: cancelled ? `cancelled (${cancelled}) during ${this.current}` : err.message,
      serialTail: err.serialTail.length ? err.serialTail : await serialTail(),
    };
    this.log(`infrastructure failure: ${this.report.infraError.message}`);
  }

  /** The total, the end time and the totals; the exit code the run ends with. */
  finish(): { report: Report; exitCode: 0 | 1 | 3 } {
    const { report } = this;
    this.phases.push({ phase: 'total', seconds: (Date.now() - this.t0) / 1000, ok: !report.infraError });
    report.finishedAt = new Date().toISOString();
    report.totals = totalsOf(this.results);
    return { report, exitCode: report.infraError ? 3 : report.totals.fail + report.totals.error > 0 ? 1 : 0 };
  }
}
