// What checks need of the run, declared on the check (requires) and judged by
// the suite in one place: a missing one is a skip with its reason, word for
// word. A new need goes here, with the fact of the run it reads.
import type { Requirement } from './check.js';

/** A started domU (it need not be up: domU.boots judges that). */
export const A_DOMU: Requirement = { what: 'a domU', missing: (f) => (f.guest ? undefined : (f.guestNotStarted ?? 'no domU was started')) };

/** The migrate-to host, when the run was given one: the guest moves there, else the check judges on one host. */
export const MIGRATE_TO_HOST: Requirement = { what: 'the migrate-to host' };

/**
 * Measured here: under TCG an HVM guest (SeaBIOS, then GRUB from its disk, every
 * device emulated by the device model in dom0) had not answered 13 min after xl create.
 */
export const HVM_UNDER_TCG =
  'not run under TCG: an HVM guest here (firmware, then GRUB from its disk, every device emulated by the device model in dom0) had not answered 13 min after xl create; it runs where QEMU has KVM';

/** A host that can run an HVM guest in time: not QEMU under TCG. */
export const HVM_IN_TIME: Requirement = { what: 'an HVM guest in time (not TCG)', missing: (f) => (f.accel === 'tcg' ? HVM_UNDER_TCG : undefined) };
