// The README is where a packager reads what each check does and what makes it
// fail: both tables must name every check of the catalogue, and nothing else.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { CHECK_IDS } from '../src/checks/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The check ids in the first column of the table under a heading. */
function idsInTable(heading: string): string[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no "${heading}" in README.md`);
  const rest = README.slice(start + heading.length + 2);
  const table = rest.slice(rest.indexOf('\n|'), rest.search(/\n\n(?!\|)[^\n]*\n|\n#/)).split('\n').filter((l) => l.startsWith('| '));
  return table.flatMap((row) => [...row.split(' | ')[0].matchAll(/`([A-Za-z0-9]+\.[a-z0-9.-]+)`/g)].map((m) => m[1]));
}

test('the checks table describes every check once', () => {
  const ids = idsInTable('## The checks');
  expect([...ids].sort()).toEqual([...CHECK_IDS].sort());
});

test('the table of what makes each check fail names every check (one may fail in more than one way)', () => {
  const ids = new Set(idsInTable('### What makes each check fail, tested'));
  expect([...ids].sort()).toEqual([...CHECK_IDS].sort());
});
