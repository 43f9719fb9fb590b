// GRUB as Debian ships it: update-grub writes /boot/grub/grub.cfg from
// /etc/default/grub and the files in /etc/default/grub.d.
import type { BootConfig, Initramfs } from '../parts.js';

export const debianGrub: BootConfig = {
  configPath: '/boot/grub/grub.cfg',
  savedDefaultPath: '/boot/grub/grubenv',
  regenerateCommand: () => ['update-grub'],
  // Both in grub-common.
  grubTools: { scriptCheck: 'grub-script-check', file: 'grub-file' },
  // A command line that runs update-grub (Debian's hypervisor postinst: `update-grub || :`), not a comment.
  regeneratedByScript: (script) =>
    script
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').replace(/command -v update-grub|which update-grub|-x \S*update-grub/g, ''))
      .some((l) => /(^|[\s;&|(/])update-grub\b/.test(l)),
  dropInPath: (name) => `/etc/default/grub.d/${name}.cfg`,
  xenDefaultAdvice:
    'Have the hypervisor package make Xen the default, as Debian does in /etc/default/grub.d/xen.cfg (XEN_OVERRIDE_GRUB_DEFAULT sets GRUB_DEFAULT to the Xen entry).',
};

/** initramfs-tools: one image per kernel release in /boot. */
export const debianInitramfs: Initramfs = {
  image: (release) => `/boot/initrd.img-${release}`,
};
