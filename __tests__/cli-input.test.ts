// Bad input through the real bundled CLI: exit 2, one line naming the input
// and the fix, and nothing started (no VM, no run directory).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNode } from './e2e/run.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cli-input-'));
  await fs.writeFile(path.join(dir, 'notes.deb'), 'this is not a Debian package\n');
  // Real OpenSSH keys: one without a passphrase, one with; a known_hosts for another host.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', path.join(dir, 'id-locked')]);
  const pub = (await fs.readFile(path.join(dir, 'id.pub'), 'utf8')).trim();
  await fs.writeFile(path.join(dir, 'known_hosts'), `[192.0.2.10]:2222 ${pub}\n`);
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

// The run's private directory, and the one the SSH key is checked in.
const runDirs = async () => (await fs.readdir(os.tmpdir())).filter((f) => /^xc-(run|key)-/.test(f));
const SSH = ['--target', 'ssh', '--ssh-host', '192.0.2.10', '--ssh-port', '2222'];

describe.each([
  ['an unknown distro', ['--distro', 'plan9'], /^xen-conformance: distro: "plan9" is not a known distro; pass one of .*debian-12/],
  ['an unknown check id', ['--checks', 'boot.nope'], /^xen-conformance: checks: .*boot\.nope/],
  ['a glob that matches nothing', ['--packages', 'no-such-dir/*.deb'], /matched no file/],
  ['a file that is not a package', ['--packages', '{dir}/notes.deb'], /notes\.deb is not a Debian package/],
  ['a zero timeout', ['--timeout-boot', '0'], /^xen-conformance: timeout-boot: "0" is not a positive whole number of seconds/],
  ['an unknown flag', ['--colour', 'red'], /^xen-conformance: Unknown option '--colour'/],
  ['no command', [], /expected the command "run"/],
  ['target ssh without a host', ['--target', 'ssh'], /^xen-conformance: ssh-host: required with target ssh; /],
  ['target ssh without known_hosts', [...SSH, '--ssh-key', '{dir}/id'], /^xen-conformance: ssh-known-hosts: required with target ssh \(a host key is never accepted unseen\); .*ssh-keyscan -p 2222 192\.0\.2\.10/],
  ['a known_hosts without a line for the host', [...SSH.slice(0, 4), '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}/id'], /^xen-conformance: ssh-known-hosts: no line for 192\.0\.2\.10 \(the ssh-host\); /],
  ['a missing key file', [...SSH, '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}/no-such-key'], /^xen-conformance: ssh-key: cannot read .*no-such-key \(ENOENT\); pass the path of a private key file you can read$/],
  ['an unreadable key (a directory)', [...SSH, '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}'], /^xen-conformance: ssh-key: cannot read .* \(EISDIR\); /],
  ['the public key instead of the private one', [...SSH, '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}/id.pub'], /^xen-conformance: ssh-key: not a private key OpenSSH can read \(ssh-keygen: .*\); /],
  ['a key with a passphrase', [...SSH, '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}/id-locked'], /^xen-conformance: ssh-key: the key is protected by a passphrase, /],
  ['a port that is not a number', [...SSH.slice(0, 4), '--ssh-port', '22a', '--ssh-known-hosts', '{dir}/known_hosts', '--ssh-key', '{dir}/id'], /^xen-conformance: ssh-port: "22a" is not a port number \(1-65535\); e\.g\. 22$/],
  ['an ssh setting with target qemu', ['--ssh-host', 'xen1'], /^xen-conformance: ssh-host: only used with target ssh; /],
  ['a host name that ssh would read as an option', ['--target', 'ssh', '--ssh-host=-oProxyCommand=touch {dir}/pwned'], /^xen-conformance: ssh-host: "-oProxyCommand=touch .*pwned" is not a host name or address; /],
])('the CLI given %s', (_what, flags, message) => {
  test('exits 2 with one line and starts nothing', async () => {
    const before = await runDirs();
    const args = flags.length ? ['run', ...flags.map((f) => f.replace('{dir}', dir))] : [];
    const r = await runNode('dist/cli.js', args, { XDG_CACHE_HOME: path.join(dir, 'cache') });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(await runDirs()).toEqual(before);
    // Not even the image cache was touched.
    await expect(fs.access(path.join(dir, 'cache'))).rejects.toThrow();
    await expect(fs.access(path.join(dir, 'pwned'))).rejects.toThrow();
  });
});
