// What the embedded default boots, wherever the disk came from (built here
// with mmdebstrap, or a cloud image the distro publishes): the disk, and how
// this run's SSH key reaches it and which host key to pin.

export interface HostImage {
  /** Read only: the run's VM writes to a copy-on-write overlay on top. */
  disk: string;
  format: 'raw' | 'qcow2';
  /** The overlay's size when larger than the image (a small cloud image grows into it on its first boot). */
  overlayBytes?: number;
  /** A cloud image: wait for cloud-init, check the release, refresh its package lists before installing. */
  cloud: boolean;
  /** Writes the seed disk that hands authorizedKey to the image; returns it and the host key to pin. */
  seed(runDir: string, authorizedKey: string): Promise<{ file: string; hostKey: string }>;
}
