// The inputs that judge a run rather than steer it: expected-failures (check
// ids, each with a reason) and a baseline report.json. Each way one can be
// wrong is one InputError line, before anything starts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Baseline, ExpectedFailure } from './config.js';
import { expandHome, list, nearMatches } from './input-words.js';
import { STATUSES } from './report/types.js';
import type { SettingsContext } from './settings.js';

const EXPECTED_LINE = /^([A-Za-z0-9][\w.-]*)\s*:\s*(.*)$/;
const EXPECTED_FORM = 'write one "check-id: reason" a line';

/**
 * `check-id: reason` lines (blank lines and # comments skipped), or one line
 * naming a file of them (e.g. in the packaging repository).
 */
export function parseExpectedFailures(v: string, ctx: Pick<SettingsContext, 'cwd' | 'knownChecks'>, fail: (m: string) => never): ExpectedFailure[] {
  let text = v;
  let from = '';
  if (!v.includes('\n') && !EXPECTED_LINE.test(v)) {
    const file = path.resolve(ctx.cwd, expandHome(v));
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      // A lone check id is a line without its reason, not a file name.
      if (ctx.knownChecks.includes(v)) return fail(`expected-failures: "${v}" has no reason; ${EXPECTED_FORM}, e.g. "${v}: fails until the fix of bug 1234 is packaged"`);
      return fail(`expected-failures: "${v}" is neither a "check-id: reason" line nor a file that can be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); ${EXPECTED_FORM}, or pass the path of a file of them`);
    }
    from = ` (in ${file})`;
  }
  const out: ExpectedFailure[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const m = EXPECTED_LINE.exec(line);
    const id = m ? m[1] : line.split(/\s/)[0];
    if (!m || !m[2].trim()) return fail(`expected-failures: "${id}"${from} has no reason; ${EXPECTED_FORM}, e.g. "${id}: fails until the fix of bug 1234 is packaged"`);
    if (!ctx.knownChecks.includes(id)) {
      const near = nearMatches(id, ctx.knownChecks);
      const hint = near.length > 0 ? `did you mean ${list(near)}?` : `known checks: ${list(ctx.knownChecks)}`;
      return fail(`expected-failures: "${id}"${from} is not a known check; ${hint}`);
    }
    if (out.some((x) => x.id === id)) return fail(`expected-failures: "${id}"${from} is listed twice; keep one line with one reason`);
    out.push({ id, reason: m[2].trim() });
  }
  return out;
}

/** The parts of report.json that judging and rendering read; anything else may differ between versions. */
const reportShape = z.object({
  tool: z.object({ name: z.literal('xen-conformance'), version: z.string() }),
  distro: z.string(),
  target: z.string(),
  candidates: z.array(z.string()),
  startedAt: z.string(),
  phases: z.array(z.object({ phase: z.string(), seconds: z.number(), ok: z.boolean() })),
  checks: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      where: z.string(),
      status: z.enum(STATUSES as [string, ...string[]]),
      durationMs: z.number(),
      message: z.string(),
      evidence: z.array(z.object({ command: z.string(), output: z.string() })),
    }),
  ),
});

const REPORT_FIX = {
  baseline: "pass the report.json an earlier run wrote (e.g. the nightly run's baseline artifact)",
  report: 'pass the report.json a run wrote (in its out-dir)',
} as const;

/** Reads and checks a report.json named by the setting `name` (baseline, or the CLI's judge --report). */
export function readReportFile(name: keyof typeof REPORT_FIX, file: string, fail: (m: string) => never): Baseline {
  const fix = REPORT_FIX[name];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); ${fix}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fail(`${name}: ${file} is not JSON, so not a report.json; ${fix}`);
  }
  const r = reportShape.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    return fail(`${name}: ${file} is not a xen-conformance report.json (${issue.path.join('.') || 'the top level'} is missing or wrong); ${fix}`);
  }
  return { path: file, report: data as Baseline['report'] };
}

/** A baseline of another distro would call every difference between the releases a regression. */
export function baselineDistroProblem(b: Baseline | undefined, distro: string): string | undefined {
  if (!b || b.report.distro === distro) return undefined;
  return `baseline: ${b.path} is a ${b.report.distro} report and this run is ${distro}; pass the ${distro} run's report.json`;
}
