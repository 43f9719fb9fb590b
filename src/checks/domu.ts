// The distro as a guest: a domU of the same release, booted by pygrub from
// its own disk on an LVM volume, on the bridge the tool makes (see
// guest/guest.ts). These checks only look; lifecycle.ts changes the guest.
import { stripVTControlCharacters } from 'node:util';
import { GUEST, type Guest, lvPath } from '../guest/guest.js';
import { type Check, type CheckContext, fail, pass, skip } from './check.js';
import { A_DOMU } from './requirements.js';
import { PV_DRIVERS, modulesIn, pvDriversIn } from './dom0.js';
import { initramfsNames } from '../parsers/initramfs.js';
import { sleep } from '../proc.js';

const SEED_CONSOLE = 'There should be a working console entry for the console device the kernel uses (hvc0, xvc0)';
const SEED_CLOCK = 'Old-style paravirtualized VM will not see a hw clock. This should not cause false alarms on boot.';
const SEED_XENSTORE = 'The utilties are called xenstore-* and they should be installed separately of the full xen toolset';
const SEED_NET = 'The paravirtualized network drivers need to work and be enabled by default.';
const SEED_PV = 'Make sure the PV drivers working and are activated in the default OS install';
const SEED_PCI = 'It should be possible to delegate a PCI device.';
export const SEED_GUEST = 'Recommended: phy: for blkback (LVM volumes)';

/** What every other domU check builds on. */
export const GUEST_UP = ['domU.boots'];

export const guestBoots: Check = {
  id: 'domU.boots',
  title: 'A domU of the distro boots from its own disk through pygrub to multi-user and answers over SSH',
  where: 'domU',
  seed: SEED_GUEST,
  after: ['boot.reaches-dom0'],
  requires: [A_DOMU],
  async run(ctx) {
    const s = ctx.facts.guest!;
    for (const step of s.steps) ctx.note(`(dom0) ${step.command}`, `exit ${step.exitCode} after ${step.seconds.toFixed(1)} s\n${step.output}`);
    if (!s.up) {
      return fail(
        s.problem ?? 'the guest did not come up',
        s.created
          ? `Read the guest's console (domU-console.log in the report directory) for where its boot stopped; /var/log/xen/xl-${GUEST.name}.log in dom0 has the toolstack's side.`
          : `Read xl create's output above and /var/log/xen/xl-${GUEST.name}.log: the toolstack or one of its hotplug scripts could not build the domain.`,
      );
    }
    const target = await ctx.guest(['systemctl', 'is-active', 'multi-user.target']);
    if (target.stdout.trim() !== 'active') {
      return fail(`the guest answers over SSH but multi-user.target is ${target.stdout.trim() || 'unknown'}`, 'See systemctl --failed in the guest and its console log.');
    }
    return pass(`the guest reached multi-user.target and answered over SSH ${s.bootSeconds?.toFixed(0)} s after xl create`);
  },
};

