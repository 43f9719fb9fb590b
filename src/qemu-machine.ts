// The QEMU machine every VM of the tool runs on (the host, and the image
// builder's first boot), and a boot straight from a kernel until power-off.
// Below both src/host and src/image: each imports it, neither the other.
import { InfraError } from './errors.js';
import { lastLines, run } from './proc.js';

const MEMORY = '3G';
const CPUS = '2';

/**
 * vga: 'std' for a cloud image, whose GRUB may use its graphical terminal
 * (Debian's default), which waits forever for a video card that is not there.
 */
export function machineArgs(accelArgs: string[], vga: 'none' | 'std' = 'none'): string[] {
  return ['-nodefaults', '-no-user-config', '-machine', 'pc', ...accelArgs, '-m', MEMORY, '-smp', CPUS, '-display', 'none', '-vga', vga];
}

export interface BootOnceOptions {
  disk: string;
  kernel: string;
  initrd: string;
  append: string;
  accelArgs: string[];
  timeoutMs: number;
  phase: string;
}

/** Boot a kernel straight from files until the guest powers off; returns what the serial console printed. */
export async function bootOnce(o: BootOnceOptions): Promise<string> {
  const res = await run(
    [
      'qemu-system-x86_64',
      ...machineArgs(o.accelArgs),
      '-no-reboot',
      '-serial', 'stdio',
      '-monitor', 'none',
      '-drive', `file=${o.disk},if=virtio,format=raw,cache=unsafe`,
      '-kernel', o.kernel,
      '-initrd', o.initrd,
      '-append', o.append,
    ],
    { phase: o.phase, timeoutMs: o.timeoutMs, allowFailure: true },
  );
  if (res.code !== 0) throw new InfraError(o.phase, `QEMU exited ${res.code}: ${lastLines(res.stderr, 3).join(' | ')}`, lastLines(res.stdout, 20));
  return res.stdout;
}
