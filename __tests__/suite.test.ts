import type { Check, Outcome } from '../src/checks/check.js';
import { fail, pass } from '../src/checks/check.js';
import { profileFor } from '../src/distro/index.js';
import { A_DOMU, HVM_IN_TIME, HVM_UNDER_TCG, MIGRATE_TO_HOST } from '../src/checks/requirements.js';
import { InfraError } from '../src/errors.js';
import type { CheckResult } from '../src/report/types.js';
import { type SuiteOptions, runChecks } from '../src/suite.js';
import { type Answers, fakeHost, suiteOptions } from './helpers/fakeHost.js';

const profile = profileFor('debian-12');

function check(id: string, run: Check['run'], after?: string[]): Check {
  return { id, title: `title of ${id}`, where: 'dom0', seed: 'seed', after, run };
}

const returns = (o: Outcome): Check['run'] => async () => o;

/** A check body that counts its calls. */
function counted(o: Outcome): Check['run'] & { calls: number } {
  const f = Object.assign(async () => (f.calls++, o), { calls: 0 });
  return f;
}

function opts(answers: Answers = {}, more: Partial<SuiteOptions> = {}): SuiteOptions {
  return suiteOptions(fakeHost(answers), more);
}

function earlierResult(id: string, status: CheckResult['status']): CheckResult {
  return { id, title: id, where: 'dom0', seed: 'seed', status, durationMs: 1, message: 'earlier', evidence: [] };
}

