// The README is where a packager reads the checks, one line each; docs/checks.md
// what each does and what makes it fail: every table names every check of the
// catalogue, and nothing else.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CHECK_IDS } from '../src/checks/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const CHECKS_DOC = readFileSync(new URL('../docs/checks.md', import.meta.url), 'utf8');

/** The check ids in the first column of the table under a heading. */
function idsInTable(heading: string, doc = README, name = 'README.md'): string[] {
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" in ${name}`);
  const rest = doc.slice(start + heading.length + 2);
  const table = rest.slice(rest.indexOf('\n|'), rest.search(/\n\n(?!\|)[^\n]*\n|\n#/)).split('\n').filter((l) => l.startsWith('| '));
  return table.flatMap((row) => [...row.split(' | ')[0].matchAll(/`([A-Za-z0-9]+\.[a-z0-9.-]+)`/g)].map((m) => m[1]));
}

test('the checks table describes every check once', () => {
  const ids = idsInTable('## The checks');
  expect([...ids].sort()).toEqual([...CHECK_IDS].sort());
});

test('the table of what makes each check fail names every check (one may fail in more than one way)', () => {
  const ids = new Set(idsInTable('### What makes each check fail, tested', CHECKS_DOC, 'docs/checks.md'));
  expect([...ids].sort()).toEqual([...CHECK_IDS].sort());
});

test('docs/checks.md describes every check once, in detail', () => {
  const ids = idsInTable('## The checks', CHECKS_DOC, 'docs/checks.md');
  expect([...ids].sort()).toEqual([...CHECK_IDS].sort());
});

test('the README stays what a packager reads first: under 20 KB, the rest linked from docs/', () => {
  expect(Buffer.byteLength(README)).toBeLessThan(20 * 1024);
  for (const doc of ['docs/checks.md', 'docs/targets.md', 'docs/faults.md', 'docs/how-it-works.md', 'docs/measured.md']) expect(README).toContain(`](${doc})`);
});
