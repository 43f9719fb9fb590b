// A tiny stand-in for a Xen host in unit tests of pure logic: run() answers
// from a map keyed by argv joined with spaces (as the suite's evidence names
// commands); anything not in the map exits 127 like a missing command.
import type { ExecOptions, Host } from '../../src/host/host.js';
import type { RunResult } from '../../src/proc.js';

export type Answers = Record<string, Partial<RunResult>>;

export interface FakeHost extends Host {
  /** Every argv run, joined with spaces, in order. */
  readonly calls: string[];
}

export function fakeHost(answers: Answers = {}): FakeHost {
  const calls: string[] = [];
  const unexpected = (what: string) => () => Promise.reject(new Error(`fake host: ${what} not expected in this test`));
  return {
    target: 'fake',
    calls,
    async run(argv: readonly string[], _opts: ExecOptions): Promise<RunResult> {
      const key = argv.join(' ');
      calls.push(key);
      const a = answers[key];
      if (!a) return { code: 127, stdout: '', stderr: `${argv[0]}: not found` };
      return { code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    },
    put: unexpected('put'),
    reboot: unexpected('reboot'),
    bootId: unexpected('bootId'),
    serialTail: unexpected('serialTail'),
    serialLog: unexpected('serialLog'),
    close: async () => {},
  };
}
