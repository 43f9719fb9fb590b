// The programs a run needs on the runner, and the Debian/Ubuntu packages
// that ship them. GitHub's ubuntu-latest has neither QEMU nor mmdebstrap: a
// run installs what it lacks with apt-get (through sudo when it is not root),
// saying so in one line, unless told not to (install-host-tools: false).
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InfraError } from './errors.js';
import { asRoot, needsRootMessage, type Privilege } from './privilege.js';
import { run } from './proc.js';

/** A program (looked up in PATH and the sbin directories) or a file, and the package that ships it. */
export interface HostTool {
  /** A command name, or an absolute path of a file that must exist. */
  tool: string;
  pkg: string;
}

/** What this run uses on the runner, from what it will do. */
export interface ToolUse {
  /** QEMU runs the Xen host or builds the guest's image. */
  qemu: boolean;
  /** An image is built with mmdebstrap (the distro's builder). */
  buildsImage: boolean;
  /** A cloud image is booted (its NoCloud seed is an ISO). */
  cloudImage: boolean;
  /** Candidate files are .deb (read with dpkg-deb). */
  debs: boolean;
  /** Candidate files are .rpm (read with rpm). */
  rpms: boolean;
}

export function toolsFor(u: ToolUse): HostTool[] {
  return [
    { tool: 'ssh', pkg: 'openssh-client' },
    { tool: 'ssh-keygen', pkg: 'openssh-client' },
    ...(u.qemu ? [{ tool: 'qemu-system-x86_64', pkg: 'qemu-system-x86' }, { tool: 'qemu-img', pkg: 'qemu-utils' }] : []),
    ...(u.buildsImage
      ? [
          { tool: 'mmdebstrap', pkg: 'mmdebstrap' },
          // Ubuntu's apt needs Debian's keys to check Debian's archive.
          { tool: '/usr/share/keyrings/debian-archive-keyring.gpg', pkg: 'debian-archive-keyring' },
          { tool: 'mke2fs', pkg: 'e2fsprogs' },
          { tool: 'sfdisk', pkg: 'fdisk' },
        ]
      : []),
    ...(u.cloudImage ? [{ tool: 'xorriso', pkg: 'xorriso' }] : []),
    ...(u.debs ? [{ tool: 'dpkg-deb', pkg: 'dpkg' }] : []),
    ...(u.rpms ? [{ tool: 'rpm', pkg: 'rpm' }] : []),
  ];
}

/** Where a command is looked for: PATH, then the sbin directories a user's PATH may lack. */
function searchPath(): string[] {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  return [...new Set([...dirs, '/usr/local/sbin', '/usr/sbin', '/sbin'])];
}

const executable = (file: string) => fs.access(file, constants.X_OK).then(() => true, () => false);

/** The tools that are not there. */
export async function missingTools(tools: HostTool[]): Promise<HostTool[]> {
  const missing: HostTool[] = [];
  for (const t of tools) {
    const found = t.tool.startsWith('/')
      ? await fs.access(t.tool).then(() => true, () => false)
      : (await Promise.all(searchPath().map((d) => executable(path.join(d, t.tool))))).some(Boolean);
    if (!found) missing.push(t);
  }
  return missing;
}

const packagesOf = (tools: HostTool[]) => [...new Set(tools.map((t) => t.pkg))];

/**
 * Before anything starts: a run that lacks tools and may not install them
 * (install-host-tools: false, or no root and no sudo) stops here with one line.
 */
export function hostToolsProblem(missing: HostTool[], install: boolean, p: Privilege): string | undefined {
  if (!missing.length) return undefined;
  const what = `the runner lacks ${missing.map((t) => t.tool).join(', ')} (Debian/Ubuntu packages: ${packagesOf(missing).join(' ')})`;
  if (!install) return `${what}; install them (apt-get install ${packagesOf(missing).join(' ')}), or set install-host-tools: true to let the run install them`;
  if (p.kind === 'none') return needsRootMessage(p.why, `installing what ${what.replace(/^the runner lacks/, 'the runner lacks,')}`);
  return undefined;
}

/** argv lists that install the packages of the missing tools, as root. */
export function installArgv(missing: HostTool[], p: Privilege): string[][] {
  const apt = (args: string[]) => asRoot(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], p);
  return [apt(['update', '-q']), apt(['install', '-y', '-q', '--no-install-recommends', ...packagesOf(missing)])];
}

/** Install what is missing, saying what and why in one line first. */
export async function installHostTools(missing: HostTool[], p: Privilege, timeoutMs: number, log: (line: string) => void): Promise<void> {
  if (!missing.length) return;
  const cmds = installArgv(missing, p);
  log(`host tools: this run needs ${missing.map((t) => t.tool).join(', ')}, which the runner lacks; installing: ${cmds[1].join(' ')} (install-host-tools: false turns this off)`);
  for (const argv of cmds) await run(argv, { phase: 'host tools', timeoutMs });
  const still = await missingTools(missing);
  if (still.length) throw new InfraError('host tools', `${still.map((t) => t.tool).join(', ')} still missing after installing ${packagesOf(still).join(' ')}; install them by hand`);
}
