// What the checks that change the guest share: waiting for it, its boot and
// uptime (did it continue or boot afresh?), and the two dom0s a move goes
// between. Moving it is the guest layer's (src/guest/migrate.ts).
import type { Dom0, Move } from '../guest/migrate.js';
import { sleep } from '../proc.js';
import type { CheckContext, MigrateToHost } from './check.js';


export async function bootAndUptime(ctx: CheckContext, inGuest = (argv: readonly string[]) => ctx.guest(argv)): Promise<{ bootId: string; uptime: number }> {
  const r = await inGuest(['sh', '-c', 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime']);
  const [bootId, up] = r.stdout.trim().split('\n');
  if (r.code !== 0 || !bootId) throw new Error('the guest is not answering (an earlier check may have left it down)');
  return { bootId, uptime: Number(up) };
}

/** Wait for the guest to answer again after dom0 restarted or moved it. */
export async function backUp(ctx: CheckContext, notThisBoot?: string): Promise<string | undefined> {
  return ctx.facts.guest!.guest.waitUp(ctx.timeouts.boot * 1000, `check (waiting for the domU)`, notThisBoot);
}


/** Here and the migrate-to host, with run and guest recorded as evidence (there under its name). */
export function dom0s(ctx: CheckContext, to: MigrateToHost): { here: Dom0; there: Dom0 } {
  return { here: { host: ctx.host, name: 'dom0', run: ctx.run, guest: ctx.guest }, there: { host: to.host, name: to.name, ...ctx.on(to.host, to.name) } };
}

/** A move in a check: bounded by the check's time, noted in its evidence. */
export function moving(ctx: CheckContext, phase: string): Move {
  return { phase, timeoutMs: ctx.timeoutMs, note: (what, output) => ctx.note(what, output) };
}
