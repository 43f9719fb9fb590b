// summary.md, also written to the GitHub job summary ($GITHUB_STEP_SUMMARY).
import { stripVTControlCharacters } from 'node:util';
import { totalsOf, type CheckResult, type Evidence, type Report, type Status } from './types.js';

const EMOJI: Record<Status, string> = {
  pass: '✅', fail: '❌', warn: '⚠️', skip: '⏭️', 'not-applicable': '➖', error: '💥',
};

// Serial logs and command output carry colour codes and other control bytes
// that render as garbage; keep tabs and newlines.
const clean = (s: string) => stripVTControlCharacters(s).replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');

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

function headline(report: Report): string {
  const t = totalsOf(report.checks);
  if (report.infraError) return `## 💥 infrastructure failed in phase ${report.infraError.phase}`;
  if (t.fail || t.error) {
    const parts = [t.fail && `${t.fail} failed`, t.error && `${t.error} errored`].filter(Boolean);
    return `## ❌ ${parts.join(', ')}`;
  }
  return `## ✅ ${t.pass} passed`;
}

function evidenceBlock(e: Evidence): string {
  const exit = e.exitCode === undefined ? '' : ` (exit ${e.exitCode})`;
  return `\`${e.command.replace(/`/g, "'")}\`${exit}\n\n${fenced(clean(e.output))}`;
}

function details(c: CheckResult): string {
  const parts = [
    `<details><summary>${EMOJI[c.status]} ${c.status} <code>${html(c.id)}</code> ${html(c.title)}</summary>`,
    '', // markdown inside <details> needs a blank line after the summary
    clean(c.message),
  ];
  if (c.remedy) parts.push('', `**Remedy:** ${clean(c.remedy)}`);
  for (const e of c.evidence) parts.push('', evidenceBlock(e));
  parts.push('', '</details>');
  return parts.join('\n');
}

export function toMarkdown(report: Report): string {
  const t = totalsOf(report.checks);
  const out: string[] = [headline(report), ''];

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

  if (report.checks.length) {
    out.push('| Status | Check | Title | Where | Duration (s) | Message |', '|---|---|---|---|---:|---|');
    for (const c of report.checks) {
      out.push(
        `| ${EMOJI[c.status]} ${c.status} | \`${cell(c.id)}\` | ${cell(c.title)} | ${c.where} | ` +
          `${(c.durationMs / 1000).toFixed(1)} | ${cell(c.message)} |`,
      );
    }
    out.push('');
  }

  const notable = report.checks.filter((c) => c.status === 'fail' || c.status === 'error' || c.status === 'warn');
  for (const c of notable) out.push(details(c), '');

  const infra = report.infraError;
  if (infra) {
    out.push(`### 💥 Infrastructure error in phase ${infra.phase}`, '', clean(infra.message), '');
    if (infra.serialTail.length) {
      out.push(`Last ${infra.serialTail.length} serial lines:`, '', fenced(clean(infra.serialTail.join('\n'))), '');
    }
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

  return out.join('\n');
}
