// Settings of the test environment, not of the candidates: options this tool
// puts on Xen's command line of a VM it runs, through its own boot config
// drop-in (as the serial console's), written before the candidates are
// installed so that every regeneration of the boot config carries them. The
// report names them, so a reader knows what the packages were not judged with.
import type { DistroProfile } from '../distro/profile.js';
import type { AccelChoice } from './accel.js';
import type { Host } from './host.js';

/** The tool's drop-in (on Debian sorted before the Xen package's own xen.cfg, which still decides the default entry). */
export const ENVIRONMENT_DROPIN = 'xc-environment';

/**
 * The options a VM host gets on this accelerator (none under TCG). bootscrub=0
 * was tried and measured here, host half under TCG: the reboot into Xen took
 * 52.3 and 49.7 s with it, 50.0 s and about the same without, so it is not set.
 */
export function environmentXenOptions(accel: AccelChoice): string[] {
  return accel.xenOptions;
}

/** The drop-in's text: it appends to what earlier files set. */
export function environmentDropin(options: string[]): string {
  return [
    '# xen-conformance: settings of the test environment (a VM), not of the packages under test.',
    `GRUB_CMDLINE_XEN="$GRUB_CMDLINE_XEN ${options.join(' ')}"`,
    '',
  ].join('\n');
}

/** Put the drop-in on a VM host before the candidates are installed; returns the options it set. */
export async function setEnvironment(h: Host, profile: DistroProfile, accel: AccelChoice, phase: string): Promise<{ options: string[]; file: string }> {
  const options = environmentXenOptions(accel);
  const file = profile.boot.dropInPath(ENVIRONMENT_DROPIN);
  await h.run(['tee', file], { phase, timeoutMs: 30_000, input: environmentDropin(options) });
  return { options, file };
}
