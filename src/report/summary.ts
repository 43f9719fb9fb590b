// summary.md, also written to the GitHub job summary ($GITHUB_STEP_SUMMARY).
import { clean } from './clean.js';
// Order: the verdict (distro, Xen, target), what needs attention, the whole
// table, phase timings, the run's artifacts. Bounded in size whatever the
// evidence: GitHub refuses a step summary over 1 MiB.
import { totalsOf, type Change, type CheckResult, type Evidence, type Report, type Status } from './types.js';

const EMOJI: Record<Status, string> = {
  pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️', 'not-applicable': '➖', error: '💥',
};

/** Well under GitHub's 1 MiB per step summary, leaving room for other steps' summaries. */
export const MAX_SUMMARY_BYTES = 256 * 1024;
/** A table this long is folded: the attention section above it is what a packager reads first. */
const FOLD_TABLE_ROWS = 20;

export interface SummaryOptions {
  /** The run's page, where its artifacts are (see runUrlFromEnv). */
  runUrl?: string;
  maxBytes?: number;
}

/** GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID, when all three are set. */
export function runUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  return server && repo && run ? `${server}/${repo}/actions/runs/${run}` : undefined;
}


/** A table cell must stay on one line and not open a new column. */
const cell = (s: string) => clean(s).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** Text placed inside HTML tags (the <summary> line). */
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A fence longer than any backtick run in the body, so output cannot close it early. */
function fenced(body: string): string {
  const longest = Math.max(0, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}\n${body.replace(/\n$/, '')}\n${fence}`;
}

const CHANGE_WORDS: Record<Change, string> = {
  regression: 'regression', fixed: 'fixed', 'still-failing': 'still failing', new: 'new', unchanged: 'unchanged',
};
const isFailing = (c: CheckResult) => c.status === 'fail' || c.status === 'error';
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function verdictWords(report: Report): string {
  const v = report.verdict;
  const t = totalsOf(report.checks);
  if (report.infraError) {
    return `💥 infrastructure failed in phase ${report.infraError.phase}${v?.conclusion === 'cancelled' ? ' (cancelled)' : ''}`;
  }
  if (!v) {
    if (t.fail || t.error) return `❌ ${[t.fail && `${t.fail} failed`, t.error && `${t.error} errored`].filter(Boolean).join(', ')}`;
    return `✅ ${t.pass} passed`;
  }
  const failing = report.checks.filter((c) => v.failing.includes(c.id));
  // The failures that do not fail the job, by why not.
  const others = report.checks.filter((c) => isFailing(c) && !v.failing.includes(c.id));
  const count = (p: (c: CheckResult) => boolean, what: string) => {
    const n = others.filter(p).length;
    return n ? `${n} ${what}` : '';
  };
  const why = [
    count((c) => c.expected !== undefined, 'expected'),
    count((c) => c.expected === undefined && c.change === 'still-failing', 'as in the baseline'),
    count((c) => c.expected === undefined && c.change === 'new', 'new'),
  ].filter(Boolean);
  const rest = why.length ? ` (also failing: ${why.join(', ')})` : '';
  if (v.conclusion === 'failure') {
    if (v.baseline) return `❌ ${plural(failing.length, 'regression')}${rest}`;
    const f = failing.filter((c) => c.status === 'fail').length;
    const e = failing.length - f;
    return `❌ ${[f && `${f} failed`, e && `${e} errored`].filter(Boolean).join(', ')}${rest}`;
  }
  return `✅ ${t.pass} passed${v.baseline ? ', no regression' : ''}${rest}`;
}

function headline(report: Report): string {
  const xen = report.xenVersion ? `Xen ${report.xenVersion}` : report.candidateXenVersion ? `candidate Xen ${report.candidateXenVersion}` : 'Xen not reached';
  const unverified = report.profileUnverified ? ' · profile not verified end to end' : '';
  return `## ${verdictWords(report)} · ${report.distro}${unverified} · ${xen} · ${report.target}`;
}

interface Excerpt { lines: number; chars: number }

/** The end of the output: where the error usually is. */
function excerpt(output: string, x: Excerpt): string {
  const lines = clean(output).replace(/\n$/, '').split('\n');
  let text = lines.slice(-x.lines).join('\n');
  if (text.length > x.chars) text = text.slice(-x.chars);
  const cut = text.length < clean(output).replace(/\n$/, '').length;
  return (cut ? '[… earlier output in report.json]\n' : '') + text;
}

function evidenceBlock(e: Evidence, x: Excerpt): string {
  const exit = e.exitCode === undefined ? '' : ` (exit ${e.exitCode})`;
  return `\`${e.command.replace(/`/g, "'")}\`${exit}\n\n${fenced(excerpt(e.output, x))}`;
}

function note(c: CheckResult): string {
  const parts: string[] = [];
  if (c.change && c.change !== 'unchanged') parts.push(CHANGE_WORDS[c.change]);
  if (c.expected !== undefined) parts.push(`expected: ${c.expected}`);
  return parts.join('; ');
}

function details(c: CheckResult, x: Excerpt, open: boolean): string {
  const n = note(c);
  const parts = [
    `<details${open ? ' open' : ''}><summary>${EMOJI[c.status]} ${c.status} <code>${html(c.id)}</code> ${html(c.title)}${n ? ` — ${html(n)}` : ''}</summary>`,
    '', // markdown inside <details> needs a blank line after the summary
    clean(c.message),
  ];
  if (c.remedy) parts.push('', `**Remedy:** ${clean(c.remedy)}`);
  if (x.lines > 0) for (const e of c.evidence) parts.push('', evidenceBlock(e, x));
  parts.push('', '</details>');
  return parts.join('\n');
}

