// The SSH target's key and known_hosts arrive as text (an action secret, or a
// file the CLI read). ssh reads files: they are written 0600 into a private
// directory, and checked with OpenSSH's own tools before anything starts.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SshTargetConfig } from '../config.js';
import { InputError } from '../errors.js';
import { lastLine, run } from '../proc.js';

export interface SshFiles {
  keyFile: string;
  knownHostsFile: string;
}

/** Write the key and known_hosts into dir (which must be private to this run), readable by the owner only. */
export async function writeSshFiles(dir: string, t: SshTargetConfig): Promise<SshFiles> {
  const keyFile = path.join(dir, 'ssh-key');
  const knownHostsFile = path.join(dir, 'known_hosts');
  await fs.writeFile(keyFile, t.key, { mode: 0o600, flag: 'wx' });
  await fs.writeFile(knownHostsFile, t.knownHosts, { mode: 0o600, flag: 'wx' });
  return { keyFile, knownHostsFile };
}

/** How known_hosts names a host on a port (ssh's own convention). */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/**
 * Bad SSH input as one line, before anything starts: a key that is no
 * private key or needs a passphrase, a known_hosts with no line for a host.
 * Nothing is connected to; the files are removed again.
 */
export async function checkSshInput(t: SshTargetConfig): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-key-'));
  try {
    const files = await writeSshFiles(dir, t);
    // -P '' answers a passphrase prompt with nothing: an encrypted key fails at once, never waits on a tty.
    const key = await run(['ssh-keygen', '-y', '-P', '', '-f', files.keyFile], { phase: 'check ssh-key', timeoutMs: 10_000, allowFailure: true });
    if (key.code !== 0) {
      // ssh-keygen's reason names our copy's path, never the key's text.
      const why = lastLine(key.stderr.replace(/Load key "[^"]*": /, '')) || `exit ${key.code}`;
      if (/passphrase/i.test(why)) {
        throw new InputError('ssh-key: the key is protected by a passphrase, which an unattended run cannot type; pass a key without one (e.g. a key made for this purpose only)');
      }
      throw new InputError(`ssh-key: not a private key OpenSSH can read (ssh-keygen: ${why}); pass the private key's text (the file that begins "-----BEGIN"), not the .pub file or a path`);
    }
    const hosts = [{ name: 'ssh-host', host: t.host, port: t.port }, ...(t.migrateTo ? [{ name: 'migrate-to', ...t.migrateTo }] : [])];
    for (const h of hosts) {
      const entry = knownHostsName(h.host, h.port);
      const found = await run(['ssh-keygen', '-F', entry, '-f', files.knownHostsFile], { phase: 'check ssh-known-hosts', timeoutMs: 10_000, allowFailure: true });
      if (found.code !== 0) {
        throw new InputError(
          `ssh-known-hosts: no line for ${entry} (the ${h.name}); add the host's key as ssh-keyscan -p ${h.port} ${h.host} prints it, checked against the machine's own key`,
        );
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
