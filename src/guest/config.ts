// Who the guest is: its name, addresses, volumes and files in dom0, and the
// xl config that boots it. Constants only: every other guest module and the
// checks name the guest through these.
export const GUEST = {
  name: 'xc-guest',
  mac: '00:16:3e:58:43:01',
  ip: '10.99.0.2',
  dom0Ip: '10.99.0.1',
  /** Private: never a name a distro's network config uses (xenbr0 may be the user's LAN bridge). */
  bridge: 'xcbr0',
  vg: 'xcvg',
  lv: 'xc-guest',
  /** A second volume, hot-plugged by domU.disk-hotplug. */
  extraLv: 'xc-guest-extra',
  memoryMb: 384,
  cfg: '/etc/xen/xc-guest.cfg',
  key: '/root/.ssh/xc-guest',
  knownHosts: '/root/.ssh/xc-guest-known-hosts',
  /** What `xl console` showed, captured under script(1) (xl console wants a terminal). */
  consoleLog: '/var/log/xc-guest-console.log',
  /** Where dom0 sees the disks QemuHost attaches (by serial). */
  imageDevice: '/dev/disk/by-id/virtio-xc-guest-image',
  lvmDevice: '/dev/disk/by-id/virtio-xc-lvm',
  /** On a host without those disks: the volume group's loop-backed file (sparse), in a directory of its own. */
  lvmDir: '/var/lib/xen-conformance',
  lvmFile: '/var/lib/xen-conformance/xc-lvm.img',
  saveFile: '/var/tmp/xc-guest.save',
} as const;

/** The volume group's size: the guest's disk and a small one to hot-plug, sparse. */
export const LVM_BYTES = 4 * 1024 ** 3;

export const lvPath = (lv: string) => `/dev/${GUEST.vg}/${lv}`;

/** How Xen runs the guest: PV by default; domU.pvh and domU.hvm boot the same disk the other ways. */
export type GuestType = 'pv' | 'pvh' | 'hvm';

/** Where dom0 keeps the xl config of the guest booted as `type`. */
export const xlConfigPath = (type: GuestType) => (type === 'pv' ? GUEST.cfg : `/etc/xen/${GUEST.name}-${type}.cfg`);

/**
 * The guest's xl config: pygrub reading the guest's own grub.cfg (PV, PVH) or
 * the firmware booting its disk (HVM), a phy: LVM disk (blkback), a vif on the tool's bridge.
 */
export function xlConfig(type: GuestType = 'pv'): string {
  return [
    `name = "${GUEST.name}"`,
    `type = "${type}"`,
    ...(type === 'hvm' ? ['vnc = 0'] : ['bootloader = "pygrub"']),
    `memory = ${GUEST.memoryMb}`,
    `maxmem = ${GUEST.memoryMb}`,
    'vcpus = 1',
    'maxvcpus = 2',
    `disk = [ "phy:${lvPath(GUEST.lv)},xvda,w" ]`,
    `vif = [ "mac=${GUEST.mac},bridge=${GUEST.bridge}" ]`,
    'on_reboot = "restart"',
    '',
  ].join('\n');
}
