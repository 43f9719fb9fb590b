// What dom0 does to a running guest: hot-plug disks, vCPUs and memory, sysrq,
// save/restore, migration, a reboot into a regenerated boot config, and
// shutdown. Each changes the guest, so they run one at a time, in this order,
// after the domU checks that only look; each leaves the guest running except
// the last.
import * as path from 'node:path';
import { DESTROY_GUEST } from '../guest/dom0-scripts.js';
import { GUEST, Guest, lvPath } from '../guest/guest.js';
import { CHUNK_DIGESTS, SPARSE_RECEIVE, SPARSE_SEND } from '../guest/transfer.js';
import type { Host } from '../host/host.js';
import { type RelayEnd, relay } from '../host/relay.js';
import { type Check, type CheckContext, type Outcome, fail, pass } from './check.js';
import { lastLine, sleep } from '../proc.js';
import { dpkgOwner, parseOwners } from './dpkg.js';
import { GUEST_UP, guestDomid, measureClock } from './domu.js';
import { failedGrubScript } from './grubcfg.js';
import { shutdownTrouble } from './shutdown.js';

/** Poll fn every second until it returns something, for at most `seconds`. */
async function until<T>(seconds: number, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(1000);
  }
}

async function bootAndUptime(ctx: CheckContext, inGuest = (argv: readonly string[]) => ctx.guest(argv)): Promise<{ bootId: string; uptime: number }> {
  const r = await inGuest(['sh', '-c', 'cat /proc/sys/kernel/random/boot_id; cut -d" " -f1 /proc/uptime']);
  const [bootId, up] = r.stdout.trim().split('\n');
  if (r.code !== 0 || !bootId) throw new Error('the guest is not answering (an earlier check may have left it down)');
  return { bootId, uptime: Number(up) };
}

/** Wait for the guest to answer again after dom0 restarted or moved it. */
async function backUp(ctx: CheckContext, notThisBoot?: string): Promise<string | undefined> {
  return ctx.facts.guest!.guest.waitUp(ctx.timeouts.boot * 1000, `check (waiting for the domU)`, notThisBoot);
}

export const diskHotplug: Check = {
  id: 'domU.disk-hotplug',
  title: 'xl block-attach a second volume: the guest sees it, writes and reads it; xl block-detach removes it cleanly',
  where: 'domU',
  seed: 'Disks are of course also hot-pluggable and hot-removable.',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const attach = await ctx.run(['xl', 'block-attach', GUEST.name, `phy:${lvPath(GUEST.extraLv)},xvdb,w`]);
    if (attach.code !== 0) return fail(`xl block-attach failed: ${lastLine(attach.stderr)}`, 'See /var/log/xen/xl-*.log and the block hotplug script.');
    const seen = await ctx.guest(['sh', '-c', 'for i in $(seq 40); do [ -b /dev/xvdb ] && exit 0; sleep 0.5; done; exit 1']);
    if (seen.code !== 0) {
      await ctx.run(['xl', 'block-detach', GUEST.name, 'xvdb']);
      return fail('the guest did not see /dev/xvdb within 20 s of xl block-attach', 'blkfront in the guest must pick up new devices from xenstore.');
    }
    const io = await ctx.guest([
      'sh', '-c',
      'set -e; head -c 1048576 /dev/urandom > /var/tmp/xc-blk; dd if=/var/tmp/xc-blk of=/dev/xvdb bs=64k oflag=direct status=none; dd if=/dev/xvdb bs=64k count=16 iflag=direct status=none | cmp - /var/tmp/xc-blk; rm /var/tmp/xc-blk',
    ]);
    const detach = await ctx.run(['xl', 'block-detach', GUEST.name, 'xvdb']);
    const gone = await ctx.guest(['sh', '-c', 'for i in $(seq 40); do [ -b /dev/xvdb ] || exit 0; sleep 0.5; done; exit 1']);
    const problems = [
      ...(io.code === 0 ? [] : ['the guest could not write and read back 1 MiB on /dev/xvdb']),
      ...(detach.code === 0 ? [] : [`xl block-detach failed: ${lastLine(detach.stderr)}`]),
      ...(gone.code === 0 ? [] : ['/dev/xvdb was still in the guest 20 s after xl block-detach']),
    ];
    if (problems.length) return fail(problems.join('; '), 'See the guest kernel log (blkfront) and /var/log/xen in dom0.');
    return pass('xvdb appeared in the guest, 1 MiB written and read back intact, and it went away on block-detach');
  },
};

