// Debian's init: systemd, with the Xen services as SysV scripts that
// dh_installinit enables from the package's postinst.
import type { InitSystem } from '../parts.js';
import { systemdSysvBootStates } from '../systemd-sysv.js';

export const debianInit: InitSystem = {
  bootStates: systemdSysvBootStates,
  enableAdvice:
    "Enable the services from the package's maintainer scripts, as dh_installinit/dh_installsystemd do (update-rc.d <name> defaults, or systemctl enable via deb-systemd-helper)",
};
