// Always runs after the main step, even when it was cancelled or crashed:
// ends the VM and the SSH connection by their pidfiles and removes the run's
// private directory (with the SSH target's key copy in it).
import * as core from '@actions/core';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MASTER_PIDFILE, MIGRATE_TO_DIR } from '../transport/ssh.js';
import { runDirOf } from './state.js';

async function post(): Promise<void> {
  const dir = runDirOf();
  if (!dir) return;
  for (const [file, what] of [
    ['qemu.pid', 'the VM'],
    [MASTER_PIDFILE, 'the SSH connection'],
    [path.join(MIGRATE_TO_DIR, MASTER_PIDFILE), 'the SSH connection to the migrate-to host'],
  ]) {
    const pid = Number((await fs.readFile(path.join(dir, file), 'utf8').catch(() => '')).trim());
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
        core.info(`post: stopped ${what} (pid ${pid})`);
      } catch {
        /* already gone */
      }
    }
  }
  await fs.rm(dir, { recursive: true, force: true });
}

post().catch((e) => core.warning(`post: ${(e as Error).message}`));