async function onlineCpus(ctx: CheckContext): Promise<{ online: string; present: string }> {
  const r = await ctx.guest(['cat', '/sys/devices/system/cpu/online', '/sys/devices/system/cpu/present']);
  const [online = '', present = ''] = r.stdout.trim().split('\n');
  return { online, present };
}

export const vcpuHotplug: Check = {
  id: 'domU.vcpu-hotplug',
  title: 'Started with 1 of 2 vCPUs: xl vcpu-set 2 and back to 1, and the guest\'s online CPUs follow',
  where: 'domU',
  seed: 'CPU hotplug: The domU kernel has to notice, and make use of these resources.',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const before = await onlineCpus(ctx);
    await ctx.run(['xl', 'vcpu-set', GUEST.name, '2']);
    const up = await until(10, async () => ((await onlineCpus(ctx)).online === '0-1' ? true : undefined));
    const after = await onlineCpus(ctx);
    await ctx.run(['xl', 'vcpu-set', GUEST.name, '1']);
    const down = await until(10, async () => ((await onlineCpus(ctx)).online === '0' ? true : undefined));
    if (!up) {
      const noticed = after.present === '0-1';
      return fail(
        noticed
          ? `after xl vcpu-set 2 the guest's kernel noticed vCPU 1 (present ${after.present}) but nothing brought it online (online ${after.online}, was ${before.online})`
          : `after xl vcpu-set 2 the guest did not notice vCPU 1 (present ${after.present}, online ${after.online})`,
        noticed
          ? 'Online hot-added CPUs in the guest: a udev rule such as SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", ATTR{online}=="0", ATTR{online}="1", or CONFIG_XEN_... auto-onlining.'
          : 'The guest kernel needs Xen vCPU hotplug (CONFIG_XEN_PV with HOTPLUG_CPU).',
      );
    }
    if (!down) return fail('after xl vcpu-set 1 the guest still had vCPU 1 online', 'The guest must let vCPU 1 go offline when Xen asks.');
    return pass(`online CPUs went ${before.online} -> 0-1 -> 0 with xl vcpu-set`);
  },
};

async function memTotalKb(ctx: CheckContext): Promise<number> {
  const r = await ctx.guest(['grep', '^MemTotal:', '/proc/meminfo']);
  return Number(/(\d+)/.exec(r.stdout)?.[1] ?? NaN);
}

/** Did MemTotal move by the change in the target, within 10 %? */
export function followsWithin(deltaKb: number, expectedKb: number): boolean {
  return Math.abs(deltaKb - expectedKb) <= Math.abs(expectedKb) * 0.1;
}

export const memoryHotplug: Check = {
  id: 'domU.memory-hotplug',
  title: "xl mem-set down and back up within maxmem: the guest's MemTotal follows within 10%",
  where: 'domU',
  seed: 'Memory hotplug: Make sure your guest kernel notices it',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const full = GUEST.memoryMb;
    const low = full - 128;
    const start = await memTotalKb(ctx);
    const expected = -128 * 1024;
    await ctx.run(['xl', 'mem-set', GUEST.name, `${low}m`]);
    const down = await until(20, async () => {
      const m = await memTotalKb(ctx);
      return followsWithin(m - start, expected) ? m : undefined;
    });
    const lowSeen = await memTotalKb(ctx);
    await ctx.run(['xl', 'mem-set', GUEST.name, `${full}m`]);
    const up = await until(20, async () => {
      const m = await memTotalKb(ctx);
      return Math.abs(m - start) <= 0.1 * Math.abs(expected) ? m : undefined;
    });
    const end = await memTotalKb(ctx);
    if (!down) return fail(`after xl mem-set ${low}m MemTotal went ${start} -> ${lowSeen} kB, not down by about ${-expected} kB`, 'The guest kernel needs the Xen balloon driver (XEN_BALLOON).');
    if (!up) return fail(`after xl mem-set ${full}m MemTotal stayed at ${end} kB (was ${start} kB before)`, 'The balloon driver must give memory back to the guest up to maxmem (XEN_BALLOON, and XEN_BALLOON_MEMORY_HOTPLUG beyond the boot size).');
    return pass(`MemTotal ${start} -> ${down} -> ${up} kB with xl mem-set ${low}m and ${full}m`);
  },
};

