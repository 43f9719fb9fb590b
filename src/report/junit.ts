// junit.xml for CI test viewers: one <testsuite> per place a check looks.
import { stripVTControlCharacters } from 'node:util';
import { totalsOf, type CheckResult, type Evidence, type Report, type Where } from './types.js';

const GROUPS: readonly Where[] = ['static', 'host-before-reboot', 'dom0', 'domU'];

// Serial consoles print ANSI colour codes; drop whole sequences, not just ESC,
// so no "[0m" litter is left behind.
// Anything outside the XML 1.0 Char production (control chars other than
// \t \n \r, lone surrogates, U+FFFE/U+FFFF) makes the whole file unparseable.
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xmlText(s: string): string {
  return stripVTControlCharacters(s)
    .replace(NOT_XML_CHAR, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

// Parsers normalise raw whitespace in attribute values to spaces; character
// references keep multi-line messages intact.
function xmlAttr(s: string): string {
  return xmlText(s).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function evidenceText(evidence: readonly Evidence[]): string {
  return evidence
    .map((e) => `$ ${e.command}${e.exitCode === undefined ? '' : `  (exit ${e.exitCode})`}\n${e.output}`)
    .join('\n\n');
}

/** What the verdict made of a failing check, for viewers that show only the failure's type and body. */
function judged(c: CheckResult): { type?: string; line?: string } {
  if (c.expected !== undefined) return { type: 'expected', line: `Expected failure (does not fail the job): ${c.expected}` };
  if (c.change === 'regression') return { type: 'regression', line: 'Regression: passed in the baseline, fails now (fails the job)' };
  if (c.change === 'still-failing') return { type: 'still-failing', line: 'Still failing: failed in the baseline too (does not fail the job)' };
  if (c.change === 'new') return { type: 'new', line: 'New: not judged in the baseline (does not fail the job)' };
  return {};
}

function testcase(c: CheckResult): string {
  const open = `    <testcase classname="${xmlAttr(c.where)}" name="${xmlAttr(`${c.id}: ${c.title}`)}" time="${secs(c.durationMs)}"`;
  const evidence = evidenceText(c.evidence);
  const inner: string[] = [];
  switch (c.status) {
    case 'fail': {
      const j = judged(c);
      const body = [j.line, c.message, c.remedy && `Remedy: ${c.remedy}`, evidence].filter(Boolean).join('\n\n');
      inner.push(`      <failure message="${xmlAttr(c.message)}" type="${j.type ?? 'fail'}">${xmlText(body)}</failure>`);
      break;
    }
    case 'error': {
      const j = judged(c);
      inner.push(`      <error message="${xmlAttr(c.message)}" type="${j.type ?? 'error'}">${xmlText([j.line, c.message, evidence].filter(Boolean).join('\n\n'))}</error>`);
      break;
    }
    case 'skip':
    case 'not-applicable':
      inner.push(`      <skipped message="${xmlAttr(`${c.status}: ${c.message}`)}"/>`);
      break;
  }
  // JUnit has no "warning" outcome: a warn passes, and says so in its output.
  const fixed = c.change === 'fixed' ? 'Fixed: failed in the baseline, passes now' : '';
  const out = [c.status === 'warn' ? `WARN: ${c.message}` : '', fixed, evidence].filter(Boolean).join('\n\n');
  if (out) inner.push(`      <system-out>${xmlText(out)}</system-out>`);
  return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
}

interface Counts { tests: number; failures: number; errors: number; skipped: number; ms: number }

function counts(checks: readonly CheckResult[]): Counts {
  const t = totalsOf(checks);
  return {
    tests: checks.length,
    failures: t.fail,
    errors: t.error,
    skipped: t.skip + t['not-applicable'],
    ms: checks.reduce((sum, c) => sum + c.durationMs, 0),
  };
}

const countAttrs = (k: Counts) =>
  `tests="${k.tests}" failures="${k.failures}" errors="${k.errors}" skipped="${k.skipped}" time="${secs(k.ms)}"`;

export function toJUnit(report: Report): string {
  const name = xmlAttr(`xen-conformance ${report.distro}`);
  const suites: string[] = [];
  const all: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0, ms: 0 };
  const add = (k: Counts) => {
    all.tests += k.tests; all.failures += k.failures; all.errors += k.errors; all.skipped += k.skipped; all.ms += k.ms;
  };

  for (const where of GROUPS) {
    const checks = report.checks.filter((c) => c.where === where);
    if (!checks.length) continue;
    const k = counts(checks);
    add(k);
    suites.push(`  <testsuite name="${name} (${where})" ${countAttrs(k)}>\n${checks.map(testcase).join('\n')}\n  </testsuite>`);
  }

  // Often there are no checks at all when the infrastructure fails, so it gets
  // its own suite: the run must still show up red in the viewer.
  const infra = report.infraError;
  if (infra) {
    const k: Counts = { tests: 1, failures: 0, errors: 1, skipped: 0, ms: 0 };
    add(k);
    const body = [infra.message, infra.serialTail.length ? `Last serial lines:\n${infra.serialTail.join('\n')}` : ''].filter(Boolean).join('\n\n');
    suites.push(
      `  <testsuite name="${name} (infrastructure)" ${countAttrs(k)}>\n` +
        `    <testcase classname="infrastructure" name="${xmlAttr(`infrastructure: ${infra.phase}`)}" time="0.000">\n` +
        `      <error message="${xmlAttr(infra.message)}" type="infrastructure">${xmlText(body)}</error>\n` +
        `    </testcase>\n  </testsuite>`,
    );
  }

  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${name}" ${countAttrs(all)}>\n${suites.join('\n')}${suites.length ? '\n' : ''}</testsuites>\n`;
}
