// What goes into a Debian base image besides the distro's own packages: a
// serial console, a DHCP network, and a way to receive each run's SSH key.
// These strings are part of the cache key, so changing them rebuilds the image.

import { BOOTLOADER_DONE, type ImageFile, ROOT_LABEL, SEED_LABEL } from '../../image/recipe.js';
import { debianGrub } from './boot.js';

/**
 * A machine set up for a serial console, as a Xen host in a rack is: GRUB,
 * Xen and dom0 all speak on the first UART, which QEMU writes to the serial
 * log. Sorted before the Xen package's own xen.cfg, which therefore still
 * decides GRUB_DEFAULT. Cloud images get it through cloud-init (see nocloud.ts).
 */
export const CONSOLE_FILE: ImageFile = {
  path: debianGrub.dropInPath('xc-console'),
  mode: 0o644,
  content: [
    'GRUB_TIMEOUT=0',
    'GRUB_TERMINAL="serial console"',
    'GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"',
    'GRUB_CMDLINE_LINUX="console=tty0 console=ttyS0,115200"',
    'GRUB_CMDLINE_LINUX_DEFAULT=""',
    // Under Xen the UART is the hypervisor's: dom0 speaks through hvc0.
    'GRUB_CMDLINE_LINUX_XEN_REPLACE="console=hvc0 earlyprintk=xen"',
    'GRUB_CMDLINE_XEN="console=com1 com1=115200,8n1 console_timestamps=boot dom0_mem=1536M,max:1536M"',
    'GRUB_DISABLE_OS_PROBER=true',
    '',
  ].join('\n'),
};

/** A machine's name, in /etc/hostname and /etc/hosts. */
function machineName(name: string): ImageFile[] {
  return [
    { path: '/etc/hostname', mode: 0o644, content: `${name}\n` },
    { path: '/etc/hosts', mode: 0o644, content: `127.0.0.1 localhost\n127.0.1.1 ${name}\n` },
  ];
}

const FSTAB_FILE: ImageFile = { path: '/etc/fstab', mode: 0o644, content: `LABEL=${ROOT_LABEL} / ext4 errors=remount-ro 0 1\n` };

/** DHCP on the first wired interface: QEMU's user network for the host, the tool's bridge for the domU. */
const WIRED_NETWORK_FILE: ImageFile = {
  path: '/etc/systemd/network/20-wired.network',
  mode: 0o644,
  content: '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n',
};

/** Timers that would wake up during a run and compete for the 2 CPUs. */
const MASK_TIMERS = 'systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer fstrim.timer';

/**
 * man-db's trigger rebuilds the whatis index after every install that brings a
 * man page: under TCG that is seconds of each run's install in dom0 (the
 * guest has no man-db). Its own switch (debconf man-db/auto-update, the flag file)
 * turns it off. docs.man-pages asks `man -w`, which searches the man path,
 * not the index.
 */
const NO_MANDB_INDEX = `echo 'man-db man-db/auto-update boolean false' | chroot "$1" debconf-set-selections && rm -f "$1"/var/lib/man-db/auto-update`;

/**
 * The stock kernel goes in last, in the customize hook: its postinst builds
 * the initramfs once, with every package that adds to it (udev, lvm2)
 * already configured. Installed with the rest, the initramfs-tools trigger
 * those packages set off built it a second time: about 70 s of each image's
 * build here (mkinitramfs forks thousands of times). The initramfs is the same.
 */
const KERNEL = 'linux-image-amd64';
// Without its Recommends, as mmdebstrap installs its --include list: the same packages as before.
const INSTALL_KERNEL = `chroot "$1" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ${KERNEL}`;

/** The first boot of a freshly built image puts GRUB in place with the distro's own tools. */
const BOOTLOADER_FILES: ImageFile[] = [
  {
    // Runs once, on the first boot of a freshly built image: put GRUB in the
    // disk's boot sector and generate its config, as the installer would.
    path: '/usr/local/sbin/xc-install-bootloader',
    mode: 0o755,
    content: `#!/bin/sh
set -e
echo "grub-pc grub-pc/install_devices multiselect /dev/vda" | debconf-set-selections
grub-install /dev/vda
update-grub
sync
echo ${BOOTLOADER_DONE} > /dev/ttyS0
systemctl poweroff
`,
  },
  {
    path: '/etc/systemd/system/xc-install-bootloader.service',
    mode: 0o644,
    content: `[Unit]
Description=xen-conformance: install the boot loader on the image's first boot
ConditionKernelCommandLine=xc.install-bootloader
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/xc-install-bootloader
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
`,
  },
];

