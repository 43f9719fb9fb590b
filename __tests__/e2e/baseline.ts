// The statuses a baseline run (the archive's own Xen packages) gets under QEMU.
import { staticChecks } from '../../src/checks/static.js';

/** The static tier: a baseline has no candidate files to read. */
export const STATIC_BASELINE: Record<string, string> = Object.fromEntries(staticChecks.map((c) => [c.id, 'not-applicable']));
/** ... and the archive's own files pass it. */
export const STATIC_ARCHIVE: Record<string, string> = Object.fromEntries(staticChecks.map((c) => [c.id, 'pass']));
/** The hypervisor without its GRUB drop-in: the files are sound, and there is no drop-in to parse. */
export const STATIC_NO_XEN_DEFAULT: Record<string, string> = { ...STATIC_ARCHIVE, 'static.boot-drop-ins-parse': 'not-applicable' };
/** The twelve mistakes, as the files show them: all but the unit's, the scripts' and the initramfs setting's. */
export const STATIC_TWELVE_MISTAKES: Record<string, string> = {
  ...STATIC_ARCHIVE,
  ...Object.fromEntries(
    ['static.meta-package', 'static.xenstore-utils-separate', 'static.man-pages', 'static.device-model', 'static.services-enabled', 'static.xenpm'].map((id) => [id, 'fail']),
  ),
};

/** The dom0 half: what Debian's own packages get (measured on Debian 12 and 13 alike). */
export const DOM0_BASELINE: Record<string, string> = {
  'packaging.installs': 'pass',
  'boot.grub-xen-entry': 'pass',
  'boot.default-is-xen': 'pass',
  'boot.reaches-dom0': 'pass',
  'boot.serial-clean': 'pass',
  'services.enabled': 'pass',
  'services.running': 'pass',
  'dom0.kernel-config': 'pass',
  'boot.initramfs-drivers': 'pass',
  'devicemodel.qemu-xen': 'pass',
  'devicemodel.qemu-traditional': 'not-applicable', // Xen 4.17 builds without it
  // vif-route and vif-nat call ifconfig, and nothing installs net-tools.
  'hotplug.scripts': 'warn',
  'packaging.meta-package': 'pass',
  'packaging.xenstore-utils-separate': 'pass',
  'docs.man-pages': 'pass',
  // QEMU offers no cpufreq data to Xen: xenpm says so.
  'power.xenpm': 'warn',
  'memory.tmem': 'not-applicable', // removed in Xen 4.13 and Linux 5.3
  'dom0.clean-shutdown': 'pass',
};

/** The domU half, measured on Debian 12 (PV guest under Xen under QEMU TCG). */
export const DOMU_BASELINE: Record<string, string> = {
  'domU.boots': 'pass',
  'net.vif-on-bridge': 'pass',
  'storage.phy-lvm': 'pass',
  'domU.console-hvc0': 'pass',
  'domU.clock': 'pass',
  'domU.xenstore-utils': 'pass',
  'domU.pv-net': 'pass',
  'domU.initramfs-pv-drivers': 'pass',
  // QEMU gives Xen no IOMMU; the guest kernel has XEN_PCIDEV_FRONTEND=m.
  'domU.pci-passthrough': 'skip',
  'domU.disk-hotplug': 'pass',
  // The kernel notices vCPU 1 but nothing in a Debian 12 guest brings it online.
  'domU.vcpu-hotplug': 'fail',
  'domU.memory-hotplug': 'pass',
  'domU.sysrq': 'pass',
  'domU.save-restore': 'pass',
  'domU.cold-migration': 'pass',
  // Debian 12's Xen is built without shadow paging: no log-dirty mode for a PV guest.
  'domU.live-migration': 'fail',
  'domU.kernel-update': 'pass',
  'domU.shutdown': 'pass',
  // With -cpu qemu64,+svm,+npt Xen has HAP: the same disk boots as PVH.
  'domU.pvh': 'pass',
  // Under TCG an HVM guest is too slow to wait for (see guest-types.ts).
  'domU.hvm': 'skip',
};

/** Every check of a Debian 12 baseline run, in catalogue order. */
export const BASELINE: Record<string, string> = { ...STATIC_BASELINE, ...DOM0_BASELINE, ...DOMU_BASELINE };
