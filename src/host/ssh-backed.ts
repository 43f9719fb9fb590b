// What every host reached over SSH shares, the VM on the runner and a user's
// own machine alike: commands, file copies and the boot id go over one
// SshConnection. A subclass adds how it reboots, what its console record is,
// and what it knows about why a command failed.
import { createReadStream } from 'node:fs';
import { InfraError } from '../errors.js';
import type { RunResult } from '../proc.js';
import { shJoin } from '../quote.js';
import type { SshConnection } from '../transport/ssh.js';
import type { ExecOptions, Host } from './host.js';

export abstract class SshBackedHost implements Host {
  abstract readonly target: string;

  protected constructor(protected readonly ssh: SshConnection) {}

  /** A failure of a command, with whatever the host knows about why (default: as it is). */
  protected async explain(_phase: string, e: InfraError): Promise<InfraError> {
    return e;
  }

  async run(argv: readonly string[], opts: ExecOptions): Promise<RunResult> {
    try {
      return await this.ssh.exec(shJoin(argv), opts);
    } catch (e) {
      throw e instanceof InfraError ? await this.explain(opts.phase, e) : e;
    }
  }

  async put(localPath: string, remotePath: string, opts: ExecOptions): Promise<void> {
    // Streamed: a package or an image need not fit in memory.
    await this.run(['sh', '-c', 'cat > "$1"', 'sh', remotePath], { ...opts, input: createReadStream(localPath) });
  }

  async bootId(opts: ExecOptions): Promise<string> {
    return (await this.run(['cat', '/proc/sys/kernel/random/boot_id'], opts)).stdout.trim();
  }

  abstract reboot(opts: ExecOptions): Promise<void>;
  abstract shutdown(opts: ExecOptions): Promise<{ down: boolean; command: string }>;
  abstract serialTail(n: number): Promise<string[]>;
  abstract serialLog(): Promise<string>;
  abstract close(): Promise<void>;
}
