// One persistent SSH connection to the Xen host (OpenSSH's connection
// sharing: a master process, then one cheap channel per command). We drive
// the system's OpenSSH client rather than a JavaScript one: it is what the
// runner and the user already trust, it pins host keys through known_hosts,
// and it needs no native addon in the bundle.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InfraError } from '../errors.js';
import { children, type ExecOptions, killGroup, lastLine, run, settlesWithin, sleep, type RunResult } from '../proc.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  keyFile: string;
  /** known_hosts with the host's key: connections never trust an unknown key. */
  knownHostsFile: string;
}

/** Why a connection could not be made, in words a user can act on. */
export function classifySshFailure(stderr: string): string {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i.test(stderr)) {
    return 'the host key does not match the pinned known_hosts entry (refusing to connect)';
  }
  if (/Permission denied/i.test(stderr)) return 'the host refused the key (Permission denied)';
  if (/Connection refused/i.test(stderr)) return 'connection refused (no SSH server listening on that port)';
  if (/timed out|No route to host|Network is unreachable|Could not resolve/i.test(stderr)) {
    return `host unreachable (${lastLine(stderr)})`;
  }
  if (/Connection (closed|reset)|kex_exchange_identification|banner exchange/i.test(stderr)) {
    return 'the connection was closed before login (SSH server not ready)';
  }
  return stderr.trim().split('\n').slice(-2).join(' | ') || 'ssh failed without a message';
}

/** Names the connected master process in the control directory, for the action's post step after a crash. */
export const MASTER_PIDFILE = 'ssh-master.pid';
/** The run directory's subdirectory for the migrate-to host's connection (its own master and pidfile). */
export const MIGRATE_TO_DIR = 'migrate-to';

export class SshConnection {
  private master?: ChildProcess;
  private readonly socket: string;
  private readonly pidfile: string;

  constructor(
    readonly target: SshTarget,
    controlDir: string,
  ) {
    this.socket = path.join(controlDir, 'ssh.sock');
    this.pidfile = path.join(controlDir, MASTER_PIDFILE);
  }