describe('runChecks', () => {
  test('a check whose requirement the run lacks is skipped with the reason, without running; a met one runs', async () => {
    const noGuest = counted(pass('ran'));
    const underTcg = counted(pass('ran'));
    const optional = counted(pass('ran'));
    const [a, b, c] = await runChecks(
      [
        { ...check('a', noGuest), requires: [A_DOMU] },
        { ...check('b', underTcg), requires: [HVM_IN_TIME] },
        { ...check('c', optional), requires: [MIGRATE_TO_HOST] },
      ],
      opts({}, { facts: { guestNotStarted: 'no guest image was built', accel: 'tcg' } }),
    );
    expect(a).toMatchObject({ status: 'skip', message: 'no guest image was built' });
    expect(b).toMatchObject({ status: 'skip', message: HVM_UNDER_TCG });
    expect(c).toMatchObject({ status: 'pass', message: 'ran' });
    expect([noGuest.calls, underTcg.calls, optional.calls]).toEqual([0, 0, 1]);
    const [d] = await runChecks([{ ...check('d', returns(pass('ran'))), requires: [A_DOMU, HVM_IN_TIME] }], opts({}, { facts: { accel: 'kvm' } }));
    expect(d).toMatchObject({ status: 'skip', message: 'no domU was started' });
  });

  test('a passing check keeps its outcome and records what ctx.run ran as evidence', async () => {
    const host = fakeHost({ 'uname -r': { stdout: '6.1.0-56-amd64\n' }, 'cat /nope': { code: 1, stderr: 'cat: /nope: No such file or directory' } });
    const c = check('x', async (ctx) => {
      const r = await ctx.run(['uname', '-r']);
      const missing = await ctx.run(['cat', '/nope']); // a non-zero exit comes back, it is not thrown
      ctx.note('a log excerpt', 'line one');
      return missing.code === 1 ? pass(`kernel ${r.stdout.trim()}`) : fail('unexpected', '');
    });
    const [r] = await runChecks([c], { ...opts(), host });
    expect(r).toMatchObject({ id: 'x', title: 'title of x', where: 'dom0', seed: 'seed', status: 'pass', message: 'kernel 6.1.0-56-amd64' });
    expect(r.remedy).toBeUndefined();
    // (stderr is appended after a newline even when stdout is empty, hence the trim)
    expect(r.evidence.map((e) => ({ ...e, output: e.output.trim() }))).toEqual([
      { command: 'uname -r', exitCode: 0, output: '6.1.0-56-amd64' },
      { command: 'cat /nope', exitCode: 1, output: 'cat: /nope: No such file or directory' },
      { command: 'a log excerpt', output: 'line one' },
    ]);
    expect(host.calls).toEqual(['uname -r', 'cat /nope']);
  });

  test('a failing check keeps its message and remedy', async () => {
    const [r] = await runChecks([check('x', returns(fail('broken', 'fix it')))], opts());
    expect(r).toMatchObject({ status: 'fail', message: 'broken', remedy: 'fix it' });
  });

  test('a check after one that failed is skipped, naming it, and does not run', async () => {
    const ran = counted(pass('ran'));
    const results = await runChecks([check('x', returns(fail('x broke', ''))), check('y', ran, ['x'])], opts());
    expect(results.map((r) => r.status)).toEqual(['fail', 'skip']);
    expect(results[1].message).toMatch(/\bx\b.*did not pass \(fail\)/);
    expect(results[1].evidence).toEqual([]);
    expect(ran.calls).toBe(0);
  });

  test('a check after one that errored is skipped, naming it', async () => {
    const ran = counted(pass('ran'));
    const results = await runChecks(
      [
        check('x', async () => {
          throw new Error('boom');
        }),
        check('y', ran, ['x']),
      ],
      opts(),
    );
    expect(results.map((r) => r.status)).toEqual(['error', 'skip']);
    expect(results[1].message).toMatch(/\bx\b.*\(error\)/);
    expect(ran.calls).toBe(0);
  });

  test('a check after one that passed runs', async () => {
    const results = await runChecks([check('x', returns(pass('ok'))), check('y', returns(pass('y ran')), ['x'])], opts());
    expect(results.map((r) => [r.id, r.status, r.message])).toEqual([
      ['x', 'pass', 'ok'],
      ['y', 'pass', 'y ran'],
    ]);
  });

  test('a skip propagates down a chain: z after y after x', async () => {
    const results = await runChecks(
      [check('x', returns(fail('no', ''))), check('y', returns(pass('y')), ['x']), check('z', returns(pass('z')), ['y'])],
      opts(),
    );
    expect(results.map((r) => r.status)).toEqual(['fail', 'skip', 'skip']);
    expect(results[2].message).toMatch(/\by\b.*\(skip\)/);
  });

  test('a check that throws is an error, never a pass, and keeps the evidence it gathered', async () => {
    const c = check('x', async (ctx) => {
      await ctx.run(['uname', '-r']);
      throw new Error('cannot parse the output');
    });
    const [r] = await runChecks([c], opts({ 'uname -r': { stdout: '6.1.0\n' } }));
    expect(r.status).toBe('error');
    expect(r.message).toBe('the check could not run: cannot parse the output');
    expect(r.evidence.map((e) => e.command)).toEqual(['uname -r']);
  });

  test('an InfraError from the host is an error carrying its own message', async () => {
    const host = fakeHost();
    host.run = async () => {
      throw new InfraError('check x', 'ssh: connection reset');
    };
    const [r] = await runChecks([check('x', async (ctx) => (await ctx.run(['true']), pass('no')))], { ...opts(), host });
    expect(r.status).toBe('error');
    expect(r.message).toBe('check x: ssh: connection reset');
  });

  test('a check that does not finish within timeoutMs is an error saying so', async () => {
    const never = check('slow', () => new Promise<Outcome>(() => {}));
    const started = Date.now();
    const [r, next] = await runChecks([never, check('next', returns(pass('next ran')))], opts({}, { timeoutMs: 50 }));
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/check slow did not finish/);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(next).toMatchObject({ id: 'next', status: 'pass' }); // the suite goes on
  });

  test('onResult is called once per check, in order, with the results returned', async () => {
    const seen: CheckResult[] = [];
    const results = await runChecks(
      [check('a', returns(pass('a'))), check('b', returns(fail('b', ''))), check('c', returns(pass('c')), ['b'])],
      opts({}, { onResult: (r) => seen.push(r) }),
    );
    expect(seen.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(seen).toEqual(results);
  });

  test('results in `earlier` are honoured: a failed one skips, a passed one lets the check run', async () => {
    const skipped = await runChecks([check('y', returns(pass('y ran')), ['x'])], opts({}, { earlier: [earlierResult('x', 'fail')] }));
    expect(skipped[0].status).toBe('skip');
    expect(skipped[0].message).toMatch(/\bx\b/);
    const ran = await runChecks([check('y', returns(pass('y ran')), ['x'])], opts({}, { earlier: [earlierResult('x', 'pass')] }));
    expect(ran[0]).toMatchObject({ status: 'pass', message: 'y ran' });
    // earlier results are read, not returned again
    expect(ran.map((r) => r.id)).toEqual(['y']);
  });

  test('the context carries the facts, profile and timeout the suite was given', async () => {
    let seen: unknown;
    const c = check('x', async (ctx) => {
      seen = { facts: ctx.facts, grubCfg: ctx.profile.boot.configPath, timeoutMs: ctx.timeoutMs };
      return pass('ok');
    });
    await runChecks([c], opts({}, { facts: { bootIdAfterReboot: 'b' }, timeoutMs: 1234 }));
    expect(seen).toEqual({ facts: { bootIdAfterReboot: 'b' }, grubCfg: '/boot/grub/grub.cfg', timeoutMs: 1234 });
  });
});

describe("a check's own bound", () => {
  test('a check that declares one (an install) is held to it, not to its phase\'s, and told it', async () => {
    let seen = 0;
    const slow = { ...check('slow', async (ctx) => ((seen = ctx.timeoutMs), await new Promise((r) => setTimeout(r, 1500)), pass('done'))), boundS: () => 3 };
    const [r] = await runChecks([slow], opts({}, { timeoutMs: 1000 }));
    expect(r.status).toBe('pass');
    expect(seen).toBe(3000);
    const [late] = await runChecks([{ ...slow, boundS: () => 1 }], opts({}, { timeoutMs: 60_000 }));
    expect([late.status, late.message]).toEqual(['error', 'the check could not run: check slow did not finish in 1 s']);
    // What was still running is named.
    const hung = check('hung', async (ctx) => (await ctx.run(['apt-get', 'install', '-y', 'xenstore-utils']), pass('never')));
    const o = opts({}, { timeoutMs: 60_000 });
    const [h] = await runChecks([{ ...hung, boundS: () => 1 }], { ...o, host: { ...o.host, run: () => new Promise(() => {}) } });
    expect(h.message).toBe('the check could not run: check hung did not finish in 1 s; still running: apt-get install -y xenstore-utils');
  });
});
