// What dom0 does to a running guest: hot-plug disks, vCPUs and memory, sysrq,
// save/restore, migration, a reboot into a regenerated boot config, and
// shutdown. Each changes the guest, so they run one at a time, in this order,
// after the domU checks that only look; each leaves the guest running except
// the last. Each lives in the file named for what it judges.
import type { Check } from './check.js';
import { diskHotplug, memoryHotplug, sysrq, vcpuHotplug } from './guest-hotplug.js';
import { kernelUpdate } from './kernel-update.js';
import { liveMigration } from './migration.js';
import { coldMigration, saveRestore } from './save-restore.js';
import { guestShutdown } from './shutdown-guest.js';

export const lifecycleChecks: Check[] = [
  diskHotplug,
  vcpuHotplug,
  memoryHotplug,
  sysrq,
  saveRestore,
  coldMigration,
  liveMigration,
  kernelUpdate,
  guestShutdown,
];
