// The guest's shutdown, last of the domU checks: xl shutdown -w within the
// bound, read from the guest's console as dom0's own shutdown is.
import { GUEST } from '../guest/guest.js';
import { lastLine } from '../proc.js';
import { type Check, fail, pass } from './check.js';
import { GUEST_UP, guestDomid } from './domu.js';
import { shutdownTrouble } from './shutdown.js';

export const guestShutdown: Check = {
  id: 'domU.shutdown',
  title: 'xl shutdown -w finishes within the bound (timeout-shutdown); a guest that does not is destroyed',
  where: 'domU',
  seed: 'It can also ask the domU to run a shutdown much like the power button trigger does in ACPI.',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const bound = ctx.timeouts.shutdown;
    // Where the guest's console log stands now: what it prints from here on is its shutdown.
    const mark = Number((await ctx.run(['stat', '-c', '%s', GUEST.consoleLog])).stdout.trim()) || 0;
    const started = Date.now();
    const r = await ctx.run(['timeout', String(bound), 'xl', 'shutdown', '-w', GUEST.name]);
    const took = (Date.now() - started) / 1000;
    if (r.code === 124) {
      // The same reading of systemd's console as dom0's shutdown gets.
      const { holding } = shutdownTrouble((await ctx.run(['tail', '-c', `+${mark + 1}`, GUEST.consoleLog])).stdout);
      await ctx.run(['xl', 'destroy', GUEST.name]);
      const gone = (await guestDomid(ctx)) === undefined;
      return fail(
        `the guest was still running ${bound} s after xl shutdown -w${holding.length ? ` (stop jobs holding it: ${holding.join(', ')})` : ''}; ${gone ? 'it was destroyed' : 'xl destroy did not remove it either'}`,
        holding.length
          ? `Make ${holding.join(', ')} stop within a bound in the guest (a TimeoutStopSec, an ExecStop that returns); see domU-console.log.`
          : 'The guest must act on the Xen shutdown request (drivers/xen/manage.c watches control/shutdown); see domU-console.log for the stop job holding it.',
      );
    }
    if (r.code !== 0) return fail(`xl shutdown -w failed (exit ${r.code}): ${lastLine(r.stderr)}`, 'See the evidence.');
    return pass(`the guest shut down ${took.toFixed(1)} s after xl shutdown -w (bound ${bound} s)`);
  },
};
