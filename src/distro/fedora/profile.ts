// Fedora and CentOS Stream with the Virt SIG's Xen: dnf and rpm, GRUB 2
// (grub2-mkconfig; BootLoaderSpec entries for the kernels, while GRUB's
// 20_linux_xen still writes classic menuentries for Xen), dracut, and the
// toolstack as native systemd units: no xencommons script.
//
// Every packaging fact below is read from Fedora's spec, as mirrored in
// github.com/major/fedora-rpm-specs, path xen.spec (Fedora's rpms/xen,
// xen 4.17.1-1, commit 034704d5b59f32be09fc818f3c67c723de2a3732; its xen 4.18.0-7,
// commit 632fd4b3948a4aabbf9c4f4f52c33fcfa865dacb, has the same packages and Requires):
// - `xen` Requires `xen-runtime`; xen-runtime Requires `xen-hypervisor-abi`,
//   which `xen-hypervisor` Provides: `xen` is the meta package.
// - xen-hypervisor ships /boot/xen-*.gz; its %post runs grub2-mkconfig.
// - xen-runtime ships xl, xenstored, xenconsoled, /usr/bin/xenstore-* (the
//   xenstore utilities are NOT apart from the toolstack), the xl man pages
//   and /etc/xen/scripts/* (the hotplug scripts).
// - the device model: configure --with-system-qemu=/usr/bin/qemu-system-i386,
//   which xen-runtime only Recommends (qemu-system-x86-core).
// - units: xen-runtime's %post runs %systemd_post xenstored.service
//   xenconsoled.service, `xen`'s runs %systemd_post xendomains.service; the
//   spec removes the xencommons script and ships no xen-init-dom0.service.
//   %systemd_post enables a unit only when the system's presets say so.
import { DNF, rpmPackages } from '../rpm/packages.js';
import { RpmProfile } from '../rpm/profile.js';
import { grub2Boot } from '../grub2.js';
import type { Initramfs, InitSystem } from '../parts.js';
import { systemdNativeBootStates } from '../systemd-native.js';

/** dracut: one image per kernel release in /boot. */
export const dracutInitramfs: Initramfs = { image: (release) => `/boot/initramfs-${release}.img` };

const fedoraInit: InitSystem = {
  bootStates: systemdNativeBootStates,
  enableAdvice:
    'Enable the units from the package: %systemd_post enables only what the presets enable, so ship a preset (e.g. /usr/lib/systemd/system-preset/*-xen.preset with "enable xenstored.service") or ask fedora-release to list them',
};

const fedoraGrub = grub2Boot(
  'Have the hypervisor package make the Xen entry the default: kernels get BootLoaderSpec entries (grubby --set-default picks one) while 20_linux_xen writes classic menuentries, so set saved_entry to the Xen entry (grub2-set-default "<its title>") after grub2-mkconfig.',
);

const XEN_PACKAGES = {
  hypervisor: 'xen-hypervisor',
  tools: 'xen-runtime',
  deviceModel: 'qemu-system-x86-core',
  manPages: 'xen-runtime',
  xenstoreUtils: 'xen-runtime',
};

const UNITS = { commons: 'xenstored', domains: 'xendomains', atBoot: ['xenstored', 'xenconsoled', 'xendomains'] };

/** What Fedora and the Virt SIG's CentOS share: the same spec's packages, units and tools. */
const FEDORA_PACKAGING = {
  family: 'rpm',
  packages: rpmPackages(DNF),
  boot: fedoraGrub,
  initramfs: dracutInitramfs,
  init: fedoraInit,
  metaPackage: 'xen',
  services: UNITS,
  xenPackages: XEN_PACKAGES,
  hotplugScriptDir: '/etc/xen/scripts',
} as const;

/**
 * Fedora's current release in December 2026: Fedora ships every six months
 * (43 on 2025-10-28, 44 in April 2026), so 45 is the one released in
 * autumn 2026 (see notes/distros-readme.md for what that rests on).
 */
export const fedora = (version: number) =>
  new RpmProfile({
    id: `fedora-${version}`,
    title: `Fedora Linux ${version}`,
    ...FEDORA_PACKAGING,
    osRelease: { id: 'fedora', versionId: String(version) },
    cloudImagePage: 'https://fedoraproject.org/cloud/download',
  });

/**
 * CentOS Stream 9 with the Virt SIG's Xen (centos-release-xen). The Virt
 * SIG's el9 spec was not found with this project's search tool: the package
 * split and units are assumed to be Fedora's, from which the Virt SIG's xen
 * package has been rebuilt; a run on it would tell.
 */
export const centosStream9 = new RpmProfile({
  id: 'centos-stream-9',
  title: 'CentOS Stream 9 (Virt SIG Xen)',
  ...FEDORA_PACKAGING,
  osRelease: { id: 'centos', versionId: '9' },
  cloudImagePage: 'https://cloud.centos.org/centos/9-stream/x86_64/images/',
});
