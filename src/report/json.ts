import type { Report } from './types.js';

/** report.json: the Report itself, so every other output can be rebuilt from it. */
export function toJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}
