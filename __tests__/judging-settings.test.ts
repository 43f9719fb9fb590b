// expected-failures and baseline: read and checked with the other settings,
// before anything starts; bad input is one line naming the input and the fix.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { parseSettings, type RawSettings } from '../src/settings.js';
import { reportOf } from './helpers/reports.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xc-judging-'));
  writeFileSync(join(dir, 'expected.txt'), '# known\n\nboot.serial-clean: Xen prints a warning, bug 1234\n');
  writeFileSync(join(dir, 'report.json'), JSON.stringify(reportOf({ 'boot.serial-clean': 'fail' })));
  writeFileSync(join(dir, 'debian-13.json'), JSON.stringify(reportOf({}, { distro: 'debian-13' })));
  writeFileSync(join(dir, 'other.json'), JSON.stringify({ name: 'some-package', version: '1.0.0' }));
  writeFileSync(join(dir, 'junit.xml'), '<testsuites/>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = () => ({
  knownDistros: ['debian-12', 'debian-13'],
  knownChecks: ['boot.serial-clean', 'boot.reaches-dom0', 'docs.man-pages'],
  cwd: dir,
  defaultCacheDir: '/var/cache/xen-conformance',
});
const parse = (raw: RawSettings) => parseSettings(raw, ctx()).config;
function rejection(raw: RawSettings): string {
  try {
    parse(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('expected-failures', () => {
  it('takes "check-id: reason" lines, skipping blank lines and comments', () => {
    expect(parse({ 'expected-failures': 'boot.serial-clean: bug 1234\n\n# later\ndocs.man-pages:  no man pages yet ' }).expectedFailures).toEqual([
      { id: 'boot.serial-clean', reason: 'bug 1234' },
      { id: 'docs.man-pages', reason: 'no man pages yet' },
    ]);
  });

  it('takes one line naming a file of them (in the packaging repository)', () => {
    expect(parse({ 'expected-failures': 'expected.txt' }).expectedFailures).toEqual([{ id: 'boot.serial-clean', reason: 'Xen prints a warning, bug 1234' }]);
  });

  it('one line "id: reason" is a line, not a file', () => {
    expect(parse({ 'expected-failures': 'docs.man-pages: none' }).expectedFailures).toEqual([{ id: 'docs.man-pages', reason: 'none' }]);
  });

  it.each([
    ['an unknown check id', 'boot.serial-clen: typo', /^expected-failures: "boot\.serial-clen" is not a known check; did you mean boot\.serial-clean\?$/],
    ['a missing reason', 'boot.serial-clean', /^expected-failures: "boot\.serial-clean" has no reason; write one "check-id: reason" a line, e\.g\. "boot\.serial-clean: /],
    ['an empty reason', 'boot.serial-clean:\ndocs.man-pages: x', /^expected-failures: "boot\.serial-clean" has no reason; write one "check-id: reason" a line, e\.g\. /],
    ['a line without a colon among others', 'docs.man-pages: x\nboot.reaches-dom0 fails', /^expected-failures: "boot\.reaches-dom0" has no reason; /],
    ['a check listed twice', 'docs.man-pages: x\ndocs.man-pages: y', /^expected-failures: "docs\.man-pages" is listed twice; /],
    ['a file that is missing', 'ci/expected-failures.txt', /^expected-failures: "ci\/expected-failures\.txt" is neither .* \(ENOENT\); write one "check-id: reason" a line, or pass the path of a file of them$/],
  ])('rejects %s', (_what, v, message) => {
    expect(rejection({ 'expected-failures': v })).toMatch(message);
  });

  it('names the file when a line in it is wrong', () => {
    writeFileSync(join(dir, 'bad.txt'), 'nope.check: x\n');
    expect(rejection({ 'expected-failures': 'bad.txt' })).toMatch(/^expected-failures: "nope\.check" \(in .*bad\.txt\) is not a known check; /);
  });
});

describe('baseline', () => {
  it('reads an earlier report.json', () => {
    const b = parse({ baseline: 'report.json' }).baseline!;
    expect(b.path).toBe(join(dir, 'report.json'));
    expect(b.report.checks.find((c) => c.id === 'boot.serial-clean')?.status).toBe('fail');
  });

  it('none given: no baseline', () => {
    expect(parse({ baseline: '' }).baseline).toBeUndefined();
  });

  it.each([
    ['a missing file', 'no-such/report.json', /^baseline: cannot read .*no-such\/report\.json \(ENOENT\); pass the report\.json an earlier run wrote/],
    ['a file that is not JSON', 'junit.xml', /^baseline: .*junit\.xml is not JSON, so not a report\.json; /],
    ['JSON that is not a report', 'other.json', /^baseline: .*other\.json is not a xen-conformance report\.json \(tool is missing or wrong\); /],
    ['a report of another distro', 'debian-13.json', /^baseline: .*debian-13\.json is a debian-13 report and this run is debian-12; pass the debian-12 run's report\.json$/],
  ])('rejects %s', (_what, v, message) => {
    expect(rejection({ baseline: v })).toMatch(message);
  });
});
