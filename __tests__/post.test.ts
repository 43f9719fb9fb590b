// The action's post step, run as GitHub runs it after a cancelled or crashed
// main step: it ends the VM named by the pidfile and removes the run directory.
import { expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNode } from './e2e/run.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('post kills the process in qemu.pid and removes the run directory', async () => {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-run-'));
  // A stand-in for a VM left running: a real process that would outlive us.
  const vm = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => vm.on('exit', r));
  await fs.writeFile(path.join(runDir, 'qemu.pid'), `${vm.pid}\n`);
  await fs.writeFile(path.join(runDir, 'disk.qcow2'), 'overlay');
  const r = await runNode('dist/post.js', [], { STATE_runDir: runDir });
  expect(r.code).toBe(0);
  await exited;
  expect(alive(vm.pid!)).toBe(false);
  await expect(fs.access(runDir)).rejects.toThrow();
  expect(r.stdout).toContain(`stopped the VM (pid ${vm.pid})`);
});

test('post also ends the SSH connection named in ssh-master.pid (the SSH target after a crash)', async () => {
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-run-'));
  const master = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' });
  const exited = new Promise((r) => master.on('exit', r));
  await fs.writeFile(path.join(runDir, 'ssh-master.pid'), `${master.pid}\n`);
  await fs.writeFile(path.join(runDir, 'ssh-key'), 'a copy of the key', { mode: 0o600 });
  const r = await runNode('dist/post.js', [], { STATE_runDir: runDir });
  expect(r.code).toBe(0);
  await exited;
  expect(alive(master.pid!)).toBe(false);
  await expect(fs.access(runDir)).rejects.toThrow();
  expect(r.stdout).toContain(`stopped the SSH connection (pid ${master.pid})`);
});

test('post with no saved state does nothing and succeeds', async () => {
  const r = await runNode('dist/post.js', [], { STATE_runDir: '' });
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
});
