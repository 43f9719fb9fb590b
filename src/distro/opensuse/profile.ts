// openSUSE Leap: zypper and rpm, GRUB 2 (grub2-mkconfig, update-bootloader),
// dracut, the toolstack as native systemd units of openSUSE's own.
//
// Every packaging fact below is read from openSUSE's spec, as mirrored in
// github.com/bmwiedemann/openSUSE, path packages/x/xen/xen.spec (commit
// 011524798663e43885ba6808852ac05ec10e9d2f: Factory's xen 4.21; Leap 15.6
// ships 4.18 from the same spec lineage, not read here):
// - `xen` ships /boot/* (the hypervisor) and its %post runs update-bootloader.
// - `xen-tools` ships xl, xenstored, xenconsoled, /usr/bin/xenstore*, every
//   man page (%{_mandir}/man*/*) and /etc/xen/scripts; it Requires `xen`
//   and `qemu-x86` (/usr/bin/qemu-system-i386, configure --with-system-qemu).
//   openSUSE has no meta package; `xen-tools` is the one package that pulls
//   in the hypervisor, the tools and the man pages, so it stands as one.
// - `xen-tools-domU` also ships /usr/bin/xenstore* but Conflicts with
//   xen-tools: a dom0 has them from the toolstack package.
// - units: xen-tools' %post runs %service_add_post for xencommons.service
//   (openSUSE's own, Source41), xendomains, xenstored, xenconsoled,
//   xen-init-dom0 and more; that enables them only where the presets do.
import { dracutInitramfsSuse } from './initramfs.js';
import { RpmProfile } from '../rpm/profile.js';
import { rpmPackages, ZYPPER } from '../rpm/packages.js';
import { grub2Boot } from '../grub2.js';
import type { InitSystem } from '../parts.js';
import { systemdNativeBootStates } from '../systemd-native.js';

const suseInit: InitSystem = {
  bootStates: systemdNativeBootStates,
  enableAdvice:
    'Enable the units from the package: %service_add_post enables only what the presets enable, so ship a preset or ask systemd-presets-branding to list xencommons.service and xendomains.service',
};

export const opensuseLeap = (version: string) =>
  new RpmProfile({
    id: `opensuse-leap-${version}`,
    title: `openSUSE Leap ${version}`,
    family: 'zypper',
    osRelease: { id: 'opensuse-leap', versionId: version },
    packages: rpmPackages(ZYPPER),
    boot: grub2Boot(
      'Have the hypervisor package make Xen the default: set GRUB_DEFAULT=saved and the saved entry to the Xen entry (grub2-set-default), as YaST does when it installs the Xen pattern.',
    ),
    initramfs: dracutInitramfsSuse,
    init: suseInit,
    metaPackage: 'xen-tools',
    services: { commons: 'xencommons', domains: 'xendomains', atBoot: ['xencommons', 'xen-init-dom0', 'xendomains'] },
    xenPackages: { hypervisor: 'xen', tools: 'xen-tools', deviceModel: 'qemu-x86', manPages: 'xen-tools', xenstoreUtils: 'xen-tools' },
    hotplugScriptDir: '/etc/xen/scripts',
    cloudImagePage: `https://download.opensuse.org/distribution/leap/${version}/appliances/`,
  });