/** The guest's domain id (its vif in dom0 is vif<domid>.0), or undefined when the domain is gone. */
export async function guestDomid(ctx: CheckContext): Promise<string | undefined> {
  const r = await ctx.run(['xl', 'domid', GUEST.name]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

export const vifOnBridge: Check = {
  id: 'net.vif-on-bridge',
  title: "The guest's vif joined the bridge through the hotplug scripts alone",
  where: 'domU',
  seed: 'vif-bridge',
  after: ['boot.reaches-dom0'],
  requires: [A_DOMU],
  async run(ctx) {
    const s = ctx.facts.guest!;
    if (!s.created) {
      const create = s.steps.find((st) => st.command.startsWith('xl create'));
      if (!create) return skip(`the domain was never created: ${s.problem}`);
      ctx.note(`(dom0) ${create.command}`, create.output);
      const hotplug = create.output.split('\n').find((l) => /hotplug|vif/i.test(l) && /error|fail/i.test(l));
      if (hotplug) {
        await ctx.run(['tail', '-n', '20', `/var/log/xen/xl-${GUEST.name}.log`]);
        return fail(`xl create failed bringing up the vif: ${hotplug.trim()}`, 'The vif hotplug script (/etc/xen/scripts/vif-bridge, run by udev or libxl) must succeed: run it by hand with the environment libxl gives it and fix what it reports.');
      }
      return skip(`the domain was not created for another reason: ${s.problem}`);
    }
    const domid = await guestDomid(ctx);
    if (!domid) return fail('the guest domain is gone', 'See domU.boots.');
    const vif = `vif${domid}.0`;
    const r = await ctx.run(['ip', '-o', 'link', 'show', 'master', GUEST.bridge]);
    if (!r.stdout.split('\n').some((l) => l.includes(` ${vif}:`) || l.includes(` ${vif}@`))) {
      return fail(`${vif} is not a port of ${GUEST.bridge}`, `vif-bridge adds the vif to the bridge named in the vif's config (bridge=${GUEST.bridge}); check that the hotplug scripts run (udev rules in /etc/udev/rules.d or libxl's run_hotplug_scripts).`);
    }
    return pass(`${vif} is a port of ${GUEST.bridge}, put there by the hotplug scripts`);
  },
};

export const phyLvm: Check = {
  id: 'storage.phy-lvm',
  title: "The guest's phy: LVM disk is served by blkback, and the guest writes and reads it",
  where: 'domU',
  seed: SEED_GUEST,
  after: GUEST_UP,
  async run(ctx) {
    const domid = await guestDomid(ctx);
    if (!domid) return fail('the guest domain is gone', 'See domU.boots.');
    // blkback serves vbd/ backends; qemu's qdisk would be under qdisk/.
    const be = await ctx.run(['xenstore-read', `/local/domain/0/backend/vbd/${domid}/51712/params`]);
    if (be.code !== 0) return fail(`no blkback (vbd) backend for xvda of domain ${domid}`, 'A phy: disk must be served by the kernel\'s blkback: load xen-blkback in dom0 (XEN_BLKDEV_BACKEND).');
    if (be.stdout.trim() !== lvPath(GUEST.lv)) return fail(`xvda's blkback backend serves ${be.stdout.trim()}, not ${lvPath(GUEST.lv)}`, 'See the disk line in the guest config.');
    const io = await ctx.guest([
      'sh', '-c',
      'set -e; head -c 4194304 /dev/urandom > /var/tmp/xc-io; a=$(sha256sum < /var/tmp/xc-io); sync; echo 3 > /proc/sys/vm/drop_caches; b=$(sha256sum < /var/tmp/xc-io); rm /var/tmp/xc-io; [ "$a" = "$b" ] && findmnt -no SOURCE /',
    ]);
    if (io.code !== 0) return fail('the guest could not write and read back 4 MiB on its root disk', 'See the guest kernel log (dmesg) for blkfront errors.');
    return pass(`blkback serves ${lvPath(GUEST.lv)} as xvda; the guest's root (${io.stdout.trim()}) wrote and read back 4 MiB intact`);
  },
};

/** How long domU.console-hvc0 waits (at most half its bound) for the getty and its prompt after the guest answers: seen inactive at first on a loaded machine. */
export const GETTY_WAIT_S = 60;

export const consoleHvc0: Check = {
  id: 'domU.console-hvc0',
  title: 'A getty runs on hvc0 and xl console shows a login prompt',
  where: 'domU',
  seed: SEED_CONSOLE,
  after: GUEST_UP,
  async run(ctx) {
    // The guest answers over SSH before its getty is up on a busy machine: give it a while, then judge.
    const look = async () => {
      const getty = await ctx.guest(['systemctl', 'is-active', 'serial-getty@hvc0.service']);
      const shown = await ctx.run(['tail', '-c', '2000', GUEST.consoleLog]);
      const prompt = /login:\s*$/m.test(stripVTControlCharacters(shown.stdout).replace(/\r/g, ''));
      return { getty, prompt };
    };
    const ready = (l: Awaited<ReturnType<typeof look>>) => l.getty.stdout.trim() === 'active' && l.prompt;
    let seen = await look();
    for (const deadline = Date.now() + Math.min(GETTY_WAIT_S * 1000, ctx.timeoutMs / 2); !ready(seen) && Date.now() < deadline; seen = await look()) await sleep(5000);
    const { getty, prompt } = seen;
    const problems = [
      ...(getty.stdout.trim() === 'active' ? [] : [`serial-getty@hvc0.service is ${getty.stdout.trim() || 'not there'}`]),
      ...(prompt ? [] : ['xl console shows no login prompt']),
    ];
    if (problems.length) {
      return fail(problems.join('; '), 'Have a getty on the Xen console: systemd-getty-generator starts one on hvc0 when it is the console (console=hvc0 on the guest kernel command line); with sysvinit, an inittab line for hvc0.');
    }
    return pass('serial-getty@hvc0 runs and xl console shows its login prompt');
  },
};

/** A guest clock reading taken between two of dom0's: how far it is outside that window, in seconds. */
export function clockOffset(out: string): number | undefined {
  const [a, g, b] = out.trim().split('\n').map(Number);
  if (![a, g, b].every(Number.isFinite)) return undefined;
  return g < a ? a - g : g > b ? g - b : 0;
}

/**
 * dom0 reads its clock, the guest's (over SSH), and its own again; the best
 * of three, as an SSH round trip under load can take seconds. `run` runs
 * in the dom0 that runs `g`.
 */
export async function measureClock(run: CheckContext['run'], g: Guest): Promise<{ offset?: number; window?: number }> {
  let best: { offset?: number; window?: number } = {};
  for (let i = 0; i < 3; i++) {
    const r = await run(['sh', '-c', 'date +%s.%N; "$@"; date +%s.%N', 'sh', ...g.sshArgv(['date', '+%s.%N'])]);
    const [a, , b] = r.stdout.trim().split('\n').map(Number);
    const m = { offset: clockOffset(r.stdout), window: b - a };
    if (m.offset !== undefined && (best.window === undefined || m.window < best.window)) best = m;
    if (best.window !== undefined && best.window < 1) break;
  }
  return best;
}

const CLOCK_ALARM = /(rtc|hwclock|hardware clock|cmos).*(fail|error|cannot|can't|unable|timed out)|(fail|error|cannot|can't|unable).*(rtc|hwclock|hardware clock)/i;

/** Lines of a boot log that raise an alarm about a hardware clock a PV guest does not have. */
export function clockAlarms(log: string): string[] {
  return log.split('\n').filter((l) => CLOCK_ALARM.test(l)).map((l) => l.trim());
}

export const guestClock: Check = {
  id: 'domU.clock',
  title: "The guest's clocksource is xen, its boot raises no hardware-clock alarm, and its time is within 1 s of dom0's",
  where: 'domU',
  seed: SEED_CLOCK,
  after: GUEST_UP,
  async run(ctx) {
    const src = (await ctx.guest(['cat', '/sys/devices/system/clocksource/clocksource0/current_clocksource'])).stdout.trim();
    const log = await ctx.guest(['journalctl', '-b', '--no-pager', '-o', 'cat', '-p', 'warning']);
    const alarms = clockAlarms(log.stdout);
    const { offset, window } = await measureClock(ctx.run, ctx.facts.guest!.guest);
    const problems = [
      ...(src === 'xen' ? [] : [`the clocksource is ${src || 'unknown'}, not xen`]),
      ...(alarms.length ? [`the boot log raises hardware-clock alarms: ${alarms.slice(0, 3).join(' | ')}`] : []),
      ...(offset === undefined ? ['the clocks could not be read'] : offset > 1 ? [`the guest's clock is ${offset.toFixed(2)} s off dom0's`] : []),
    ];
    if (problems.length) {
      return fail(problems.join('; '), 'A PV guest keeps time from Xen (clocksource xen) and has no RTC: do not start hwclock/RTC services in PV guests, or make them quiet when there is no /dev/rtc.');
    }
    return pass(`clocksource xen; no hardware-clock alarm at boot; the guest's clock read within dom0's ${window?.toFixed(2)} s window (off by ${offset?.toFixed(2)} s)`);
  },
};

export const guestXenstoreUtils: Check = {
  id: 'domU.xenstore-utils',
  title: 'Inside the guest, the xenstore utilities install alone (no toolstack) and xenstore-read name prints the domain name',
  where: 'domU',
  seed: SEED_XENSTORE,
  after: GUEST_UP,
  // An install inside a guest inside Xen under TCG: 81-91 s on a quiet machine, over 120 s on a busy one.
  boundS: (t) => t.check + t.install,
  async run(ctx) {
    const pkg = ctx.profile.xenPackages.xenstoreUtils;
    const files = ctx.facts.guestCandidates ?? [];
    let targets = [pkg];
    if (files.length) {
      const g = ctx.facts.guest!.guest;
      const copy = await ctx.run(['scp', ...g.sshOptions(), ...files, `root@${GUEST.ip}:/root/`]);
      if (copy.code !== 0) throw new Error(`copying the candidates into the guest failed: ${copy.stderr.trim()}`);
      targets = files.map((f) => `/root/${f.split('/').pop()}`);
    }
    const install = await ctx.guest(ctx.profile.packages.installCommand(targets));
    if (install.code !== 0) {
      const why = ctx.profile.packages.installFailureLines(install.stdout).slice(0, 4).map((l) => l.trim()).join(' | ');
      return fail(`${pkg} cannot be installed alone in the guest (the guest has the archive's packages, no toolstack): ${why || `exit ${install.code}`}`, `Make ${pkg} depend only on the xenstore library, not on the toolstack.`);
    }
    const { tools, hypervisor } = ctx.profile.xenPackages;
    const pulled = await ctx.profile.packages.installedNames(ctx.guest, [`${tools}*`, `${hypervisor}*`]);
    if (pulled.length) return fail(`installing ${pkg} in the guest pulled in ${pulled.join(', ')}`, `Make ${pkg} depend only on the xenstore library, not on the toolstack.`);
    const name = await ctx.guest(['xenstore-read', 'name']);
    // Installed alone, a package's missing Depends shows: dom0 had the library from the toolstack.
    const lib = /error while loading shared libraries: ([^:\s]+)/.exec(name.stderr)?.[1];
    if (lib) {
      return fail(
        `xenstore-read in the guest cannot load ${lib}: installed alone, ${pkg} lacks the dependency that provides it (in dom0 the toolstack pulled it in)`,
        `Add the package that ships ${lib} to ${pkg}'s Depends (${ctx.profile.packages.sharedLibDependsHint} lists it).`,
      );
    }
    if (name.code !== 0 || name.stdout.trim() !== GUEST.name) {
      return fail(`xenstore-read name in the guest printed "${(name.stdout + name.stderr).trim()}", not ${GUEST.name}`, 'The guest reaches xenstore through /dev/xen/xenbus (CONFIG_XEN_DEV_XENBUS... in the guest kernel, or xenfs on /proc/xen).');
    }
    return pass(`${files.length ? 'the candidate' : "the archive's"} ${pkg} installed alone; xenstore-read name printed ${GUEST.name}`);
  },
};

/** The guest's interface with the vif's MAC, from `ip -o link`. */
export function interfaceWithMac(ipLink: string, mac: string): string | undefined {
  const line = ipLink.split('\n').find((l) => l.toLowerCase().includes(`link/ether ${mac}`));
  return line ? /^\d+:\s*([^:@\s]+)/.exec(line)?.[1] : undefined;
}

/** rx-/tx-checksumming from `ethtool -k`. */
export function checksumOffload(ethtool: string): { rx?: string; tx?: string } {
  const f = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(ethtool)?.[1];
  return { rx: f('rx-checksumming'), tx: f('tx-checksumming') };
}

const JUMBO = 9000;

export const pvNet: Check = {
  id: 'domU.pv-net',
  title: 'The guest NIC is xen-netfront; MTU 9000 works both ways; ethtool reports checksum offload; data arrives intact; arping answers',
  where: 'domU',
  seed: SEED_NET,
  after: GUEST_UP,
  async run(ctx) {
    const links = await ctx.guest(['ip', '-o', 'link']);
    const nic = interfaceWithMac(links.stdout, GUEST.mac);
    if (!nic) return fail(`no interface in the guest has the vif's MAC ${GUEST.mac}`, 'The guest kernel needs xen-netfront (XEN_NETDEV_FRONTEND).');
    const driver = await ctx.guest(['readlink', '-f', `/sys/class/net/${nic}/device/driver/module`]);
    const module = driver.stdout.trim().split('/').pop();
    if (module !== 'xen_netfront') return fail(`${nic} is driven by ${module || 'nothing'}, not xen-netfront`, 'Enable xen-netfront in the guest kernel.');
    const domid = await guestDomid(ctx);
    const problems: string[] = [];
    const mtu = async (m: number) => {
      await ctx.run(['ip', 'link', 'set', `vif${domid}.0`, 'mtu', String(m)]);
      await ctx.run(['ip', 'link', 'set', GUEST.bridge, 'mtu', String(m)]);
      return ctx.guest(['ip', 'link', 'set', nic, 'mtu', String(m)]);
    };
    try {
      const set = await mtu(JUMBO);
      if (set.code !== 0) problems.push(`the guest refused MTU ${JUMBO} on ${nic}: ${set.stderr.trim()}`);
      else {
        const size = String(JUMBO - 28);
        const out = await ctx.run(['ping', '-c', '2', '-W', '3', '-M', 'do', '-s', size, GUEST.ip]);
        const back = await ctx.guest(['ping', '-c', '2', '-W', '3', '-M', 'do', '-s', size, GUEST.dom0Ip]);
        if (out.code !== 0) problems.push(`dom0 -> guest: ping -M do -s ${size} got no reply`);
        if (back.code !== 0) problems.push(`guest -> dom0: ping -M do -s ${size} got no reply`);
      }
    } finally {
      await mtu(1500);
    }
    const k = await ctx.guest(['ethtool', '-k', nic]);
    const offload = checksumOffload(k.stdout);
    if (!offload.rx || !offload.tx) problems.push('ethtool -k does not report rx-/tx-checksumming');
    const g = ctx.facts.guest!.guest;
    const sent = await ctx.run([
      'sh', '-c', 'head -c 2097152 /dev/urandom > /var/tmp/xc-net; sha256sum < /var/tmp/xc-net; "$@" < /var/tmp/xc-net; s=$?; rm -f /var/tmp/xc-net; exit $s', 'sh',
      ...g.sshArgv(['sh', '-c', 'cat > /var/tmp/xc-net && sha256sum < /var/tmp/xc-net && rm /var/tmp/xc-net']),
    ]);
    const sums = sent.stdout.trim().split('\n').map((l) => l.split(/\s/)[0]);
    if (sent.code !== 0 || sums.length !== 2 || sums[0] !== sums[1]) problems.push('2 MiB of random data sent to the guest did not arrive with the same sha256');
    const arp = await ctx.run(['arping', '-c', '2', '-w', '5', '-I', GUEST.bridge, GUEST.ip]);
    if (arp.code !== 0) problems.push(`arping ${GUEST.ip} from dom0 got no reply`);
    if (problems.length) return fail(problems.join('; '), 'See the evidence: jumbo frames need feature-sg in netfront and netback and the MTU on the bridge, the vif and the guest.');
    return pass(`${nic} is xen-netfront; MTU ${JUMBO} ping both ways; checksum offload rx ${offload.rx}, tx ${offload.tx}; 2 MiB arrived intact; arping answered`);
  },
};

export const guestInitramfs: Check = {
  id: 'domU.initramfs-pv-drivers',
  title: "The guest's initramfs carries xen-blkfront and xen-netfront (or its kernel builds them in)",
  where: 'domU',
  seed: SEED_PV,
  after: GUEST_UP,
  async run(ctx) {
    const release = (await ctx.guest(['uname', '-r'])).stdout.trim();
    if (!release) throw new Error('uname -r in the guest printed nothing');
    const config = await ctx.guest(['grep', '-E', `^CONFIG_(${PV_DRIVERS.map((d) => d.option).join('|')})=`, `/boot/config-${release}`]);
    const builtIn = PV_DRIVERS.filter((d) => config.stdout.includes(`CONFIG_${d.option}=y`)).map((d) => d.module);
    const image = ctx.profile.initramfs.image(release);
    // Read on the runner: in a PV guest under emulation a lister takes minutes.
    const bytes = await ctx.readFile(image, 'domU');
    if (!bytes) return fail(`the guest has no ${image}`, 'Generate the initramfs from the kernel package\'s postinst.');
    const { missing, found } = pvDriversIn(builtIn, modulesIn(await initramfsNames(bytes)));
    if (missing.length) {
      return fail(`the guest's ${image} lacks ${missing.map((d) => d.module).join(' and ')}, which its kernel does not build in`, 'Have the initramfs generator include the Xen PV frontends by default (initramfs-tools: MODULES=most; dracut: add_drivers+=" xen-blkfront xen-netfront ").');
    }
    return pass(`${found} (${image} in the guest)`);
  },
};

export const pciPassthrough: Check = {
  id: 'domU.pci-passthrough',
  title: 'The guest kernel has XEN_PCIDEV_FRONTEND; with an IOMMU and an assignable device, the device is passed through',
  where: 'domU',
  seed: SEED_PCI,
  after: GUEST_UP,
  async run(ctx) {
    const config = await ctx.guest(['sh', '-c', 'grep -E "^CONFIG_XEN_PCIDEV_FRONTEND=" /boot/config-$(uname -r) || echo none']);
    const front = /=(y|m)/.exec(config.stdout)?.[1];
    if (!front) return fail('the guest kernel lacks CONFIG_XEN_PCIDEV_FRONTEND', 'Build the guest kernel with XEN_PCIDEV_FRONTEND (=m is enough): without it no PCI device can be passed to a PV guest.');
    const dmesg = await ctx.run(['xl', 'dmesg']);
    // A failed xl dmesg says nothing about an IOMMU: the check could not judge.
    if (dmesg.code !== 0) throw new Error(`xl dmesg failed (exit ${dmesg.code}): ${dmesg.stderr.trim() || 'no message'}; whether Xen has an IOMMU could not be read`);
    const iommu = dmesg.stdout.split('\n').filter((l) => /I\/O virtualisation/i.test(l)).join('\n');
    if (!/I\/O virtualisation enabled/i.test(iommu)) {
      return skip(`Xen has no IOMMU here (${iommu.trim() || 'no I/O virtualisation line in xl dmesg'}), so no device can be passed through; the guest kernel has XEN_PCIDEV_FRONTEND=${front}`);
    }
    const list = await ctx.run(['xl', 'pci-assignable-list']);
    const bdf = list.stdout.trim().split('\n')[0]?.trim();
    if (!bdf) return skip(`an IOMMU is present but no device is assignable (xl pci-assignable-add one to test it); the guest kernel has XEN_PCIDEV_FRONTEND=${front}`);
    const attach = await ctx.run(['xl', 'pci-attach', GUEST.name, bdf]);
    if (attach.code !== 0) return fail(`xl pci-attach ${GUEST.name} ${bdf} failed: ${attach.stderr.trim()}`, 'See xl dmesg and the pciback driver in dom0.');
    const seen = await ctx.guest(['ls', '/sys/bus/pci/devices']);
    await ctx.run(['xl', 'pci-detach', GUEST.name, bdf]);
    if (!seen.stdout.trim()) return fail(`${bdf} was attached but the guest sees no PCI device`, 'Load xen-pcifront in the guest.');
    return pass(`${bdf} passed through; the guest sees ${seen.stdout.trim().split('\n').length} PCI device(s); XEN_PCIDEV_FRONTEND=${front}`);
  },
};

export const domUChecks: Check[] = [guestBoots, vifOnBridge, phyLvm, consoleHvc0, guestClock, guestXenstoreUtils, pvNet, guestInitramfs, pciPassthrough];
