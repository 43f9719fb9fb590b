// Annotations for the workflow run page. Pure: the caller hands them to
// @actions/core. GitHub shows at most 10 errors and 10 warnings per step, so
// the overflow is folded into one annotation instead of being silently lost.
import { clean } from './clean.js';
import type { Report } from './types.js';

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  title: string;
  message: string;
}

const MAX_PER_LEVEL = 10;
const SERIAL_LINES = 20;
const NOUN: Record<Annotation['level'], string> = { error: 'failures', warning: 'warnings', notice: 'notices' };


export function toAnnotations(report: Report): Annotation[] {
  // id is kept alongside so the grouped annotation can name what it folds.
  const all: { id: string; a: Annotation }[] = [];

  const infra = report.infraError;
  if (infra) {
    const tail = infra.serialTail.slice(-SERIAL_LINES).map(clean).join('\n');
    all.push({
      id: `infrastructure:${infra.phase}`,
      a: {
        level: 'error',
        title: `infrastructure failed in phase ${infra.phase}`,
        message: clean(infra.message) + (tail ? `\n\nLast serial lines:\n${tail}` : ''),
      },
    });
  }

  const v = report.verdict;
  for (const c of report.checks) {
    if (c.status !== 'fail' && c.status !== 'error' && c.status !== 'warn') continue;
    const message = clean(c.message) + (c.remedy ? `\n\nRemedy: ${clean(c.remedy)}` : '');
    // Judged: what does not fail the job is a warning, and says why.
    const failsJob = c.status !== 'warn' && (!v || v.failing.includes(c.id));
    const why = c.expected !== undefined ? `, expected: ${clean(c.expected)}` : c.change && c.change !== 'unchanged' ? `, ${c.change}` : '';
    all.push({
      id: c.id,
      a: { level: failsJob ? 'error' : 'warning', title: `${c.id}: ${c.title} (${c.status}${why})`, message },
    });
  }
  for (const id of v?.nowPassing ?? []) {
    all.push({ id, a: { level: 'warning', title: `${id}: now passes`, message: `${id} now passes: remove it from expected-failures` } });
  }

  const out: Annotation[] = [];
  for (const level of ['error', 'warning', 'notice'] as const) {
    const ofLevel = all.filter((x) => x.a.level === level);
    if (ofLevel.length <= MAX_PER_LEVEL) {
      out.push(...ofLevel.map((x) => x.a));
      continue;
    }
    // Keep the first 9; the 10th slot names everything after them.
    out.push(...ofLevel.slice(0, MAX_PER_LEVEL - 1).map((x) => x.a));
    const rest = ofLevel.slice(MAX_PER_LEVEL - 1).map((x) => x.id);
    out.push({
      level,
      title: `${rest.length} more ${NOUN[level]}`,
      message: `${rest.length} more ${NOUN[level]}: ${rest.join(', ')} — see the job summary`,
    });
  }
  return out;
}
