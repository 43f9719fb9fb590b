// A byte stream from one host to another through the runner: the two hosts
// need not reach each other, only the runner must reach both (as it already
// does). Backpressure is the streams': nothing is held in memory.
import { PassThrough } from 'node:stream';
import type { RunResult } from '../proc.js';
import type { Host } from './host.js';

export interface RelayEnd {
  host: Host;
  argv: readonly string[];
  /** The sender's stdin (the receiver's is the stream); not with `both`. */
  input?: string;
}

/**
 * Run `from` and `to` at once, from's stdout into to's stdin; resolves when
 * both have ended. With `both`, to's stdout also goes into from's stdin: a
 * conversation (xl migrate with xl migrate-receive), each end's stdin ending
 * when the other's stdout does.
 */
export async function relay(from: RelayEnd, to: RelayEnd, opts: { phase: string; timeoutMs: number; both?: boolean }): Promise<{ sent: RunResult; received: RunResult }> {
  const { both, ...runOpts } = opts;
  const ahead = new PassThrough();
  const back = both ? new PassThrough() : undefined;
  const [sent, received] = await Promise.all([
    from.host.run(from.argv, { ...runOpts, allowFailure: true, output: ahead, input: back ?? from.input }),
    to.host.run(to.argv, { ...runOpts, allowFailure: true, input: ahead, output: back }),
  ]);
  return { sent, received };
}
