// After a run (or for an existing report): judge it and rewrite its files, so
// report.json, junit.xml and summary.md all carry the verdict.
import type { Baseline, ExpectedFailure } from '../config.js';
import type { Report } from './types.js';
import { exitCodeOf, judge } from './verdict.js';
import { writeReportFiles } from './write.js';

export interface Finished {
  report: Report;
  files: { json: string; junit: string; summary: string };
  exitCode: 0 | 1 | 3;
}

export async function judgeAndWrite(
  report: Report,
  j: { expectedFailures: readonly ExpectedFailure[]; baseline?: Baseline },
  outDir: string,
  runUrl?: string,
): Promise<Finished> {
  const judged = judge(report, j);
  const files = await writeReportFiles(judged, outDir, { runUrl });
  return { report: judged, files, exitCode: exitCodeOf(judged) };
}
