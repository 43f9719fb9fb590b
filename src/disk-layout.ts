// The layout of the disks the tool builds, shared by the image builder (which
// writes it) and dom0 (which mounts the guest's disk by offset).

/** Where the disk's one partition starts (a mount in dom0 needs it: the guest's disk has no partition device there). */
export const PART_OFFSET = 1024 * 1024;
