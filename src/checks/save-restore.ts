// A snapshot of the running guest: xl save and xl restore here, and cold
// migration (to the migrate-to host when one is given, else a checkpoint
// restored as another host would). The guest must continue the same boot.
import { DESTROY_GUEST } from '../guest/dom0-scripts.js';
import { GUEST, Guest } from '../guest/guest.js';
import { sendKey, sendSaveFile, sendVolume } from '../guest/migrate.js';
import { type Check, type CheckContext, type MigrateToHost, type Outcome, fail, pass } from './check.js';
import { MIGRATE_TO_HOST } from './requirements.js';
import { GUEST_UP } from './domu.js';
import { backUp, bootAndUptime, dom0s, moving } from './guest-state.js';

const SAVE_FILE = GUEST.saveFile;

/**
 * libxl runs libxl-save-helper for every save, restore and migration. When it
 * cannot start, xl's last line is the resume that follows ("xc_domain_resume
 * failed"), so this is looked for first in any of their failures.
 */
export function saveHelperMissing(command: string, xlOutput: string, toolsPackage: string): { message: string; remedy: string } | undefined {
  const helper = /cannot execute (\S*libxl-save-helper): (.*)$/m.exec(xlOutput);
  if (!helper) return undefined;
  return {
    message: `${command} failed: libxl cannot run the save helper ${helper[1]} (${helper[2].trim()})`,
    remedy: `Ship ${helper[1]} in ${toolsPackage}, the toolstack package: libxl runs it from there for every save, restore and migration.`,
  };
}

/** Why xl save or xl restore failed, in words, from xl's output: a missing helper, else the first error line. */
export function saveFailure(command: string, xlOutput: string, toolsPackage: string): Outcome {
  const helper = saveHelperMissing(command, xlOutput, toolsPackage);
  if (helper) return fail(helper.message, helper.remedy);
  const lines = xlOutput.trim().split('\n');
  const first = lines.find((l) => /error/i.test(l)) ?? lines.pop();
  return fail(`${command} failed: ${first?.trim() || 'no message'}`, 'See /var/log/xen and xl dmesg.');
}

/** save/restore and cold migration: the guest comes back with the same boot and a later uptime. */
async function restoreAndJudge(ctx: CheckContext, before: { bootId: string; uptime: number }, how: string) {
  const restore = await ctx.run(['xl', 'restore', SAVE_FILE]);
  await ctx.run(['rm', '-f', SAVE_FILE]);
  if (restore.code !== 0) return saveFailure('xl restore', restore.stderr, ctx.profile.xenPackages.tools);
  const id = await backUp(ctx);
  if (!id) return fail(`the guest did not answer within ${ctx.timeouts.boot} s of xl restore`, 'See domU-console.log.');
  const after = await bootAndUptime(ctx);
  if (after.bootId !== before.bootId) return fail(`after ${how} the guest booted afresh (new boot id) instead of continuing`, 'See domU-console.log.');
  if (!(after.uptime >= before.uptime)) return fail(`after ${how} the guest's uptime went back (${before.uptime} -> ${after.uptime} s)`, 'See domU-console.log.');
  return pass(`after ${how} the guest continued the same boot (uptime ${before.uptime.toFixed(0)} -> ${after.uptime.toFixed(0)} s)`);
}

export const saveRestore: Check = {
  id: 'domU.save-restore',
  title: 'xl save then xl restore: the guest is alive and its uptime continued',
  where: 'domU',
  seed: 'Running a snapshot should be possible',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const before = await bootAndUptime(ctx);
    const save = await ctx.run(['xl', 'save', GUEST.name, SAVE_FILE]);
    if (save.code !== 0) return saveFailure('xl save', save.stderr, ctx.profile.xenPackages.tools);
    return restoreAndJudge(ctx, before, 'xl save and xl restore');
  },
};

