// dom0.clean-shutdown through the real suite, against a fake host whose
// shutdown and console are scripted (the e2e tests shut real Xen hosts down).
import { cleanShutdown, shutdownTrouble } from '../src/checks/shutdown.js';
import type { Host } from '../src/host/host.js';
import type { CheckResult } from '../src/report/types.js';
import { runChecks } from '../src/suite.js';
import { fakeHost, suiteOptions } from './helpers/fakeHost.js';

const RUNNING = { 'systemctl is-active xen xendomains': { stdout: 'active\nactive\n' } };
const SLOW_JOB = '[  OK  ] Stopped xen.service.\n[ \x1b[0;31m*\x1b[0m] A stop job is running for xendomains.service (1min 2s / 5min)\n';

function shuttingHost(o: { down: boolean; console: string }): Host & { bounds: number[] } {
  let log = 'dom0 booted\n';
  const bounds: number[] = [];
  return {
    ...fakeHost(RUNNING),
    bounds,
    serialLog: async () => log,
    async shutdown(opts) {
      bounds.push(opts.timeoutMs);
      log += o.console;
      return { down: o.down, command: 'systemctl poweroff' };
    },
  };
}

async function run(host: Host, earlier: CheckResult[] = passed('boot.reaches-dom0', 'services.running')): Promise<CheckResult> {
  const [r] = await runChecks([cleanShutdown], suiteOptions(host, { earlier, timeouts: { image: 1, boot: 1, install: 1, reboot: 1, check: 1, shutdown: 45 } }));
  return r;
}

function passed(...ids: string[]): CheckResult[] {
  return ids.map((id) => ({ id, title: id, where: 'dom0', seed: 's', status: 'pass', durationMs: 1, message: '', evidence: [] }));
}

describe('dom0.clean-shutdown', () => {
  test('passes when dom0 is down within the bound and nothing held it up; the bound is the shutdown timeout', async () => {
    const host = shuttingHost({ down: true, console: '[  OK  ] Stopped xendomains.service.\nreboot: Power down\n' });
    const r = await run(host);
    expect(r.status).toBe('pass');
    expect(r.message).toMatch(/shut down in [\d.]+ s \(bound 45 s\) with xen and xendomains running/);
    expect(host.bounds).toEqual([45_000]);
  });

  test('fails when dom0 is still going down at the bound, naming the stop job that holds it and the fix', async () => {
    const r = await run(shuttingHost({ down: false, console: SLOW_JOB }));
    expect(r.status).toBe('fail');
    expect(r.message).toBe('dom0 was still shutting down 45 s after systemctl poweroff; stop jobs that held it up: xendomains.service');
    expect(r.remedy).toMatch(/XENDOMAINS_STOP_MAXWAIT/);
  });

  test('warns when dom0 went down in time but a stop failed or waited', async () => {
    const r = await run(shuttingHost({ down: true, console: '[FAILED] Failed to stop xen.service - LSB: Xen daemons.\n' }));
    expect(r.status).toBe('warn');
    expect(r.message).toMatch(/Failed to stop xen\.service/);
  });

  test('is skipped, never run, when the services were not running', async () => {
    const host = shuttingHost({ down: true, console: '' });
    const earlier = [...passed('boot.reaches-dom0'), { ...passed('services.running')[0], status: 'fail' as const }];
    const r = await run(host, earlier);
    expect(r.status).toBe('skip');
    expect(host.bounds).toEqual([]);
  });
});

describe('shutdownTrouble', () => {
  test('reads stop jobs once each through colour codes, and failures without their timestamps', () => {
    const t = shutdownTrouble(`${SLOW_JOB}${SLOW_JOB.replace('1min 2s', '1min 32s')}[  123.4] systemd[1]: xendomains.service: Stopping timed out. Killing.\n`);
    expect(t.slowJobs).toEqual(['xendomains.service']);
    expect(t.failures).toEqual(['systemd[1]: xendomains.service: Stopping timed out. Killing.']);
  });
  test("reads systemd's progress line too (Job <unit>/stop running), as Debian 12's console shows it", () => {
    // As captured from a real run: the line is redrawn after a cursor move (ESC M), with a spinner.
    const line = (t: string) => `\x1bM\r\x1b[K[\x1b[0;1;31m***   \x1b[0m] Job xendomains.service/stop running (${t} / 5min)\r\n`;
    const t = shutdownTrouble(line('1min 40s') + line('1min 41s'));
    expect(t.waitingJobs).toEqual(['xendomains.service']);
    expect(t.holding).toEqual(['xendomains.service']);
    // Shown for any job that waits a few seconds: no warning by itself in a shutdown that ended in time.
    expect(t.slowJobs).toEqual([]);
  });
  test('a process that crashes while stopping is a failure line (Debian 13: the dom0 QEMU as xen.service stops)', () => {
    const t = shutdownTrouble('         Stopping xen.service - Xen daemons...\n[   76.304436] xen-qemu-system[393]: segfault at 0 ip 00005591d757bb30 sp 00007ffd771a44e8 error 6 in xen-qemu-system-i386[5a6b30,5591d72cf000+520000]\n');
    expect(t.failures).toEqual(['xen-qemu-system[393]: segfault at 0 ip 00005591d757bb30 sp 00007ffd771a44e8 error 6 in xen-qemu-system-i386[5a6b30,5591d72cf000+520000]']);
  });
  test('a clean shutdown has neither', () => {
    expect(shutdownTrouble('[  OK  ] Stopped xen.service.\n[   98.1] reboot: Power down\n')).toEqual({ slowJobs: [], waitingJobs: [], holding: [], failures: [] });
  });
});
