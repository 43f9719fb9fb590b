#!/usr/bin/env node
// The CLI's process: stream guards, then main(argv) (src/cli/main.ts) and its
// exit code. `npx xen-conformance run` from a checkout runs dist/cli.js (ncc
// keeps the line above).
import { main } from './cli/main.js';

// A terminal or parent that went away (EPIPE on the next progress line) must
// not end the run before its teardown: the lines are lost, the VM is still
// stopped and the run directory still removed.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

// @actions/glob logs through core.debug, which outside a runner prints
// `::debug::` lines on stdout; stdout here is for the report alone.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
  typeof chunk === 'string' && chunk.startsWith('::debug::') ? true : write(chunk, ...rest)) as typeof process.stdout.write;

main(process.argv.slice(2)).then(
  // Exit once stdout has drained: a --json report piped to another program is not cut short.
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`xen-conformance: unexpected failure: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
