// A CLI whose reader went away (its terminal closed, the parent died) keeps
// going to its teardown: a progress line written to a closed pipe (EPIPE)
// used to end the process at once, leaving its run directory behind.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, closedPort, readReport } from './e2e/run.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cli-epipe-'));
  await fs.mkdir(path.join(dir, 'tmp'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));


test('stdout and stderr closed under it: the run still ends in its own exit code, writes its report and removes its run directory', async () => {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  const port = await closedPort();
  const pub = (await fs.readFile(path.join(dir, 'id.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ');
  await fs.writeFile(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${pub}\n`);
  const out = path.join(dir, 'out');
  // An SSH target nobody answers for: a few progress lines, then an infrastructure failure (exit 3).
  const args = ['run', '--target', 'ssh', '--ssh-host', '127.0.0.1', '--ssh-port', String(port), '--ssh-key', path.join(dir, 'id'), '--ssh-known-hosts', path.join(dir, 'known_hosts'), '--checks', 'boot.reaches-dom0', '--timeout-boot', '20', '--out', out];
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/cli.js'), ...args], {
    cwd: ROOT,
    // A private TMPDIR: the run directory is made there, so its absence afterwards is this run's.
    env: { ...process.env, TMPDIR: path.join(dir, 'tmp') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The reader goes away before the first line.
  child.stdout!.destroy();
  child.stderr!.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  expect(code).toBe(3);
  expect((await readReport(out)).infraError?.phase).toBe('connect to the host');
  expect(await fs.readdir(path.join(dir, 'tmp'))).toEqual([]);
}, 60_000);
