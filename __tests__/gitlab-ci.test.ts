// The GitLab CI template: a job that runs the CLI in a Debian container and
// hands GitLab the JUnit report and the report files, with flags the CLI has.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { OPTION_HELP } from '../src/cli/help.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ci = parse(readFileSync(new URL('../workflows/gitlab-ci.yml', import.meta.url), 'utf8')) as Obj;
const job = ci['xen-conformance'] as Obj;
const vars = job.variables as Record<string, string>;
const expand = (s: string) => s.replace(/\$\{?(\w+)\}?/g, (m, v) => vars[v] ?? m);

describe('workflows/gitlab-ci.yml', () => {
  it('is one job in a Debian (bookworm) image with a Node the CLI runs on, and a timeout', () => {
    expect(Object.keys(ci)).toEqual(['xen-conformance']);
    expect(job.image).toMatch(/^node:(2[0-9])-bookworm$/);
    expect(Number(/^node:(\d+)/.exec(job.image)![1])).toBeGreaterThanOrEqual(20);
    expect(job.timeout).toMatch(/^\d+h$/);
  });

  it('runs the bundled CLI with flags the CLI knows', () => {
    const run = (job.script as string[]).filter((l) => l.includes('dist/cli.js'));
    expect(run).toHaveLength(1);
    expect(run[0]).toMatch(/^node \.xen-conformance\/dist\/cli\.js run /);
    const flags = (job.script as string[]).flatMap((l) => [...l.matchAll(/ --([a-z][a-z0-9-]*)/g)].map((m) => m[1]));
    expect(flags).toEqual(expect.arrayContaining(['distro', 'out', 'cache-dir', 'packages', 'expected-failures', 'baseline']));
    for (const f of flags) expect(Object.keys(OPTION_HELP)).toContain(f);
  });

  it('always keeps the report as an artifact and gives GitLab the JUnit the run writes', () => {
    const out = expand('$XC_OUT');
    expect(job.artifacts.when).toBe('always');
    expect(job.artifacts.paths).toContain(`${out}/`);
    expect(job.artifacts.reports.junit).toBe(`${out}/junit.xml`);
  });

  it('caches the base images in the directory the CLI is told to use', () => {
    expect(job.cache.paths).toContain(`${expand('$XC_CACHE')}/`);
    expect((job.script as string[]).join('\n')).toContain('--cache-dir "$XC_CACHE"');
    expect((job.before_script as string[]).join('\n')).toContain('install-deps.sh --host-tools-only');
  });
});
