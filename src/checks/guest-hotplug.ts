// What dom0 asks of a running guest without stopping it: a disk, a vCPU and
// memory plugged in and out, and a sysrq. Each changes the guest, so each runs
// alone, after the domU checks that only look.
import { GUEST, lvPath } from '../guest/guest.js';
import { lastLine } from '../proc.js';
import { type Check, type CheckContext, fail, pass } from './check.js';
import { GUEST_UP } from './domu.js';
import { until } from '../proc.js';

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
