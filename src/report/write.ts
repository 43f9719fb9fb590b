import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { toJson } from './json.js';
import { toJUnit } from './junit.js';
import { type SummaryOptions, toMarkdown } from './summary.js';
import type { Report } from './types.js';
import { makeDirs } from '../dirs.js';

/** Writes report.json, junit.xml and summary.md into outDir; returns their absolute paths. */
export async function writeReportFiles(
  report: Report,
  outDir: string,
  summary: SummaryOptions = {},
): Promise<{ json: string; junit: string; summary: string }> {
  const dir = path.resolve(outDir);
  await makeDirs(dir);
  const paths = {
    json: path.join(dir, 'report.json'),
    junit: path.join(dir, 'junit.xml'),
    summary: path.join(dir, 'summary.md'),
  };
  await Promise.all([
    writeFile(paths.json, toJson(report), 'utf8'),
    writeFile(paths.junit, toJUnit(report), 'utf8'),
    writeFile(paths.summary, toMarkdown(report, summary), 'utf8'),
  ]);
  return paths;
}
