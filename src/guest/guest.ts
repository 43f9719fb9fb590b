// The domU as dom0 reaches it: over SSH from dom0, with this run's key and
// the guest's pinned host key. Every command reaches the guest as one word
// quoted by shJoin inside the argv dom0 runs. How it is set up is start.ts;
// who it is (names, addresses, xl config) is config.ts.
import type { ExecOptions, Host } from '../host/host.js';
import { type RunResult, sleep } from '../proc.js';
import { shJoin } from '../quote.js';
import { GUEST } from './config.js';

export { GUEST, type GuestType, LVM_BYTES, lvPath, xlConfig, xlConfigPath } from './config.js';

/** The guest as dom0 reaches it. */
export class Guest {
  constructor(private readonly host: Host) {}

  /** argv dom0 runs to run argv in the guest: ssh with the run's key and the guest's pinned host key. */
  sshArgv(argv: readonly string[]): string[] {
    return ['ssh', ...this.sshOptions(), `root@${GUEST.ip}`, shJoin(argv)];
  }

  /** Options for ssh and scp alike. */
  sshOptions(): string[] {
    return [
      '-q', '-i', GUEST.key,
      '-o', `UserKnownHostsFile=${GUEST.knownHosts}`,
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', 'ConnectTimeout=10',
      '-o', 'ServerAliveInterval=5',
      '-o', 'ServerAliveCountMax=6',
    ];
  }

  /**
   * Run argv in the guest. ssh's own failure (255, nothing printed: the
   * connection, not the command) is tried again twice: on a loaded machine the
   * guest's sshd was seen to miss the connect timeout while the guest was fine,
   * and a check must not read a lost connection as the guest's answer.
   */
  async run(argv: readonly string[], opts: ExecOptions): Promise<RunResult> {
    // A stream given or taken cannot be sent again.
    const once = !!opts.output || (opts.input !== undefined && typeof opts.input !== 'string' && !Buffer.isBuffer(opts.input));
    for (let attempt = 1; ; attempt++) {
      const r = await this.host.run(this.sshArgv(argv), opts);
      if (once || r.code !== 255 || r.stdout !== '' || (r.bytes?.length ?? 0) > 0 || attempt === SSH_ATTEMPTS) return r;
      await sleep(2000);
    }
  }

  /**
   * Wait until the guest answers over SSH with a boot id other than `notThis`;
   * returns the boot id, or undefined when the time ran out.
   */
  async waitUp(timeoutMs: number, phase: string, notThis?: string): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await this.run(['cat', '/proc/sys/kernel/random/boot_id'], { phase, timeoutMs: 20_000, allowFailure: true }).catch(() => undefined);
      const id = r?.code === 0 ? r.stdout.trim() : '';
      if (id && id !== notThis) return id;
      await sleep(2000);
    }
    return undefined;
  }
}

/** Tries of one command when ssh itself fails (see Guest.run). */
export const SSH_ATTEMPTS = 3;

/** One step of bringing the guest up, as the report shows it. */
export interface StartStep {
  command: string;
  exitCode: number;
  output: string;
  /** How long it took: where the start's time goes. */
  seconds: number;
}

export interface GuestStart {
  /** The domain was created (xl create succeeded). */
  created: boolean;
  /** SSH answered within the bound. */
  up: boolean;
  /** Seconds from `xl create` to SSH answering. */
  bootSeconds?: number;
  /** Why it is not up, in words. */
  problem?: string;
  steps: StartStep[];
  guest: Guest;
}
