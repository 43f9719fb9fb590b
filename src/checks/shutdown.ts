// dom0 shuts down cleanly with the Xen services running: the init scripts
// that start the toolstack must also stop it without holding the machine up
// (Debian 12's xendomains stop job has been seen to wait minutes). This check
// ends the host, so the pipeline runs it after every other check. A user's
// machine over SSH reboots instead of powering off: it must come back.
import { stripVTControlCharacters } from 'node:util';
import { type Check, fail, pass, warn } from './check.js';

const SEED = 'init scripts: xencommons';

/** systemd's words, on the console, for a stop that is slow or went wrong (and the kernel's, for a process that crashed on its way down). */
export function shutdownTrouble(console: string): { slowJobs: string[]; waitingJobs: string[]; holding: string[]; failures: string[] } {
  const clean = stripVTControlCharacters(console);
  const slow = new Set<string>();
  for (const m of clean.matchAll(/A stop job is running for (.+?) \(\d/g)) slow.add(m[1].trim());
  // systemd's progress line, redrawn while any job waits a few seconds: "Job xendomains.service/stop running (1min 40s / 5min)".
  // It names what a shutdown that never ended was waiting for; in a shutdown that ended in time it is no alarm.
  const waiting = new Set<string>();
  for (const m of clean.matchAll(/Job (\S+)\/stop running \(/g)) waiting.add(m[1].trim());
  const failures = [
    ...new Set(
      clean
        .split('\n')
        .filter((l) => /Failed to stop|Failed unmounting|timed out\. Killing|Timed out stopping|Kernel panic|\(XEN\) .*Panic|segfault at/i.test(l))
        .map((l) => l.replace(/^\s*(\[[^\]]*\]\s*)+/, '').trim()),
    ),
  ];
  // Either way of saying it, what a shutdown that did not end was waiting for.
  const holding = [...new Set([...slow, ...waiting])];
  return { slowJobs: [...slow], waitingJobs: [...waiting], holding, failures };
}

export const cleanShutdown: Check = {
  id: 'dom0.clean-shutdown',
  title: 'dom0 shuts down within the bound with the Xen services running, and no stop job holds it up',
  where: 'dom0',
  seed: SEED,
  after: ['boot.reaches-dom0', 'services.running'],
  endsHost: true,
  async run(ctx) {
    const bound = ctx.timeouts.shutdown;
    const { commons, domains } = ctx.profile.services;
    // Evidence of what ran as the shutdown began (services.running, which this builds on, judged it).
    await ctx.run(['systemctl', 'is-active', commons, domains]);
    const before = (await ctx.host.serialLog()).length;
    const started = Date.now();
    const { down, command } = await ctx.host.shutdown({ phase: 'check dom0.clean-shutdown', timeoutMs: bound * 1000 });
    const seconds = (Date.now() - started) / 1000;
    const console = (await ctx.host.serialLog()).slice(before);
    const { slowJobs, holding, failures } = shutdownTrouble(console);
    ctx.note('console during the shutdown (stop jobs and failures)', [...holding.map((j) => `stop job running: ${j}`), ...failures].join('\n') || '(none)');
    const jobs = holding.length ? `; stop jobs that held it up: ${holding.join(', ')}` : '';
    if (!down) {
      return fail(
        `dom0 was still shutting down ${bound} s after ${command}${jobs}`,
        `Make every stop job finish well within ${bound} s with no domain running: ${holding.length ? holding.join(', ') : "the services' stop actions"} (xendomains: bound its waits by XENDOMAINS_STOP_MAXWAIT and skip them when no domain runs; give units a TimeoutStopSec).`,
      );
    }
    if (failures.length || slowJobs.length) {
      return warn(`dom0 shut down in ${seconds.toFixed(1)} s, but: ${[...failures.slice(0, 3), ...slowJobs.map((j) => `slow stop job: ${j}`)].join('; ')}`, "Read the end of serial.log: each line names the unit whose stop failed or waited.");
    }
    return pass(`dom0 shut down in ${seconds.toFixed(1)} s (bound ${bound} s) with ${commons} and ${domains} running`);
  },
};

export const shutdownChecks: Check[] = [cleanShutdown];
