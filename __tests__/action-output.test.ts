// What the action prints and sets: a ::group:: per phase, and outputs that
// never read "failed: 0" for a run that stopped before judging.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { phaseGrouper } from '../src/action/log.js';
import { outputsOf } from '../src/action/outputs.js';
import { judge } from '../src/report/verdict.js';
import { SETTING_NAMES } from '../src/settings.js';
import { reportOf } from './helpers/reports.js';

describe('phaseGrouper', () => {
  it('opens a group at each phase the pipeline announces and closes the one before', () => {
    const out: string[] = [];
    const g = phaseGrouper({ info: (s) => out.push(s), startGroup: (s) => out.push(`::group::${s}`), endGroup: () => out.push('::endgroup::') });
    for (const line of ['[   0.0s] Debian 12; candidates: x', '[   0.1s] build base image ...', '[ 180.2s] build base image: done in 180.1 s', '[ 180.3s] boot ...', '[ 201.0s] boot: done in 20.7 s']) g.line(line);
    g.end();
    g.end(); // twice is harmless
    expect(out).toEqual([
      '[   0.0s] Debian 12; candidates: x',
      '::group::build base image',
      '[   0.1s] build base image ...',
      '[ 180.2s] build base image: done in 180.1 s',
      '::endgroup::',
      '::group::boot',
      '[ 180.3s] boot ...',
      '[ 201.0s] boot: done in 20.7 s',
      '::endgroup::',
    ]);
  });
});

describe('outputsOf', () => {
  it('counts a judged run, with warned and the conclusion', () => {
    const r = judge(reportOf({ 'boot.serial-clean': 'fail', 'docs.man-pages': 'warn', 'boot.reaches-dom0': 'skip' }), { expectedFailures: [] });
    expect(outputsOf(r)).toEqual({ conclusion: 'failure', passed: String(r.totals.pass), failed: '1', skipped: '1', warned: '1' });
  });

  it('leaves the counts empty when the infrastructure failed, and says so', () => {
    const r = judge(reportOf({}, { infraError: { phase: 'build base image', message: 'mmdebstrap failed', serialTail: [] } }), { expectedFailures: [] });
    expect(outputsOf(r)).toEqual({ conclusion: 'infrastructure-failure', passed: '', failed: '', skipped: '', warned: '' });
  });

  it('says cancelled for a cancelled run', () => {
    const r = judge(reportOf({}, { infraError: { phase: 'boot', message: 'cancelled (SIGINT) during boot', serialTail: [] } }), { expectedFailures: [] });
    expect(outputsOf(r).conclusion).toBe('cancelled');
  });
});

describe('action.yml', () => {
  const action = parse(readFileSync(new URL('../action.yml', import.meta.url), 'utf8'));

  it('declares every setting as an input, and nothing else', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('declares every output the action sets', () => {
    const set = [...Object.keys(outputsOf(judge(reportOf({}), { expectedFailures: [] }))), 'report', 'junit'];
    expect(Object.keys(action.outputs).sort()).toEqual(set.sort());
  });
});