export const sysrq: Check = {
  id: 'domU.sysrq',
  title: 'xl sysrq <dom> s shows up in the guest\'s kernel log',
  where: 'domU',
  seed: 'Xen Eventchannels: It can for example trigger a sysrq to the DomU',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const count = async () => Number((await ctx.guest(['sh', '-c', 'dmesg | grep -c "Emergency Sync" || true'])).stdout.trim() || 0);
    const before = await count();
    const r = await ctx.run(['xl', 'sysrq', GUEST.name, 's']);
    if (r.code !== 0) return fail(`xl sysrq failed: ${r.stderr.trim()}`, 'See xl dmesg.');
    const seen = await until(10, async () => ((await count()) > before ? true : undefined));
    if (!seen) return fail('10 s after xl sysrq s the guest kernel log has no new "Emergency Sync"', 'The guest kernel needs MAGIC_SYSRQ and the Xen sysrq watch (drivers/xen/manage.c); check kernel.sysrq.');
    return pass('the guest kernel logged "Emergency Sync" after xl sysrq s');
  },
};

const SAVE_FILE = GUEST.saveFile;

/**
 * libxl runs libxl-save-helper for every save, restore and migration. When it
 * cannot start, xl's last line is the resume that follows ("xc_domain_resume
 * failed"), so this is looked for first in any of their failures.
 */
function saveHelperMissing(command: string, xlOutput: string, toolsPackage: string): { message: string; remedy: string } | undefined {
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
  usesMigrateTo: true,
  async run(ctx) {
    const before = await bootAndUptime(ctx);
    if (ctx.facts.migrateTo) return coldMigrationTo(ctx, ctx.facts.migrateTo, before);
    const save = await ctx.run(['xl', 'save', '-c', GUEST.name, SAVE_FILE]);
    if (save.code !== 0) return saveFailure('xl save -c', save.stderr, ctx.profile.xenPackages.tools);
    await ctx.run(['xl', 'destroy', GUEST.name]);
    return restoreAndJudge(ctx, before, 'a checkpoint, xl destroy and xl restore');
  },
};

type MigrateTo = NonNullable<CheckContext['facts']['migrateTo']>;

/** A dom0 a migration goes from or to: its host, its name in messages, and run and guest recorded as evidence. */
interface Dom0 extends Pick<CheckContext, 'run' | 'guest'> {
  host: Host;
  name: string;
}

function dom0s(ctx: CheckContext, to: MigrateTo): { here: Dom0; there: Dom0 } {
  return { here: { host: ctx.host, name: 'dom0', run: ctx.run, guest: ctx.guest }, there: { host: to.host, name: to.name, ...ctx.on(to.host, to.name) } };
}

/**
 * From one dom0 to another through the runner (with `both`, a conversation),
 * recorded as one piece of evidence (what each end wrote to stderr, and the
 * receiver's stdout when it is not the stream back); ok when both ends succeeded.
 */
async function through(ctx: CheckContext, phase: string, what: string, from: RelayEnd, to: RelayEnd, both = false): Promise<{ ok: boolean; sent: string; received: string }> {
  const t = Date.now();
  const { sent, received } = await relay(from, to, { phase, timeoutMs: ctx.timeoutMs, both });
  const said = [sent.stderr.trim() && `sending: ${sent.stderr.trim()}`, received.stdout.trim(), received.stderr.trim() && `receiving: ${received.stderr.trim()}`].filter(Boolean).join('\n');
  ctx.note(`${what}, through the runner: ${from.argv.join(' ')} | ${to.argv.join(' ')}`, `exit ${sent.code} | exit ${received.code} in ${((Date.now() - t) / 1000).toFixed(1)} s${said ? `\n${said}` : ''}`);
  return { ok: sent.code === 0 && received.code === 0, sent: sent.stderr, received: received.stderr };
}

