// The other ways Xen runs a guest: the PV guest's own disk booted again as
// PVH and as HVM, once the PV guest's lifecycle is over (they share its
// volume, its MAC and its address). Whether the host can run them is Xen's
// to say, in xl info's virt_caps.
import { GUEST, type GuestType, xlConfigPath, xlConfig } from '../guest/guest.js';
import { type Check, type CheckContext, fail, pass, skip } from './check.js';
import { HVM_IN_TIME, HVM_UNDER_TCG } from './requirements.js';
import { parseXlInfo } from './dom0facts.js';
import { lastLine } from '../proc.js';
import { GUEST_UP, guestDomid } from './domu.js';

// The checklist predates PVH; it calls PV guests old-style.
const SEED = 'Old-style paravirtualized VM will not see a hw clock.';
const NAMES: Record<GuestType, string> = { pv: 'PV', pvh: 'PVH', hvm: 'HVM' };

/** Why Xen cannot run a guest of this type here, from xl info's virt_caps; undefined when it can. */
export function cannotRun(virtCaps: string, type: Exclude<GuestType, 'pv'>): string | undefined {
  const caps = virtCaps.split(/\s+/);
  if (!caps.includes('hvm')) return `Xen cannot run ${NAMES[type]} guests here: its virt_caps (${virtCaps || 'none'}) lack hvm, so the CPU offers it no AMD-V or VT-x`;
  if (!caps.includes('hap') && !caps.includes('shadow')) {
    return `Xen cannot run ${NAMES[type]} guests here: its virt_caps (${virtCaps}) have neither hap (the CPU has no nested paging) nor shadow (the hypervisor is built without shadow paging)`;
  }
  return undefined;
}

export { HVM_UNDER_TCG };

/** Boot the guest's disk as `type`, judge it, and leave no domain behind. */
async function bootAs(ctx: CheckContext, type: Exclude<GuestType, 'pv'>): Promise<ReturnType<typeof pass>> {
  const name = NAMES[type];
  const xlInfo = await ctx.run(['xl', 'info']);
  // No answer is no evidence that Xen lacks hvm: the check could not judge.
  if (xlInfo.code !== 0) throw new Error(`xl info failed (exit ${xlInfo.code}): ${lastLine(xlInfo.stderr || xlInfo.stdout) || 'no message'}; Xen's virt_caps could not be read`);
  const info = parseXlInfo(xlInfo.stdout);
  const why = cannotRun(info.virt_caps ?? '', type);
  if (why) return skip(why);
  // The PV guest is done with its disk (domU.shutdown stops it; a filtered run may not have).
  if ((await guestDomid(ctx)) !== undefined) await ctx.run(['xl', 'destroy', GUEST.name]);
  const cfg = xlConfigPath(type);
  await ctx.run(['sh', '-c', 'printf "%s" "$1" > "$2"', 'sh', xlConfig(type), cfg]);
  const started = Date.now();
  const create = await ctx.run(['xl', 'create', cfg]);
  if (create.code !== 0) {
    const last = lastLine(create.stderr || create.stdout);
    return fail(`xl create of the guest as ${name} failed (exit ${create.code}): ${last}`, `See /var/log/xen/xl-${GUEST.name}.log: ${type === 'hvm' ? 'the device model (qemu-system-xen) and hvmloader must be installed' : "the guest kernel needs a PVH entry point (CONFIG_XEN_PVH), and libxl must boot what pygrub finds"}.`);
  }
  try {
    const id = await ctx.facts.guest!.guest.waitUp(ctx.timeouts.boot * 1000, `check domU.${type}`);
    if (!id) return fail(`the guest, booted as ${name}, did not answer over SSH within ${ctx.timeouts.boot} s of xl create (timeout-boot)`, 'See domU-console.log for where its boot stopped.');
    const seconds = (Date.now() - started) / 1000;
    const seen = (await ctx.guest(['cat', '/sys/hypervisor/guest_type'])).stdout.trim();
    if (seen !== name) return fail(`the guest booted but runs as ${seen || 'an unknown type'}, not ${name}`, `xl create was given type = "${type}"; see the evidence.`);
    const target = (await ctx.guest(['systemctl', 'is-active', 'multi-user.target'])).stdout.trim();
    if (target !== 'active') return fail(`the guest booted as ${name} but multi-user.target is ${target || 'unknown'}`, 'See systemctl --failed in the guest and its console log.');
    return pass(`the guest's own disk booted as ${name}${type === 'hvm' ? '' : ' through pygrub'} and reached multi-user.target; it answered over SSH ${seconds.toFixed(0)} s after xl create`);
  } finally {
    // Not this check's verdict (domU.shutdown judges shutdowns): bounded, then gone.
    await ctx.run(['sh', '-c', `timeout ${ctx.timeouts.shutdown} xl shutdown -w ${GUEST.name} || xl destroy ${GUEST.name}`]);
  }
}

export const pvhGuest: Check = {
  id: 'domU.pvh',
  title: "The guest's own disk boots as a PVH guest (where Xen can run one)",
  where: 'domU',
  seed: SEED,
  after: GUEST_UP,
  changesGuest: true,
  run: (ctx) => bootAs(ctx, 'pvh'),
};

export const hvmGuest: Check = {
  id: 'domU.hvm',
  title: "The guest's own disk boots as an HVM guest from its boot sector (where Xen can run one)",
  where: 'domU',
  seed: SEED,
  after: GUEST_UP,
  changesGuest: true,
  requires: [HVM_IN_TIME],
  run: (ctx) => bootAs(ctx, 'hvm'),
};

/** After the PV guest's lifecycle: they take its disk. */
export const guestTypeChecks: Check[] = [pvhGuest, hvmGuest];
