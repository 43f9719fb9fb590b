// The factory: the profiles this release knows, chosen by the `distro` setting.
// Each profile brings its family's parts (src/distro/<family>/); nothing else picks them.
import { DebianProfile } from './debian/profile.js';
import { centosStream9, fedora } from './fedora/profile.js';
import { opensuseLeap } from './opensuse/profile.js';
import { UbuntuProfile } from './ubuntu/profile.js';
import type { DistroProfile } from './profile.js';

const PROFILES: DistroProfile[] = [
  new DebianProfile({
    id: 'debian-12',
    title: 'Debian 12 (bookworm)',
    suite: 'bookworm',
    verified: true,
    // SysV scripts from xen-utils-common, enabled by its postinst (update-rc.d ... defaults):
    // /etc/init.d/xen starts xenstored (oxenstored first), xenconsoled and dom0's qemu.
    units: { commons: 'xen', domains: 'xendomains', atBoot: ['xen', 'xendomains'] },
  }),
  new DebianProfile({
    id: 'debian-13',
    title: 'Debian 13 (trixie)',
    suite: 'trixie',
    verified: true,
    units: { commons: 'xen', domains: 'xendomains', atBoot: ['xen', 'xendomains'] },
  }),
  // Not verified end to end (verified: false): no image builder, so a run needs image-url.
  new UbuntuProfile('ubuntu-24.04', 'Ubuntu 24.04 LTS (noble)', 'noble'),
  fedora(45),
  centosStream9,
  opensuseLeap('15.6'),
];

export const DISTRO_IDS = PROFILES.map((p) => p.id);

export function profileFor(id: string): DistroProfile {
  const p = PROFILES.find((x) => x.id === id);
  if (!p) throw new Error(`no profile for ${id}`); // settings validated the id already
  return p;
}
