// Debian's init: systemd, with the Xen services as SysV scripts that
// dh_installinit enables from the package's postinst.
import type { InitSystem } from '../parts.js';
import { systemdSysvBootStates } from '../systemd-sysv.js';

export const debianInit: InitSystem = {
  bootStates: systemdSysvBootStates,
  unitFiles: (unit) => [`/etc/init.d/${unit}`, `/lib/systemd/system/${unit}.service`, `/usr/lib/systemd/system/${unit}.service`],
  /** What dh_installinit and dh_installsystemd write into a postinst, or a plain systemctl enable. */
  enabledByScript: (script, unit) => {
    const u = unit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^[^#]*(update-rc\\.d\\s+${u}\\s+(defaults|enable)|deb-systemd-helper\\s+enable\\s+(\\S+\\s+)*'?${u}(\\.service)?\\b|systemctl\\s+(--\\S+\\s+)*enable\\s+(\\S+\\s+)*${u}(\\.service)?\\b)`, 'm').test(script);
  },
  enableAdvice:
    "Enable the services from the package's maintainer scripts, as dh_installinit/dh_installsystemd do (update-rc.d <name> defaults, or systemctl enable via deb-systemd-helper)",
};
