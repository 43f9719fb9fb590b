// openSUSE's dracut names the image initrd-<release> (with an initrd symlink beside it).
import type { Initramfs } from '../parts.js';

export const dracutInitramfsSuse: Initramfs = { image: (release) => `/boot/initrd-${release}` };
