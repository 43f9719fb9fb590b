// The statuses a baseline run (the archive's own Xen packages) gets under QEMU.
/** What Debian's own packages get (measured on Debian 12 and 13 alike): every check has a definite status. */
export const BASELINE: Record<string, string> = {
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