/** The guest's volume from one dom0 to the other: only the chunks whose md5 differs from the digests of the volume there. */
async function sendVolume(ctx: CheckContext, phase: string, from: Dom0, to: Dom0, digests: string[]): Promise<boolean> {
  const lv = lvPath(GUEST.lv);
  const { ok } = await through(
    ctx,
    phase,
    `the guest's volume, the chunks that differ from the volume on ${to.name}`,
    { host: from.host, argv: ['python3', '-c', SPARSE_SEND, lv], input: digests.join('\n') },
    { host: to.host, argv: ['python3', '-c', SPARSE_RECEIVE, lv] },
  );
  return ok;
}

/** This run's key to the guest, so that the dom0 there can reach the guest as this one does. */
async function sendKey(ctx: CheckContext, phase: string, from: Dom0, to: Dom0): Promise<boolean> {
  const dir = path.posix.dirname(GUEST.key);
  const { ok } = await through(
    ctx,
    phase,
    "this run's key to the guest",
    { host: from.host, argv: ['tar', '-C', dir, '-cf', '-', path.posix.basename(GUEST.key), path.posix.basename(GUEST.knownHosts)] },
    { host: to.host, argv: ['sh', '-c', 'install -d -m 700 "$1" && tar -C "$1" -xf -', 'sh', dir] },
  );
  return ok;
}

/**
 * Cold migration to a second host: saved here and left paused, its volume,
 * save file and this run's key to the guest sent through the runner, restored
 * there; it must continue the same boot there. Then the copy there is
 * destroyed and the guest here unpaused, so the checks after this one find it
 * where they expect it, continuing from the same point.
 */
