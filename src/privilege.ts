// Root on the runner, for the few things that need it: building an image
// (mmdebstrap --mode=root, and mke2fs reading the root-owned tree), the host
// tools a runner lacks (apt-get), and the udev rule that opens /dev/kvm. As
// root (a container, a root self-hosted runner) they run as they are; as a
// user with passwordless sudo (GitHub's ubuntu-latest: user runner) through
// `sudo -n --`, argv and all, never a shell string.
import { InputError } from './errors.js';
import { run } from './proc.js';

export type Privilege = { kind: 'root' } | { kind: 'sudo' } | { kind: 'none'; why: string };

/** How this process can run a command as root: it is root, passwordless sudo works, or neither (and why). */
export async function probePrivilege(): Promise<Privilege> {
  if (process.getuid?.() === 0) return { kind: 'root' };
  const r = await run(['sudo', '-n', 'true'], { phase: 'prepare', timeoutMs: 15_000, allowFailure: true }).catch((e: Error) => ({ code: 127, stdout: '', stderr: e.message }));
  if (r.code === 0) return { kind: 'sudo' };
  const said = r.stderr.trim().split('\n').pop() ?? '';
  return { kind: 'none', why: r.code === 127 || /ENOENT|not found/.test(said) ? 'sudo is not installed' : `sudo -n refuses (${said || `exit ${r.code}`})` };
}

/** argv run as root: unchanged for root, through sudo for a user who has it. */
export function asRoot(argv: readonly string[], p: Privilege): string[] {
  if (p.kind === 'root') return [...argv];
  if (p.kind === 'sudo') return ['sudo', '-n', '--', ...argv];
  throw new InputError(needsRootMessage(p.why, argv[0]));
}

/** The one line for a runner that cannot run anything as root. */
export function needsRootMessage(why: string, forWhat: string): string {
  return `${forWhat} needs root on the runner, and this user (uid ${process.getuid?.()}) is not root and ${why}: run as root (a container or a root runner) or give this user passwordless sudo`;
}