  /** Options shared by the master and every channel; no user config is read. */
  private baseArgs(connectTimeoutS = 10): string[] {
    const t = this.target;
    return [
      '-F', '/dev/null',
      '-p', String(t.port),
      '-i', t.keyFile,
      '-o', 'IdentitiesOnly=yes',
      '-o', `UserKnownHostsFile=${t.knownHostsFile}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes',
      '-o', `ConnectTimeout=${connectTimeoutS}`,
      // A host that stops answering for a minute is gone; a guest under TCG on a
      // busy runner was seen to stall past 20 s and lose a live connection.
      // (A host that goes away closes the connection: that is seen at once.)
      '-o', 'ServerAliveInterval=10',
      '-o', 'ServerAliveCountMax=6',
      '-o', 'LogLevel=ERROR',
      '-l', t.user,
    ];
  }

  /** Open the shared connection, once; throws an InfraError naming why it failed. */
  async connect(phase: string, timeoutMs: number, connectTimeoutS = 10): Promise<void> {
    await this.disconnect();
    await fs.rm(this.socket, { force: true });
    const master = spawn(
      'ssh',
      [...this.baseArgs(connectTimeoutS), '-M', '-N', '-S', this.socket, '-o', 'ControlPersist=no', this.target.host],
      { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
    );
    children.add(master);
    let stderr = '';
    master.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => master.on('close', () => r()));
    master.on('close', () => children.delete(master));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (master.exitCode !== null || master.signalCode !== null) {
        await exited;
        throw new InfraError(phase, classifySshFailure(stderr));
      }
      const check = await run(['ssh', '-S', this.socket, '-O', 'check', this.target.host], {
        phase,
        timeoutMs: 5000,
        allowFailure: true,
      });
      if (check.code === 0) {
        this.master = master;
        await fs.writeFile(this.pidfile, `${master.pid}\n`);
        return;
      }
      await settlesWithin(exited, 200);
    }
    killGroup(master);
    throw new InfraError(phase, `no SSH login within ${Math.round(timeoutMs / 1000)} s`);
  }

  /** Keep trying to connect until the deadline: for a host that is still booting. */
  /** `bound` names the wait in the error when it is longer than timeoutMs (e.g. counted from a reboot). */
  async waitUp(phase: string, timeoutMs: number, stillBooting: () => Promise<string | undefined>, bound = `${Math.round(timeoutMs / 1000)} s`): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no attempt made';
    while (Date.now() < deadline) {
      const dead = await stillBooting();
      if (dead) throw new InfraError(phase, dead);
      try {
        // While the host boots, a forwarded port accepts and then stays
        // silent: a short handshake timeout notices sshd within seconds.
        await this.connect(phase, Math.min(20_000, Math.max(1000, deadline - Date.now())), 3);
        return;
      } catch (e) {
        const why = e instanceof InfraError ? e.message.replace(`${phase}: `, '') : String(e);
        // An attempt cut short by the deadline says nothing new about why the earlier ones failed.
        if (!(/^no SSH login within/.test(why) && last !== 'no attempt made')) last = why;
        if (process.env.XC_DEBUG) process.stderr.write(`[debug ${new Date().toISOString()}] ssh attempt: ${last}\n`);
        // A wrong host key or a refused key will not mend itself by waiting.
        if (/host key does not match|refused the key/.test(last)) throw e;
      }
      await sleep(500);
    }
    throw new InfraError(phase, `no SSH after ${bound} (last attempt: ${last})`);
  }

  /** Run a command line (already quoted with shJoin) over the shared connection. */
  async exec(commandLine: string, opts: ExecOptions): Promise<RunResult> {
    if (!this.master) throw new InfraError(opts.phase, 'not connected to the host');
    const res = await run(
      ['ssh', ...this.baseArgs(), '-S', this.socket, '-o', 'ControlMaster=no', this.target.host, commandLine],
      { phase: opts.phase, timeoutMs: opts.timeoutMs, input: opts.input, allowFailure: true, binary: opts.binary, output: opts.output },
    );
    // 255 is ssh's own failure (the connection, not the command), unless the
    // command itself exited 255: ask the master whether the connection lives.
    if (res.code === 255 && !(await this.alive(opts.phase))) {
      throw new InfraError(opts.phase, `the SSH connection to the host was lost (${lastLine(res.stderr) || 'ssh exit 255, no message'})`);
    }
    if (res.code !== 0 && !opts.allowFailure) {
      throw new InfraError(opts.phase, `remote command failed (exit ${res.code}): ${commandLine}: ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    }
    return res;
  }

  /** Wait until the shared connection ends (the host went away): true, or false when timeoutMs passed first. */
  async closed(timeoutMs: number): Promise<boolean> {
    const m = this.master;
    if (!m || m.exitCode !== null || m.signalCode !== null) return true;
    let timer: NodeJS.Timeout | undefined;
    const gone = new Promise<boolean>((r) => m.once('close', () => r(true)));
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)));
    try {
      return await Promise.race([gone, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether the shared connection still answers; a master that just lost its peer is given a moment to notice. */
  private async alive(phase: string): Promise<boolean> {
    const m = this.master;
    if (!m || m.exitCode !== null || m.signalCode !== null) return false;
    const check = await run(['ssh', '-S', this.socket, '-O', 'check', this.target.host], { phase, timeoutMs: 5000, allowFailure: true });
    return check.code === 0 && m.exitCode === null && m.signalCode === null;
  }

  get connected(): boolean {
    return !!this.master && this.master.exitCode === null;
  }

  async disconnect(): Promise<void> {
    const m = this.master;
    this.master = undefined;
    await fs.rm(this.pidfile, { force: true });
    if (m && m.exitCode === null) {
      const closed = new Promise((r) => m.on('close', r));
      killGroup(m, 1000);
      await settlesWithin(closed, 3000);
    }
  }
}