async function coldMigrationTo(ctx: CheckContext, to: MigrateTo, before: { bootId: string; uptime: number }): Promise<Outcome> {
  const tools = ctx.profile.xenPackages.tools;
  const phase = 'check domU.cold-migration';
  const { here, there } = dom0s(ctx, to);
  for (const s of to.setup) ctx.note(`(${to.name}) set up: ${s.command}`, `exit ${s.exitCode} in ${s.seconds.toFixed(1)} s`);
  const save = await ctx.run(['xl', 'save', '-p', GUEST.name, SAVE_FILE]);
  if (save.code !== 0) return saveFailure('xl save -p', save.stderr, tools);
  try {
    const copied =
      // The volume there holds the guest's image already: only the chunks that differ from it go.
      (await sendVolume(ctx, phase, here, there, to.volumeDigests)) &&
      // The guest's memory, most of it never touched since Xen handed it over zeroed: gzip -1 shrinks that to little.
      (await through(ctx, phase, 'the save file, gzipped', { host: ctx.host, argv: ['gzip', '-1', '-c', SAVE_FILE] }, { host: to.host, argv: ['sh', '-c', 'gzip -dc > "$1"', 'sh', SAVE_FILE] })).ok &&
      (await sendKey(ctx, phase, here, there));
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
 * xl migrate with its stream on this command's own stdin and stdout, for the
 * runner to relay to xl migrate-receive on the other host: with -s "" xl runs
 * the host argument as the command that carries the stream (xl(1)). Fds 3 and
 * 4 keep the SSH session's stdin and stdout; xl's messages go to stderr.
 */
export const MIGRATE_SEND = ['sh', '-c', 'exec 3<&0 4>&1 1>&2; exec xl migrate -s "" "$1" "$2"', 'sh', GUEST.name, 'cat <&3 4>&- & exec cat >&4 3<&-'];
/** Arrives paused (-p): its volume is brought up to date before it runs there. */
export const MIGRATE_RECEIVE = ['xl', 'migrate-receive', '-p'];

/**
 * Live migration from one dom0 to the other: undefined when it went, else
 * why not. On failure the guest stays where it was and the other's half is destroyed.
 */
async function migrateLive(ctx: CheckContext, phase: string, from: Dom0, to: Dom0): Promise<{ message: string; remedy: string } | undefined> {
  const r = await through(ctx, phase, `xl migrate from ${from.name} to ${to.name}`, { host: from.host, argv: MIGRATE_SEND }, { host: to.host, argv: MIGRATE_RECEIVE }, true);
  if (r.ok) return undefined;
  await to.run(['sh', '-c', DESTROY_GUEST]);
  // The sender says why; a receiver that gave up first, when it said nothing.
  return liveMigrationFailure(r.sent.trim() ? r.sent : r.received, ctx.profile.xenPackages.tools);
}

/**
 * The guest arrived paused on `to`: its volume there gets the chunks it wrote
 * on `from` until it was suspended (no storage is shared), then it runs.
 */
async function arrive(ctx: CheckContext, phase: string, from: Dom0, to: Dom0): Promise<boolean> {
  const digests = await to.run(['python3', '-c', CHUNK_DIGESTS, lvPath(GUEST.lv)]);
  if (digests.code !== 0 || !(await sendVolume(ctx, phase, from, to, digests.stdout.trim().split('\n')))) return false;
  return (await to.run(['xl', 'unpause', GUEST.name])).code === 0;
}

/**
 * Live migration to the second host and back. The memory goes while the
 * guest runs; the volume's changed chunks while it waits, paused, on arrival.
 * There it must continue the same boot with its clock within 1 s of that
 * dom0's; then it comes back the same way, so that the checks after this one
 * find it here.
 */
async function liveMigrationTo(ctx: CheckContext, to: MigrateTo, before: { bootId: string; uptime: number }): Promise<Outcome> {
  const phase = 'check domU.live-migration';
  const { here, there } = dom0s(ctx, to);
  if (!(await sendKey(ctx, phase, here, there))) return fail(`copying this run's key to the guest to ${to.name} failed`, 'See the evidence.');
  const refused = await migrateLive(ctx, phase, here, there);
  if (refused) {
    await backUp(ctx);
    return fail(`to ${to.name}: ${refused.message}`, refused.remedy);
  }
  const verdict = await (async (): Promise<Outcome> => {
    if (!(await arrive(ctx, phase, here, there))) return fail(`the guest reached ${to.name} but its volume could not be brought up to date there, or it could not be unpaused`, 'See the evidence.');
    const g = new Guest(to.host);
    if (!(await g.waitUp(ctx.timeouts.boot * 1000, phase))) return fail(`the guest did not answer on ${to.name} within ${ctx.timeouts.boot} s of arriving`, `See /var/log/xen/xl-${GUEST.name}.log on ${to.name}.`);
    const after = await bootAndUptime(ctx, there.guest);
    if (after.bootId !== before.bootId) return fail(`after xl migrate to ${to.name} the guest booted afresh instead of continuing`, 'See the evidence.');
    const { offset } = await measureClock(there.run, g);
    if (offset === undefined || offset > 1) return fail(`after xl migrate to ${to.name} the guest's clock is ${offset?.toFixed(2) ?? 'unreadable'} s off that dom0's`, 'The guest must resync its clock from Xen after migration.');
    return pass(`the guest kept running through xl migrate to ${to.name} (uptime ${before.uptime.toFixed(0)} -> ${after.uptime.toFixed(0)} s), its clock within ${offset.toFixed(2)} s of that dom0's, and came back`);
  })();
  // Back, the same way, whatever the verdict there.
  const stuck = await migrateLive(ctx, phase, there, here);
  if (stuck) {
    return fail(`${verdict.status === 'pass' ? 'the guest ran there, but' : `${verdict.message}; then,`} coming back from ${to.name}: ${stuck.message}`, 'The guest is left on the migrate-to host; see the evidence.');
  }
  if (!(await arrive(ctx, phase, there, here)) || !(await backUp(ctx))) return fail(`the guest came back from ${to.name} but did not run here again`, 'See the evidence and domU-console.log.');
  return verdict;
}

export const liveMigration: Check = {
  id: 'domU.live-migration',
  title: "xl migrate to the migrate-to host and back when one is given (the volume's changed chunks sent while the guest waits paused on arrival), else to localhost: the guest keeps running and its clock stays within 1 s of dom0's",
  where: 'domU',
  seed: "Live migration: A live migration of a VM between dom0's should be possible. The clock should stay OK...",
  after: GUEST_UP,
  changesGuest: true,
  usesMigrateTo: true,
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

export const kernelUpdate: Check = {
  id: 'domU.kernel-update',
  title: "Inside the guest, the kernel package is configured again as a reinstall does (every kernel hook, the boot config among them); after xl reboot the guest boots the regenerated config",
  where: 'domU',
  seed: 'The distro should be able to update a kernel and build a valid boot config in a VM.',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const release = (await ctx.guest(['uname', '-r'])).stdout.trim();
    const before = await bootAndUptime(ctx);
    // A mark on the kernel command line tells the regenerated config from the old one after the reboot.
    const mark = `xc.kernel-update=${before.bootId.slice(0, 8)}`;
    await ctx.guest(['sh', '-c', 'printf "GRUB_CMDLINE_LINUX_DEFAULT=\\"%s\\"\\n" "$1" > /etc/default/grub.d/zz-xc-kernel-update.cfg', 'sh', mark]);
    const command = ctx.profile.kernelReconfigureCommand(release);
    // As a person would name it (dpkg-reconfigure linux-image-<release>): without env and its settings.
    const what = command.filter((a) => !a.includes('=') && a !== 'env').join(' ');
    const hooks = await ctx.guest(command);
    if (hooks.code !== 0) {
      const why = causeLine(hooks.stdout + hooks.stderr);
      // grub-mkconfig leaves its half-written output behind, framed per /etc/grub.d script: it names the one that failed.
      const partial = await ctx.guest(['cat', `${ctx.profile.grubCfg}.new`]);
      const script = partial.code === 0 ? failedGrubScript(partial.stdout) : undefined;
      if (!script) return fail(`${what} failed in the guest (exit ${hooks.code}): ${why}`, 'The kernel\'s hooks and the boot-config tool must work inside a PV guest (no BIOS disk, xvd* devices); see the evidence.');
      const owner = parseOwners((await ctx.guest(dpkgOwner(script))).stdout)[0];
      return fail(
        `${what} failed in the guest (exit ${hooks.code}) in ${script}${owner ? ` (from ${owner})` : ''}: ${why}`,
        `${script} stops the boot-config tool in a domU: a script there must also work in a guest, which has no hypervisor and is no control domain${owner ? ` (fix it in ${owner})` : ''}.`,
      );
    }
    const cfg = await ctx.guest(['grep', '-c', mark, ctx.profile.grubCfg]);
    if (cfg.code !== 0) return fail(`after ${what} the guest's ${ctx.profile.grubCfg} does not carry the new kernel command line`, 'The kernel package\'s hooks must regenerate the boot config: see their output.');
    await ctx.run(['xl', 'reboot', GUEST.name]);
    if (!(await backUp(ctx, before.bootId))) return fail(`the guest did not come back within ${ctx.timeouts.boot} s of xl reboot with the regenerated config`, 'See domU-console.log: pygrub reads the guest\'s own grub.cfg.');
    const cmdline = (await ctx.guest(['cat', '/proc/cmdline'])).stdout.trim();
    if (!cmdline.includes(mark)) return fail(`the guest rebooted but not into the regenerated entry (its command line: ${cmdline})`, 'pygrub boots the default entry of the guest\'s grub.cfg: check GRUB_DEFAULT and the generated file.');
    return pass(`${what} regenerated ${ctx.profile.grubCfg} in the guest; after xl reboot it booted the new entry (${mark} on its command line)`);
  },
};

/** The line that says why, not the package tools' own account of the failure that follows it. */
function causeLine(output: string): string {
  const lines = output.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => !/^(run-parts:|dpkg:|dpkg-reconfigure:|debconf:|Errors were encountered|Generating grub|Found |done$)/.test(l));
  return said.pop() ?? lines.pop() ?? 'no message';
}

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

export const lifecycleChecks: Check[] = [
  diskHotplug,
  vcpuHotplug,
  memoryHotplug,
  sysrq,
  saveRestore,
  coldMigration,
  liveMigration,
  kernelUpdate,
  guestShutdown,
];
