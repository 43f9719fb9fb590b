// Runs the bundled CLI or action the way a user or GitHub would: a real
// process, real files, real VM.
import { expect } from '@jest/globals';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { Report } from '../../src/report/types.js';

export const ROOT = path.resolve(__dirname_of(import.meta.url), '../..');

function __dirname_of(url: string): string {
  return path.dirname(new URL(url).pathname);
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Started {
  child: ChildProcess;
  done: Promise<Ran>;
  /** Resolves when stderr or stdout has printed a line matching re. */
  waitFor(re: RegExp, timeoutMs: number): Promise<void>;
  /** What it printed so far, stderr then stdout. */
  output(): string;
}

export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(process.execPath, [path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  child.stdout!.on('data', (d) => {
    stdout += d;
    watchers.forEach((w) => w());
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
    if (process.env.XC_E2E_VERBOSE) process.stderr.write(d);
    watchers.forEach((w) => w());
  });
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  const waitFor = (re: RegExp, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stderr:\n${stderr}`)), timeoutMs);
      const check = () => {
        // The CLI logs on stderr, the action on stdout.
        if (re.test(stderr) || re.test(stdout)) {
          clearTimeout(timer);
          resolve();
        }
      };
      watchers.push(check);
      check();
    });
  return { child, done, waitFor, output: () => stderr + stdout };
}

export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return startNode(script, args, env).done;
}

export async function readReport(dir: string): Promise<Report> {
  return JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8')) as Report;
}

/** A run's timings into the test log, so a CI log carries them (the out dir is removed with the test's). */
export function printTimings(label: string, r: Report): void {
  const lines = [
    `${label}: phases (s): ${r.phases.map((p) => `${p.phase} ${p.seconds.toFixed(1)}`).join(', ')}`,
    `${label}: checks (s): ${r.checks.map((c) => `${c.id} ${c.status} ${(c.durationMs / 1000).toFixed(1)}`).join(', ')}`,
    // What a check that did not pass said: a CI log is often all there is to go on.
    ...r.checks.filter((c) => !['pass', 'not-applicable'].includes(c.status)).map((c) => `${label}: ${c.id} ${c.status}: ${c.message}`),
    // How long each guest took to answer after xl create, as the guest-boot checks say it when they pass.
    ...r.checks.filter((c) => c.status === 'pass' && ['domU.boots', 'domU.pvh', 'domU.hvm'].includes(c.id)).map((c) => `${label}: ${c.id}: ${c.message}`),
    // Where bringing the domU up spends its time (domU.boots keeps each step in dom0 with its duration).
    ...(r.checks.find((c) => c.id === 'domU.boots')?.evidence ?? [])
      .filter((e) => e.command.startsWith('(dom0) '))
      .map((e) => `${label}: domU start: ${e.command.slice(7)}: ${e.output.split('\n')[0]}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
}

/** id -> status, for asserting exactly which checks failed. */
export function statuses(r: Report): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
}

/** Command lines of running processes that mention what. */
export function processesMatching(what: string): string[] {
  const out = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(what) && !l.includes('ps -eo'));
}

/** The run's private directory, as its log names it (the serial log lives there). */
export function runDirOf(log: string): string | undefined {
  return /serial log (\/\S*xc-run-[^/\s]+)\/serial\.log/.exec(log)?.[1];
}

/** The run's private directory (named in its log) is gone, and so is every process that used it (QEMU, ssh). */
export async function expectNothingLeft(log: string): Promise<void> {
  const runDir = runDirOf(log);
  expect(runDir).toBeDefined();
  await expect(fs.access(runDir!)).rejects.toThrow();
  expect(processesMatching(runDir!)).toEqual([]);
}

/** Cancel as GitHub does: SIGINT, then SIGTERM 7.5 s later if the process still runs. Resolves with the result and the ms it took. */
export async function cancelAsGitHub(run: Started): Promise<{ ran: Ran; ms: number }> {
  const signalled = Date.now();
  run.child.kill('SIGINT');
  const term = setTimeout(() => run.child.kill('SIGTERM'), 7500);
  const ran = await run.done;
  clearTimeout(term);
  return { ran, ms: Date.now() - signalled };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** The action's inputs at their action.yml defaults, as INPUT_* variables (GitHub sets every input). */
export async function actionDefaults(): Promise<Record<string, string>> {
  const yml = await fs.readFile(path.join(ROOT, 'action.yml'), 'utf8');
  const inputs = yml.slice(yml.indexOf('\ninputs:'), yml.indexOf('\noutputs:'));
  const env: Record<string, string> = {};
  for (const m of inputs.matchAll(/^ {2}([a-z-]+):\n(?: {4}.*\n)*? {4}default: '?([^'\n]*)'?$/gm)) env[`INPUT_${m[1].toUpperCase()}`] = m[2];
  return env;
}
