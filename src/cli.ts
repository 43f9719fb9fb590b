// The same pipeline as the action, for a terminal: progress lines on stderr,
// the report on stdout. Exit 0 no check failed, 1 a check failed, 2 bad
// input (nothing started), 3 the infrastructure failed (the phase is named).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from './errors.js';
import { cancelRun, runConformance } from './pipeline.js';
import { prepare } from './prepare.js';
import { toMarkdown } from './report/summary.js';
import { type RawSettings, SETTING_NAMES } from './settings.js';

const USAGE = `usage: xen-conformance run [--distro debian-12] [--packages <file or glob>]... [--checks <id or group,...>] [--out DIR]
       [--accel auto|kvm|tcg] [--timeout-{image,boot,install,reboot,check,shutdown} SECONDS] [--cache-dir DIR]
       [--target qemu|ssh --ssh-host HOST [--ssh-user root] [--ssh-port 22] --ssh-key FILE --ssh-known-hosts FILE [--migrate-to HOST[:PORT]]]
       [--image-url URL --image-sha256 HEX]`;

/** Settings the CLI takes as a file name and hands on as the file's text (the action takes the text itself). */
const FROM_FILE = {
  'ssh-key': 'a private key file you can read',
  'ssh-known-hosts': 'a known_hosts file you can read',
} as const;

function readSettingFile(name: keyof typeof FROM_FILE, file: string): string {
  try {
    return readFileSync(path.resolve(file), 'utf8');
  } catch (e) {
    throw new InputError(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); pass the path of ${FROM_FILE[name]}`);
  }
}

function parseCli(argv: string[]): RawSettings {
  const options = Object.fromEntries(SETTING_NAMES.map((n) => [n, { type: 'string' as const, multiple: n === 'packages' }]));
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...options, out: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  } catch (e) {
    // Node's own message, kept whole (its later lines carry the fix) but on one line.
    throw new InputError(`${(e as Error).message.trim().replace(/\s*\n\s*/g, ' ')}; ${USAGE.split('\n')[0]}`);
  }
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  if (positionals[0] !== 'run' || positionals.length > 1) {
    throw new InputError(`expected the command "run"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}; ${USAGE.split('\n')[0]}`);
  }
  const raw: Record<string, string | undefined> = {};
  for (const n of SETTING_NAMES) {
    const v = values[n];
    raw[n] = Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : undefined;
  }
  if (values.out !== undefined) raw['out-dir'] = values.out as string;
  for (const name of Object.keys(FROM_FILE) as (keyof typeof FROM_FILE)[]) {
    const file = raw[name];
    if (file?.trim()) raw[name] = readSettingFile(name, file);
  }
  return raw as RawSettings;
}

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

async function main(): Promise<number> {
  let prepared;
  try {
    prepared = await prepare(parseCli(process.argv.slice(2)));
  } catch (e) {
    if (e instanceof InputError) {
      process.stderr.write(`xen-conformance: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let signals = 0;
  const onSignal = (sig: string) => {
    // GitHub cancels with SIGINT, then SIGTERM 7.5 s later: the first ends the
    // run and writes the partial report; a third means "now".
    if (++signals >= 3) process.exit(130);
    process.stderr.write(`xen-conformance: ${sig}: stopping the VM and writing the partial report\n`);
    cancelRun(sig);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const out = await runConformance(prepared, {
    log: (line) => process.stderr.write(line + '\n'),
    onResult: (r) => process.stderr.write(`  ${r.status.toUpperCase().padEnd(6)} ${r.id}: ${r.message.split('\n')[0]}\n`),
  });
  process.stdout.write(toMarkdown(out.report));
  process.stderr.write(`report: ${out.files.json}\njunit: ${out.files.junit}\nsummary: ${out.files.summary}\nserial log: ${out.files.serial}\n`);
  return out.exitCode;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`xen-conformance: unexpected failure: ${(e as Error).stack ?? e}\n`);
    process.exit(3);
  },
);
