// What an image is built from, whatever the distro: files laid over the
// distro's own install, the packages, and the shell lines of the builder's
// customize hook. A distro's image source (src/distro/<family>/) fills it in.

export const ROOT_LABEL = 'xc-root';
export const SEED_LABEL = 'xc-seed';
/** Printed on the serial console by the first boot when the boot loader is in place. */
export const BOOTLOADER_DONE = 'xc-bootloader-installed';

export interface ImageFile {
  path: string;
  mode: number;
  content: string;
}

/** What goes into an image on top of the release's archive. */
export interface Recipe {
  /** Names the cached image's directory: <name>-<key>. */
  name: string;
  packages: string[];
  files: ImageFile[];
  /** Lines of the builder's customize hook, run with the image root as $1. */
  customize: string[];
  /** Size of the sparse disk (default DISK_BYTES). */
  diskBytes?: number;
}
