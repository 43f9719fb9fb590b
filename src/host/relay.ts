// A byte stream from one host to another through the runner: the two hosts
// need not reach each other, only the runner must reach both (as it already
// does). Backpressure is the streams': nothing is held in memory.
import { PassThrough } from 'node:stream';
import type { RunResult } from '../proc.js';
import type { Host } from './host.js';

export interface RelayEnd {
  host: Host;
  argv: readonly string[];
  /** The sender's stdin (the receiver's is the stream). */
  input?: string;
}

/** Run `from` and `to` at once, from's stdout into to's stdin; resolves when both have ended. */
export async function relay(from: RelayEnd, to: RelayEnd, opts: { phase: string; timeoutMs: number }): Promise<{ sent: RunResult; received: RunResult }> {
  const pipe = new PassThrough();
  const [sent, received] = await Promise.all([
    from.host.run(from.argv, { ...opts, allowFailure: true, output: pipe, input: from.input }),
    to.host.run(to.argv, { ...opts, allowFailure: true, input: pipe }),
  ]);
  return { sent, received };
}
