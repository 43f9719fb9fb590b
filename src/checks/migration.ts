// Live migration: to the migrate-to host and back when one is given, else to
// localhost. The guest must keep running, the same boot, its clock within 1 s.
import { GUEST, Guest } from '../guest/guest.js';
import { type Dom0, type Move, arrive, migrateStream, sendKey } from '../guest/migrate.js';
import { type Check, type CheckContext, type MigrateToHost, type Outcome, fail, pass } from './check.js';
import { MIGRATE_TO_HOST } from './requirements.js';
import { GUEST_UP, measureClock } from './domu.js';
import { backUp, bootAndUptime, dom0s, moving } from './guest-state.js';
import { saveHelperMissing } from './save-restore.js';

const NO_SHADOW = {
  message: 'the hypervisor is built without shadow paging (# CONFIG_SHADOW_PAGING is not set), and log-dirty mode for a PV guest, which live migration needs, is shadow paging',
  remedy: 'Build the hypervisor with CONFIG_SHADOW_PAGING=y (the upstream default), or document that PV guests cannot be live-migrated with this build (HVM and PVH guests on HAP hardware can).',
};

/** The hypervisor's build config says PV guests cannot be live-migrated. */
export function lacksShadowPaging(xenConfig: string): boolean {
  return /# CONFIG_SHADOW_PAGING is not set/.test(xenConfig);
}

/** Why a live migration failed, in words, from xl's output. */
export function liveMigrationFailure(xlOutput: string, toolsPackage: string): { message: string; remedy: string } {
  const helper = saveHelperMissing('xl migrate', xlOutput, toolsPackage);
  if (helper) return helper;
  const lines = xlOutput.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.filter((l) => /error|fail/i.test(l)).pop() ?? lines.pop() ?? 'no message';
  if (/Failed to enable logdirty/i.test(xlOutput)) {
    return {
      message: `Xen could not put the guest in log-dirty mode, which live migration needs: ${last}`,
      remedy: 'For a PV guest log-dirty mode is shadow paging: build the hypervisor with CONFIG_SHADOW_PAGING=y (the upstream default). See xl dmesg.',
    };
  }
  return { message: `xl migrate failed: ${last}`, remedy: 'See the evidence and /var/log/xen in dom0.' };
}

/**
 * Live migration from one dom0 to the other: undefined when it went, else
 * why not. On failure the guest stays where it was and the other's half is destroyed.
 */
async function migrateLive(ctx: CheckContext, m: Move, from: Dom0, to: Dom0): Promise<{ message: string; remedy: string } | undefined> {
  const r = await migrateStream(m, from, to);
  if (r.ok) return undefined;
  // The sender says why; a receiver that gave up first, when it said nothing.
  return liveMigrationFailure(r.sent.trim() ? r.sent : r.received, ctx.profile.xenPackages.tools);
}

/**
 * Live migration to the second host and back. The memory goes while the
 * guest runs; the volume's changed chunks while it waits, paused, on arrival.
 * There it must continue the same boot with its clock within 1 s of that
 * dom0's; then it comes back the same way, so that the checks after this one
 * find it here.
 */
