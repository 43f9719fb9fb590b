// Runs programs on the runner: always an argv array, never a shell string,
// always with a timeout that names the phase it belongs to.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { InfraError } from './errors.js';

export interface RunOptions {
  /** The phase this belongs to, named in the error when it times out or fails. */
  phase: string;
  timeoutMs: number;
  /** stdin: text, bytes, or a stream (a file too big to hold in memory). */
  input?: Input;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** Called with each chunk of output, for progress lines. */
  onOutput?: (chunk: string) => void;
  /** Keep stdout as bytes (RunResult.bytes), not text: a file read from the host. */
  binary?: boolean;
  /** stdout goes here, not into the result (ended with the command): a stream passed on to another host. */
  output?: Writable;
}

export type Input = string | Buffer | Readable;

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's bytes, when asked for with binary (stdout is then empty). */
  bytes?: Buffer;
}

/** Every child we start, so a signal handler can end them all. */
export const children = new Set<ChildProcess>();

/** Keep the last lines of long output for error messages. */
export function lastLines(text: string, n: number): string[] {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n);
}

/** The last line of a command's output, as a one-line reason ('' when there is none). */
export function lastLine(text: string): string {
  return text.trim().split('\n').pop()!;
}

/** A command on a host (over SSH): what run takes, less what only a local process has. */
export type ExecOptions = Pick<RunOptions, 'phase' | 'timeoutMs' | 'input' | 'allowFailure' | 'binary' | 'output'>;

export function run(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  const [cmd, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so a timeout ends what the command started too.
      detached: true,
    });
    children.add(child);
    // Decoded once at the end: a chunk may end inside a multi-byte character.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (opts.output) {
      child.stdout.pipe(opts.output);
      // A reader that went away (its command ended) stops this one too, rather than leaving it blocked until its timeout.
      opts.output.on('error', () => {});
      opts.output.on('close', () => child.stdout.destroy());
    } else {
      child.stdout.on('data', (d: Buffer) => {
        out.push(d);
        if (!opts.binary) opts.onOutput?.(d.toString());
      });
    }
    child.stderr.on('data', (d: Buffer) => {
      err.push(d);
      opts.onOutput?.(d.toString());
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, opts.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new InfraError(opts.phase, `cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      // A stream the command no longer reads is closed with it (its file, too).
      if (opts.input && typeof opts.input !== 'string' && !Buffer.isBuffer(opts.input)) opts.input.destroy();
      const bytes = Buffer.concat(out);
      const stdout = opts.binary ? '' : bytes.toString();
      const stderr = Buffer.concat(err).toString();
      if (timedOut) {
        reject(
          new InfraError(
            opts.phase,
            `${cmd} did not finish in ${Math.round(opts.timeoutMs / 1000)} s; last output: ${lastLines(stdout + stderr, 3).join(' | ')}`,
          ),
        );
        return;
      }
      const result: RunResult = { code: code ?? 128, stdout, stderr, ...(opts.binary ? { bytes } : {}) };
      if (result.code !== 0 && !opts.allowFailure) {
        const why = signal ? `killed by ${signal}` : `exit ${result.code}`;
        reject(new InfraError(opts.phase, `${cmd} failed (${why}): ${lastLines(stderr || stdout, 5).join(' | ')}`));
        return;
      }
      resolve(result);
    });
    child.stdin.on('error', () => {}); // a child that exits early closes its stdin
    const input = opts.input ?? '';
    if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin.end(input);
    else {
      // A stream that fails (a file that cannot be read) ends the command: its stdin would be short.
      input.on('error', (e) => {
        err.push(Buffer.from(`reading the input failed: ${e.message}\n`));
        killGroup(child);
      });
      input.pipe(child.stdin);
    }
  });
}

/** SIGTERM the child's whole process group, then SIGKILL if it lingers. */
export function killGroup(child: ChildProcess, graceMs = 2000): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  const pid = child.pid;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, graceMs).unref();
}

/** p, or the error onTimeout makes when ms pass first; the timer is cleared either way. */
export async function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll fn every second until it returns something, for at most `seconds`. */
export async function until<T>(seconds: number, fn: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const v = await fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await sleep(1000);
  }
}

/**
 * Wait for p, but at most ms: true if p settled first. The timer is cleared
 * either way, so a long bound never keeps the process alive once p settled
 * (a plain race with sleep() would: the action's node then lingers after its run).
 */
export async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
