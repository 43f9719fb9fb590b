// The CLI's logic, apart from the process it runs in (src/cli.ts): argv in,
// an exit code out, never process.exit, so tests call it in-process.
// Exit 0 nothing fails the run, 1 a check fails it, 2 bad input (nothing
// started), 3 the infrastructure failed (the phase is named).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CATALOGUE, CHECK_IDS } from '../checks/index.js';
import type { Baseline } from '../config.js';
import { InputError } from '../errors.js';
import { cancelRun, runConformance } from '../pipeline.js';
import { prepare } from '../prepare.js';
import { judgeAndWrite } from '../report/finish.js';
import { toJson } from '../report/json.js';
import { resultLine } from '../report/progress.js';
import { runUrlFromEnv, toMarkdown } from '../report/summary.js';
import { baselineDistroProblem, parseExpectedFailures, readReportFile } from '../judge-inputs.js';
import { type RawSettings, SETTING_NAMES, throwInput } from '../settings.js';
import { VERSION } from '../version.js';
import { helpText, USAGE } from './help.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const processIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
});

/** Settings the CLI takes as a file name and hands on as the file's text (the action takes the text itself). */
const FROM_FILE = {
  'ssh-key': 'a private key file you can read',
  'ssh-known-hosts': 'a known_hosts file you can read',
} as const;

function readSettingFile(name: keyof typeof FROM_FILE, file: string, cwd: string): string {
  try {
    return readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (e) {
    throw new InputError(`${name}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); pass the path of ${FROM_FILE[name]}`);
  }
}

type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; raw: RawSettings; json: boolean }
  | { kind: 'judge'; report: string; baseline?: string; expectedFailures?: string; out?: string; json: boolean };

export function parseCli(argv: string[], cwd: string): Command {
  const options = Object.fromEntries(SETTING_NAMES.map((n) => [n, { type: 'string' as const, multiple: n === 'packages' }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...options,
        out: { type: 'string' },
        report: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
      allowPositionals: true,
    });
  } catch (e) {
    // Node's own message, kept whole (its later lines carry the fix) but on one line.
    throw new InputError(`${(e as Error).message.trim().replace(/\s*\n\s*/g, ' ')}; ${USAGE.split('\n')[0]}`);
  }
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const command = positionals[0];
  if ((command !== 'run' && command !== 'judge') || positionals.length > 1) {
    throw new InputError(`expected the command "run" or "judge"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}; ${USAGE.split('\n')[0]}`);
  }
  const str = (n: string) => (typeof values[n] === 'string' ? (values[n] as string) : undefined);
  if (command === 'judge') {
    const stray = Object.keys(values).find((k) => !['report', 'baseline', 'expected-failures', 'out', 'json'].includes(k));
    if (stray) throw new InputError(`${stray}: not an option of judge (it judges an existing report); judge takes --report, --baseline, --expected-failures, --out and --json`);
    const report = str('report');
    if (!report) throw new InputError('report: required by judge; pass --report with the report.json a run wrote');
    return { kind: 'judge', report, baseline: str('baseline'), expectedFailures: str('expected-failures'), out: str('out'), json: !!values.json };
  }
  if (values.report !== undefined) throw new InputError('report: only an option of judge; run writes its report into --out');
  const raw: Record<string, string | undefined> = {};
  for (const n of SETTING_NAMES) {
    const v = values[n];
    raw[n] = Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : undefined;
  }
  if (values.out !== undefined) raw['out-dir'] = values.out as string;
  for (const name of Object.keys(FROM_FILE) as (keyof typeof FROM_FILE)[]) {
    const file = raw[name];
    if (file?.trim()) raw[name] = readSettingFile(name, file, cwd);
  }
  return { kind: 'run', raw: raw as RawSettings, json: !!values.json };
}

/** Runs one command; resolves to the exit code. Bad input is exit 2 with one line. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let command: Command;
  try {
    command = parseCli(argv, io.cwd);
    if (command.kind === 'judge') return await judgeCommand(command, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`xen-conformance: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (command.kind === 'help') {
    io.out(helpText(CATALOGUE));
    return 0;
  }
  if (command.kind === 'version') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  return runCommand(command.raw, command.json, io);
}

async function runCommand(raw: RawSettings, json: boolean, io: Io): Promise<number> {
  let prepared;
  try {
    prepared = await prepare(raw, io.cwd);
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`xen-conformance: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  let signals = 0;
  const onSignal = (sig: string) => {
    // GitHub cancels with SIGINT, then SIGTERM 7.5 s later: the first ends the
    // run and writes the partial report; a third means "now".
    if (++signals >= 3) process.exit(130);
    io.err(`xen-conformance: ${sig}: stopping the VM and writing the partial report\n`);
    cancelRun(sig);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const out = await runConformance(prepared, {
    log: (line) => io.err(line + '\n'),
    onResult: (r) => io.err(resultLine(r) + '\n'),
  });
  const { config } = prepared;
  const done = await judgeAndWrite(out.report, { expectedFailures: config.expectedFailures ?? [], baseline: config.baseline }, config.outDir, runUrlFromEnv(io.env));
  io.out(json ? toJson(done.report) : toMarkdown(done.report, { runUrl: runUrlFromEnv(io.env) }));
  io.err(`report: ${done.files.json}\njunit: ${done.files.junit}\nsummary: ${done.files.summary}\nserial log: ${out.files.serial}\n`);
  return done.exitCode;
}

/** Judges a report a run wrote: with expected failures and/or a baseline, rewrites its three files. */
async function judgeCommand(c: Extract<Command, { kind: 'judge' }>, io: Io): Promise<number> {
  const report = readReportFile('report', path.resolve(io.cwd, c.report), throwInput);
  let baseline: Baseline | undefined;
  if (c.baseline) {
    baseline = readReportFile('baseline', path.resolve(io.cwd, c.baseline), throwInput);
    const problem = baselineDistroProblem(baseline, report.report.distro);
    if (problem) throw new InputError(problem);
  }
  const expectedFailures = c.expectedFailures?.trim() ? parseExpectedFailures(c.expectedFailures.trim(), { cwd: io.cwd, knownChecks: CHECK_IDS }, throwInput) : [];
  const outDir = c.out ? path.resolve(io.cwd, c.out) : path.dirname(report.path);
  const done = await judgeAndWrite(report.report, { expectedFailures, baseline }, outDir, runUrlFromEnv(io.env));
  io.out(c.json ? toJson(done.report) : toMarkdown(done.report, { runUrl: runUrlFromEnv(io.env) }));
  io.err(`report: ${done.files.json}\njunit: ${done.files.junit}\nsummary: ${done.files.summary}\n`);
  return done.exitCode;
}
