// A release without an image builder here can still be tested, on its own
// cloud image: say so before anything starts, naming where the image is.
import type { DistroProfile } from './profile.js';

export interface ImageInput {
  target: 'qemu' | 'ssh';
  /** image-url was given (with its image-sha256: settings checked the pair). */
  imageUrl: boolean;
  /** Some wanted check runs in a domU, whose image is always built here. */
  wantsGuest: boolean;
}

/** The one-line problem with this run's image inputs for this profile, or undefined. */
export function imageInputProblem(profile: DistroProfile, input: ImageInput): string | undefined {
  if (profile.image) return undefined;
  const page = profile.cloudImagePage ? ` (${profile.title} publishes them at ${profile.cloudImagePage})` : '';
  if (input.target === 'qemu' && !input.imageUrl) {
    return `distro: no image can be built for ${profile.id} here; pass image-url and image-sha256 of its official cloud image${page}`;
  }
  if (input.wantsGuest) {
    return `checks: the domU checks need a guest image, which cannot be built for ${profile.id} here; pass checks: host-before-reboot,dom0 (the groups without a domU)`;
  }
  return undefined;
}