/** Regressions first, then the other failures and errors that fail the job; a report not yet judged: every failure. */
function attention(report: Report): { open: CheckResult[]; closed: CheckResult[] } {
  const v = report.verdict;
  const failsJob = (c: CheckResult) => (v ? v.failing.includes(c.id) : isFailing(c));
  const rank = (c: CheckResult) => (c.change === 'regression' ? 0 : c.status === 'fail' ? 1 : 2);
  const open = report.checks.filter(failsJob).sort((a, b) => rank(a) - rank(b));
  // Failures that do not fail the job (expected, as in the baseline, new), then warnings.
  const closed = [...report.checks.filter((c) => !failsJob(c) && isFailing(c)), ...report.checks.filter((c) => c.status === 'warn')];
  return { open, closed };
}

function render(report: Report, x: Excerpt, opts: SummaryOptions): string {
  const t = totalsOf(report.checks);
  const v = report.verdict;
  const out: string[] = [headline(report), ''];
  if (report.environment?.xenOptions.length) {
    out.push(`Test environment: Xen booted with \`${report.environment.xenOptions.join(' ')}\` (a setting of this VM, not of the packages).`, '');
  }

  out.push(
    `**${t.pass}** pass · **${t.fail}** fail · **${t.warn}** warn · **${t.skip}** skip · ` +
      `**${t['not-applicable']}** not-applicable · **${t.error}** error`,
    '',
    [
      `Distro: ${report.distro}`,
      `Xen seen: ${report.xenVersion ?? '—'}`,
      `candidate Xen: ${report.candidateXenVersion ?? '—'}`,
      `kernel: ${report.kernel ?? '—'}`,
      `target: ${report.target}`,
      `candidates: ${report.candidates.length}`,
    ].join(' · '),
    '',
  );
  if (v?.baseline) out.push(`Compared with the baseline ${v.baseline.path} (run of ${v.baseline.startedAt}, Xen ${v.baseline.xenVersion ?? 'not reached'}): only regressions fail the job.`, '');

  const infra = report.infraError;
  if (infra) {
    out.push(`### 💥 Infrastructure error in phase ${infra.phase}`, '', 'The run stopped before it could judge the packages: the counts above are the checks that ran.', '', clean(infra.message), '');
    if (infra.serialTail.length) {
      out.push(`Last ${infra.serialTail.length} serial lines:`, '', fenced(clean(infra.serialTail.join('\n'))), '');
    }
  }

  const stop = report.stoppedBy;
  if (stop) {
    out.push(`### ⛔ The run stopped at \`${stop.check}\` (phase ${stop.phase})`, '', `${clean(stop.message)}: a failure of the candidates, not of the environment; nothing after it could be judged.`, '');
  }

  const { open, closed } = attention(report);
  if (open.length || closed.length || v?.nowPassing.length) {
    out.push('### Needs attention', '');
    for (const c of open) out.push(details(c, x, true), '');
    for (const c of closed) out.push(details(c, x, false), '');
    for (const id of v?.nowPassing ?? []) out.push(`- ⚠️ \`${id}\` now passes: remove it from expected-failures`);
    if (v?.nowPassing.length) out.push('');
  }

  if (report.checks.length) {
    const withNote = report.checks.some((c) => c.change !== undefined || c.expected !== undefined);
    const table = [
      `| Status | Check | Title | Where | Duration (s) | Message |${withNote ? ' Note |' : ''}`,
      `|---|---|---|---|---:|---|${withNote ? '---|' : ''}`,
      ...report.checks.map(
        (c) =>
          `| ${EMOJI[c.status]} ${c.status} | \`${cell(c.id)}\` | ${cell(c.title)} | ${c.where} | ` +
          `${(c.durationMs / 1000).toFixed(1)} | ${cell(c.message)} |${withNote ? ` ${cell(note(c))} |` : ''}`,
      ),
    ];
    if (report.checks.length > FOLD_TABLE_ROWS) out.push(`<details><summary>All ${report.checks.length} checks</summary>`, '', ...table, '', '</details>', '');
    else out.push(...table, '');
  }

  if (report.phases.length) {
    out.push('### Phase timings', '', '| Phase | Seconds | OK |', '|---|---:|---|');
    for (const p of report.phases) out.push(`| ${cell(p.phase)} | ${p.seconds.toFixed(1)} | ${p.ok ? '✅' : '❌'} |`);
    // The pipeline records its own wall-clock total; a report without one gets the sum.
    if (!report.phases.some((p) => p.phase === 'total')) {
      const total = report.phases.reduce((sum, p) => sum + p.seconds, 0);
      out.push(`| **total** | **${total.toFixed(1)}** | |`);
    }
    out.push('');
  }

  if (opts.runUrl) out.push(`Artifacts (report.json, junit.xml, serial.log): [this run's page](${opts.runUrl})`, '');
  return out.join('\n');
}

/** Evidence excerpts from generous to none, until the summary fits. */
const EXCERPTS: Excerpt[] = [
  { lines: 20, chars: 2000 },
  { lines: 8, chars: 800 },
  { lines: 3, chars: 300 },
  { lines: 0, chars: 0 },
];

export function toMarkdown(report: Report, opts: SummaryOptions = {}): string {
  const max = opts.maxBytes ?? MAX_SUMMARY_BYTES;
  let md = '';
  for (const x of EXCERPTS) {
    md = render(report, x, opts);
    if (Buffer.byteLength(md) <= max) return md;
  }
  // Even without evidence (thousands of checks, huge messages): cut, and say so.
  const tail = '\n\n[summary cut to stay under GitHub\'s limit: report.json has everything]\n';
  const buf = Buffer.from(md).subarray(0, max - Buffer.byteLength(tail));
  return buf.toString('utf8').replace(/\uFFFD$/, '') + tail;
}