export const coldMigration: Check = {
  id: 'domU.cold-migration',
  title: 'Cold migration: to the migrate-to host when one is given (xl save -p here, the disk and the save file copied, xl restore there); else a checkpoint (xl save -c), the domain destroyed, restored from the file as another host would',
  where: 'domU',
  seed: "Cold migration: A cold migration of a VM between dom0's should be possible",
  after: GUEST_UP,
  changesGuest: true,
  requires: [MIGRATE_TO_HOST],
  async run(ctx) {
    const before = await bootAndUptime(ctx);
    if (ctx.facts.migrateTo) return coldMigrationTo(ctx, ctx.facts.migrateTo, before);
    const save = await ctx.run(['xl', 'save', '-c', GUEST.name, SAVE_FILE]);
    if (save.code !== 0) return saveFailure('xl save -c', save.stderr, ctx.profile.xenPackages.tools);
    await ctx.run(['xl', 'destroy', GUEST.name]);
    return restoreAndJudge(ctx, before, 'a checkpoint, xl destroy and xl restore');
  },
};

/**
 * Cold migration to a second host: saved here and left paused, its volume,
 * save file and this run's key to the guest sent through the runner, restored
 * there; it must continue the same boot there. Then the copy there is
 * destroyed and the guest here unpaused, so the checks after this one find it
 * where they expect it, continuing from the same point.
 */
async function coldMigrationTo(ctx: CheckContext, to: MigrateToHost, before: { bootId: string; uptime: number }): Promise<Outcome> {
  const tools = ctx.profile.xenPackages.tools;
  const phase = 'check domU.cold-migration';
  const m = moving(ctx, phase);
  const { here, there } = dom0s(ctx, to);
  for (const s of to.setup) ctx.note(`(${to.name}) set up: ${s.command}`, `exit ${s.exitCode} in ${s.seconds.toFixed(1)} s`);
  const save = await ctx.run(['xl', 'save', '-p', GUEST.name, SAVE_FILE]);
  if (save.code !== 0) return saveFailure('xl save -p', save.stderr, tools);
  try {
    const copied =
      // The volume there holds the guest's image already: only the chunks that differ from it go.
      (await sendVolume(m, here, there, to.volumeDigests)) &&
      (await sendSaveFile(m, here, there)) &&
      (await sendKey(m, here, there));
    if (!copied) return fail(`copying the guest's disk, save file and key to ${to.name} failed`, 'See the evidence: the migrate-to host needs room in /var/tmp for the save file.');
    const restore = await there.run(['xl', 'restore', SAVE_FILE]);
    if (restore.code !== 0) return saveFailure(`xl restore on ${to.name}`, restore.stderr, tools);
    if (!(await new Guest(to.host).waitUp(ctx.timeouts.boot * 1000, phase))) {
      return fail(`the guest did not answer on ${to.name} within ${ctx.timeouts.boot} s of xl restore there`, `See /var/log/xen/xl-${GUEST.name}.log on ${to.name}.`);
    }
    const after = await bootAndUptime(ctx, there.guest);
    if (after.bootId !== before.bootId) return fail(`restored on ${to.name} the guest booted afresh (new boot id) instead of continuing`, 'See the evidence.');
    if (!(after.uptime >= before.uptime)) return fail(`restored on ${to.name} the guest's uptime went back (${before.uptime} -> ${after.uptime} s)`, 'See the evidence.');
    return pass(`xl save here, xl restore on ${to.name}: the guest continued the same boot there (uptime ${before.uptime.toFixed(0)} -> ${after.uptime.toFixed(0)} s)`);
  } finally {
    // The copy there goes; the guest here goes on from where it was saved.
    await there.run(['sh', '-c', `${DESTROY_GUEST}; rm -f ${SAVE_FILE}`]);
    await ctx.run(['xl', 'unpause', GUEST.name]);
    await ctx.run(['rm', '-f', SAVE_FILE]);
    await backUp(ctx);
  }
}