async function liveMigrationTo(ctx: CheckContext, to: MigrateToHost, before: { bootId: string; uptime: number }): Promise<Outcome> {
  const phase = 'check domU.live-migration';
  const m = moving(ctx, phase);
  const { here, there } = dom0s(ctx, to);
  if (!(await sendKey(m, here, there))) return fail(`copying this run's key to the guest to ${to.name} failed`, 'See the evidence.');
  const refused = await migrateLive(ctx, m, here, there);
  if (refused) {
    await backUp(ctx);
    return fail(`to ${to.name}: ${refused.message}`, refused.remedy);
  }
  const verdict = await (async (): Promise<Outcome> => {
    if (!(await arrive(m, here, there))) return fail(`the guest reached ${to.name} but its volume could not be brought up to date there, or it could not be unpaused`, 'See the evidence.');
    const g = new Guest(to.host);
    if (!(await g.waitUp(ctx.timeouts.boot * 1000, phase))) return fail(`the guest did not answer on ${to.name} within ${ctx.timeouts.boot} s of arriving`, `See /var/log/xen/xl-${GUEST.name}.log on ${to.name}.`);
    const after = await bootAndUptime(ctx, there.guest);
    if (after.bootId !== before.bootId) return fail(`after xl migrate to ${to.name} the guest booted afresh instead of continuing`, 'See the evidence.');
    const { offset } = await measureClock(there.run, g);
    if (offset === undefined || offset > 1) return fail(`after xl migrate to ${to.name} the guest's clock is ${offset?.toFixed(2) ?? 'unreadable'} s off that dom0's`, 'The guest must resync its clock from Xen after migration.');
    return pass(`the guest kept running through xl migrate to ${to.name} (uptime ${before.uptime.toFixed(0)} -> ${after.uptime.toFixed(0)} s), its clock within ${offset.toFixed(2)} s of that dom0's, and came back`);
  })();
  // Back, the same way, whatever the verdict there.
  const stuck = await migrateLive(ctx, m, there, here);
  if (stuck) {
    return fail(`${verdict.status === 'pass' ? 'the guest ran there, but' : `${verdict.message}; then,`} coming back from ${to.name}: ${stuck.message}`, 'The guest is left on the migrate-to host; see the evidence.');
  }
  if (!(await arrive(m, there, here)) || !(await backUp(ctx))) return fail(`the guest came back from ${to.name} but did not run here again`, 'See the evidence and domU-console.log.');
  return verdict;
}

export const liveMigration: Check = {
  id: 'domU.live-migration',
  title: "xl migrate to the migrate-to host and back when one is given (the volume's changed chunks sent while the guest waits paused on arrival), else to localhost: the guest keeps running and its clock stays within 1 s of dom0's",
  where: 'domU',
  seed: "Live migration: A live migration of a VM between dom0's should be possible. The clock should stay OK...",
  after: GUEST_UP,
  changesGuest: true,
  requires: [MIGRATE_TO_HOST],
  async run(ctx) {
    // Attempted on a hypervisor without shadow paging too: what it refuses is then Xen's own word, and the
    // debris of the refused attempt is on the other host, which is cleaned up.
    if (ctx.facts.migrateTo) return liveMigrationTo(ctx, ctx.facts.migrateTo, await bootAndUptime(ctx));
    const config = await ctx.run(['sh', '-c', 'grep -H SHADOW_PAGING /boot/xen*.config || true']);
    // Bound to fail for a PV guest (an attempt was seen to end in "Failed to enable logdirty", EOPNOTSUPP),
    // and a failed attempt to localhost leaves debris that then held up xendomains' stop: not tried.
    if (lacksShadowPaging(config.stdout)) return fail(`not attempted: ${NO_SHADOW.message}`, NO_SHADOW.remedy);
    const before = await bootAndUptime(ctx);
    // xl runs "<ssh command> localhost xl migrate-receive"; the run's key and dom0's own host key, pinned.
    const ssh = `ssh -i ${GUEST.key} -o UserKnownHostsFile=${GUEST.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes`;
    const migrate = await ctx.run(['xl', 'migrate', '-s', ssh, GUEST.name, 'localhost']);
    if (migrate.code !== 0) {
      const { message, remedy } = liveMigrationFailure(migrate.stdout + migrate.stderr, ctx.profile.xenPackages.tools);
      await backUp(ctx);
      return fail(message, remedy);
    }
    if (!(await backUp(ctx))) return fail(`the guest did not answer within ${ctx.timeouts.boot} s of the migration`, 'See domU-console.log.');
    const after = await bootAndUptime(ctx);
    if (after.bootId !== before.bootId) return fail('after xl migrate the guest booted afresh instead of continuing', 'See domU-console.log.');
    const { offset } = await measureClock(ctx.run, ctx.facts.guest!.guest);
    if (offset === undefined || offset > 1) return fail(`after xl migrate the guest's clock is ${offset?.toFixed(2) ?? 'unreadable'} s off dom0's`, 'The guest must resync its clock from Xen after migration.');
    return pass(`the guest kept running through xl migrate localhost; its clock is within ${offset.toFixed(2)} s of dom0's`);
  },
};


