// Bad input through the real bundled CLI: exit 2, one line naming the input
// and the fix, and nothing started (no VM, no run directory).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNode } from './e2e/run.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cli-input-'));
  await fs.writeFile(path.join(dir, 'notes.deb'), 'this is not a Debian package\n');
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

const runDirs = async () => (await fs.readdir(os.tmpdir())).filter((f) => f.startsWith('xc-run-'));

describe.each([
  ['an unknown distro', ['--distro', 'plan9'], /^xen-conformance: distro: "plan9" is not a known distro; pass one of .*debian-12/],
  ['an unknown check id', ['--checks', 'boot.nope'], /^xen-conformance: checks: .*boot\.nope/],
  ['a glob that matches nothing', ['--packages', 'no-such-dir/*.deb'], /matched no file/],
  ['a file that is not a package', ['--packages', '{dir}/notes.deb'], /notes\.deb is not a Debian package/],
  ['a zero timeout', ['--timeout-boot', '0'], /^xen-conformance: timeout-boot: "0" is not a positive whole number of seconds/],
  ['an unknown flag', ['--colour', 'red'], /^xen-conformance: Unknown option '--colour'/],
  ['a cloud image URL without its checksum', ['--image-url', 'https://cloud.example.org/d.qcow2'], /^xen-conformance: image-url is given without image-sha256; /],
  ['a checksum that is not SHA-256', ['--image-url', 'https://cloud.example.org/d.qcow2', '--image-sha256', 'abc'], /^xen-conformance: image-sha256: "abc" is not a SHA-256 checksum \(64 hex digits\)/],
  ['a cloud image path instead of a URL', ['--image-url', '/srv/d.qcow2', '--image-sha256', 'a'.repeat(64)], /^xen-conformance: image-url: "\/srv\/d\.qcow2" is not a URL; pass the http\(s\) address/],
  ['no command', [], /expected the command "run"/],
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
  });
});
