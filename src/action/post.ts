// Always runs after the main step, even when it was cancelled or crashed:
// ends the VM by its pidfile and removes the run's private directory.
import * as core from '@actions/core';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

async function post(): Promise<void> {
  const dir = core.getState('runDir');
  if (!dir) return;
  const pid = Number((await fs.readFile(path.join(dir, 'qemu.pid'), 'utf8').catch(() => '')).trim());
  if (pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
      core.info(`post: stopped the VM (pid ${pid})`);
    } catch {
      /* already gone */
    }
  }
  await fs.rm(dir, { recursive: true, force: true });
}

post().catch((e) => core.warning(`post: ${(e as Error).message}`));