export const overlayFiles: ImageFile[] = [
  ...machineName('xenhost'),
  FSTAB_FILE,
  // QEMU's user network: its DNS forwarder is always 10.0.2.3.
  { path: '/etc/resolv.conf', mode: 0o644, content: 'nameserver 10.0.2.3\n' },
  WIRED_NETWORK_FILE,
  CONSOLE_FILE,
  {
    path: '/usr/local/sbin/xc-seed',
    mode: 0o755,
    content: `#!/bin/sh
# Take this run's SSH public key from the small seed disk the runner attaches.
dev=/dev/disk/by-label/${SEED_LABEL}
i=0
while [ ! -e "$dev" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -e "$dev" ] || { echo "xc-seed: no seed disk"; exit 0; }
mkdir -p /run/xc-seed
mount -o ro "$dev" /run/xc-seed || exit 1
install -d -m 700 /root/.ssh
install -m 600 /run/xc-seed/authorized_keys /root/.ssh/authorized_keys
umount /run/xc-seed
echo "xc-seed: key installed"
`,
  },
  {
    path: '/etc/systemd/system/xc-seed.service',
    mode: 0o644,
    content: `[Unit]
Description=xen-conformance: this run's SSH key from the seed disk
After=systemd-udevd.service
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/xc-seed

[Install]
WantedBy=multi-user.target
`,
  },
  ...BOOTLOADER_FILES,
];

/**
 * Shell lines run by mmdebstrap's customize hook, with the image root as $1.
 * Constants only: nothing from the runner's input is ever part of them.
 */
export function customizeScript(
  metaPackage: string,
  enable: string[] = ['systemd-networkd', 'xc-seed.service', 'xc-install-bootloader.service'],
): string[] {
  const inRoot = 'chroot "$1"';
  const sim = (recommends: boolean) =>
    `${inRoot} apt-get install -s -q -o APT::Install-Recommends=${recommends} ${metaPackage} | awk '/^Inst /{print $2}' | sort`;
  return [
    `${inRoot} systemctl enable ${enable.join(' ')}`,
    `${inRoot} ${MASK_TIMERS}`,
    NO_MANDB_INDEX,
    // Speed under TCG, where dpkg runs about ten times slower than here: what
    // the Xen packages pull in only through Recommends (codecs, GL, GUI
    // libraries of the system QEMU) is installed now, at native speed. Left
    // to the run, inside the VM, are the Depends closure, every package with
    // "xen" in its name and the device model itself, so a candidate that
    // drops a dependency, or the Recommends on the device model, still shows.
    `${sim(false)} > "$1"/tmp/xc-depends`,
    `${sim(true)} > "$1"/tmp/xc-recommends`,
    `comm -23 "$1"/tmp/xc-recommends "$1"/tmp/xc-depends | grep -v -e xen -e '^qemu-system' > "$1"/tmp/xc-preinstall || true`,
    `${inRoot} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $(cat "$1"/tmp/xc-preinstall)`,
    `${inRoot} apt-mark auto $(cat "$1"/tmp/xc-preinstall) > /dev/null`,
    `rm -f "$1"/tmp/xc-depends "$1"/tmp/xc-recommends "$1"/tmp/xc-preinstall`,
    INSTALL_KERNEL,
    `${inRoot} apt-get clean`,
    // Downloads belong on the host, at native speed: the archive's Xen packages
    // and their dependencies wait in apt's cache; the install runs in the VM.
    `${inRoot} apt-get install --download-only -y -q -o APT::Install-Recommends=true ${metaPackage}`,
  ];
}

/** The domU's host name (its address is in guest/guest.ts). */
export const GUEST_HOSTNAME = 'xcguest';

/**
 * The domU: the same release as a plain install, booted by pygrub from its
 * own disk and its own GRUB config, with its console on hvc0 as a PV guest's is.
 * Built like the base image, so its first boot's update-grub writes that config.
 */
export const guestFiles: ImageFile[] = [
  ...machineName(GUEST_HOSTNAME),
  FSTAB_FILE,
  WIRED_NETWORK_FILE,
  {
    path: debianGrub.dropInPath('xc-guest'),
    mode: 0o644,
    content: ['GRUB_TIMEOUT=0', 'GRUB_CMDLINE_LINUX="console=hvc0"', 'GRUB_CMDLINE_LINUX_DEFAULT=""', 'GRUB_DISABLE_OS_PROBER=true', ''].join('\n'),
  },
  ...BOOTLOADER_FILES,
];

/** The guest's customize hook: its services, and the xenstore utilities waiting in apt's cache (the guest has no archive). */
export function guestCustomizeScript(xenstoreUtils: string): string[] {
  const inRoot = 'chroot "$1"';
  return [
    `${inRoot} systemctl enable systemd-networkd xc-install-bootloader.service`,
    `${inRoot} ${MASK_TIMERS}`,
    INSTALL_KERNEL,
    `${inRoot} apt-get install --download-only -y -q ${xenstoreUtils}`,
  ];
}
