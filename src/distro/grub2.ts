// GRUB 2 as the RPM families ship it: grub2-mkconfig writes
// /boot/grub2/grub.cfg from /etc/default/grub and /etc/grub.d; the saved
// default is in /boot/grub2/grubenv. (On UEFI Fedora and CentOS Stream 9 keep
// the real config there too; the ESP's grub.cfg only points at it.)
import type { BootConfig } from './parts.js';

export const GRUB2_CFG = '/boot/grub2/grub.cfg';

export function grub2Boot(xenDefaultAdvice: string): BootConfig {
  return {
    configPath: GRUB2_CFG,
    savedDefaultPath: '/boot/grub2/grubenv',
    regenerateCommand: () => ['grub2-mkconfig', '-o', GRUB2_CFG],
    // Fedora's grub2-tools-minimal ships grub2-script-check, grub2-tools grub2-file (grub2.spec's file lists).
    grubTools: { scriptCheck: 'grub2-script-check', file: 'grub2-file' },
    // grub2-mkconfig here reads one settings file, no .d directory: ours are lines in it.
    dropInPath: () => '/etc/default/grub',
    xenDefaultAdvice,
  };
}
