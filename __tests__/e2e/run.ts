// Runs the bundled CLI or action the way a user or GitHub would: a real
// process, real files, real VM.
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
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
  /** Resolves when stderr has printed a line matching re. */
  waitFor(re: RegExp, timeoutMs: number): Promise<void>;
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
  child.stdout!.on('data', (d) => (stdout += d));
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
        if (re.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      };
      watchers.push(check);
      check();
    });
  return { child, done, waitFor };
}

export function runNode(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return startNode(script, args, env).done;
}

export async function readReport(dir: string): Promise<Report> {
  return JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8')) as Report;
}

/** id -> status, for asserting exactly which checks failed. */
export function statuses(r: Report): Record<string, string> {
  return Object.fromEntries(r.checks.map((c) => [c.id, c.status]));
}
