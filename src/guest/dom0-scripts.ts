// Shell scripts dom0 runs for the guest, constants only (arguments as $1...):
// the bridge and DHCP server, the volume group, the image onto the guest's
// volume, this run's key, the console capture, and CLEANUP_SCRIPT, which on a
// user's machine takes away everything the run made.
import { PART_OFFSET } from '../disk-layout.js';
import { GUEST, LVM_BYTES, lvPath } from './config.js';

/**
 * Shell for dom0, constants only: the bridge with dom0's address and a DHCP
 * server that always gives the guest's MAC the guest's address.
 */
export const NETWORK_SCRIPT = [
  'set -e',
  // On a user's machine the guest's subnet may be taken: refuse rather than reroute it.
  `taken=$(ip -o -4 route show to match ${GUEST.ip} | grep -v -e '^default ' -e ' dev ${GUEST.bridge} ' || true)`,
  `if [ -n "$taken" ]; then echo "${GUEST.ip} is already routed on this machine ($taken); the guest's network needs ${GUEST.dom0Ip}/24 free" >&2; exit 1; fi`,
  `ip link show ${GUEST.bridge} >/dev/null 2>&1 || ip link add ${GUEST.bridge} type bridge`,
  `ip addr replace ${GUEST.dom0Ip}/24 dev ${GUEST.bridge}`,
  `ip link set ${GUEST.bridge} up`,
  'systemctl stop xc-dnsmasq.service 2>/dev/null || true',
  [
    'systemd-run --unit xc-dnsmasq.service dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0',
    `--bind-interfaces --interface=${GUEST.bridge} --except-interface=lo`,
    `--dhcp-range=${GUEST.ip},${GUEST.ip},1h --dhcp-host=${GUEST.mac},${GUEST.ip}`,
    '--dhcp-leasefile=/run/xc-dnsmasq.leases',
  ].join(' '),
].join('\n');

/**
 * The volume group on $1, the guest's volume ($2 bytes, the image's size) and
 * a small one to hot-plug. The guest's volume is filled by FILL_SCRIPT.
 */
export const STORAGE_SCRIPT = [
  'set -e',
  'pvcreate -q -y "$1"',
  `vgcreate -q ${GUEST.vg} "$1"`,
  `lvcreate -q -y -n ${GUEST.lv} -L $(($2 / 1048576))M ${GUEST.vg}`,
  `lvcreate -q -y -n ${GUEST.extraLv} -L 64M ${GUEST.vg}`,
].join('\n');

/**
 * The image onto the guest's volume, sparse, from $1 (the attached disk) or
 * stdin gzipped (sent over SSH). e2image, copying only the used blocks (half
 * of them), was slower under TCG than dd (about 65 s against 23 s, one run each).
 */
export const FILL_SCRIPT = [
  'set -e',
  `if [ -n "$1" ]; then dd if="$1" of=${lvPath(GUEST.lv)} bs=4M conv=sparse status=none`,
  `else gzip -dc | dd of=${lvPath(GUEST.lv)} bs=4M iflag=fullblock conv=sparse status=none; fi`,
  'sync',
].join('\n');

/** A host without the attached disks: a sparse file on a loop device carries the volume group; prints the device. */
export const LOOP_SCRIPT = [
  'set -e',
  `install -d -m 700 ${GUEST.lvmDir}`,
  `truncate -s ${LVM_BYTES} ${GUEST.lvmFile}`,
  `losetup --find --show ${GUEST.lvmFile}`,
].join('\n');

/** The guest's domains here, gone: itself and a migration's half (<name>--incoming, <name>--migratedaway). */
export const DESTROY_GUEST = `for d in $(xl list 2>/dev/null | awk -v n=${GUEST.name} '$1 == n || index($1, n "--") == 1 { print $1 }'); do xl destroy "$d"; done`;

/**
 * Everything a run makes in dom0 for the guest, taken away: before the guest
 * is set up (an earlier run that was killed may have left it) and after the
 * last domU check. Each step may find nothing to do.
 */
export const CLEANUP_SCRIPT = [
  DESTROY_GUEST,
  'systemctl stop xc-guest-console.service xc-dnsmasq.service 2>/dev/null',
  `vgremove -q -f ${GUEST.vg} >/dev/null 2>&1`,
  `for d in $(losetup -n -O NAME -j ${GUEST.lvmFile} 2>/dev/null); do pvremove -q -f "$d" >/dev/null 2>&1; losetup -d "$d"; done`,
  `ip link del ${GUEST.bridge} 2>/dev/null`,
  `rm -f ${GUEST.lvmFile} /etc/xen/${GUEST.name}.cfg /etc/xen/${GUEST.name}-*.cfg ${GUEST.key} ${GUEST.key}.pub ${GUEST.knownHosts} ${GUEST.saveFile} ${GUEST.consoleLog} /run/xc-dnsmasq.leases`,
  `rmdir ${GUEST.lvmDir} 2>/dev/null`,
  `[ ! -f /root/.ssh/authorized_keys ] || sed -i '/ xc-guest$/d' /root/.ssh/authorized_keys`,
  'true',
].join('\n');

/**
 * This run's key for dom0 -> guest (and dom0 -> dom0, which `xl migrate
 * localhost` goes through), put into the guest's disk before it boots.
 * $1: the guest's pinned host key ("type key").
 */
export const KEY_SCRIPT = [
  'set -e',
  `rm -f ${GUEST.key} ${GUEST.key}.pub`,
  `ssh-keygen -q -t ed25519 -N '' -C xc-guest -f ${GUEST.key}`,
  'mnt=$(mktemp -d)',
  `mount -o offset=${PART_OFFSET} ${lvPath(GUEST.lv)} "$mnt"`,
  'install -d -m 700 "$mnt/root/.ssh"',
  `install -m 600 ${GUEST.key}.pub "$mnt/root/.ssh/authorized_keys"`,
  'umount "$mnt"; rmdir "$mnt"',
  'install -d -m 700 /root/.ssh',
  `cat ${GUEST.key}.pub >> /root/.ssh/authorized_keys`,
  `printf '%s %s\\nlocalhost %s\\n' ${GUEST.ip} "$1" "$(cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub)" > ${GUEST.knownHosts}`,
].join('\n');

/** xl console wants a terminal: script(1) gives it one, and it reattaches after every reboot, restore or migration. */
export const CONSOLE_SCRIPT = `script -qfc 'while :; do xl console ${GUEST.name} 2>/dev/null; sleep 1; done' ${GUEST.consoleLog}`;
