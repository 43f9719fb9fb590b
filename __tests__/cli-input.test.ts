// Bad input through the real bundled CLI: exit 2, one line naming the input
// and the fix, and nothing started or left behind (no run directory, no image
// cache, no out dir). Hostile names among them must never reach a shell.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kvmVerdict, probe } from '../src/host/accel.js';
import { buildDeb, touchWithoutSlash } from './e2e/debs.js';
import { runNode } from './e2e/run.js';

let dir: string;
/** What a hostile name would create if anything passed it through a shell. */
let canary: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cli-input-'));
  canary = path.join(dir, 'pwned');
  await fs.writeFile(path.join(dir, 'notes.deb'), 'this is not a Debian package\n');
  // Real OpenSSH keys: one without a passphrase, one with; a known_hosts for another host.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret words', '-f', path.join(dir, 'id-locked')]);
  const pub = (await fs.readFile(path.join(dir, 'id.pub'), 'utf8')).trim();
  await fs.writeFile(path.join(dir, 'known_hosts'), `[192.0.2.10]:2222 ${pub}\n`);
  await buildDeb(path.join(dir, 'arm64.deb'), { name: 'xc-tool', arch: 'arm64' });
  // Two candidate sets that give one package in two versions.
  for (const [set, version] of [['set-a', '1.0'], ['set-b', '2.0']]) {
    await fs.mkdir(path.join(dir, set));
    await buildDeb(path.join(dir, set, `xc-tool_${version}_all.deb`), { name: 'xc-tool', version });
  }
  // Two files that claim the same package and version but differ.
  await fs.mkdir(path.join(dir, 'same-claim'));
  await buildDeb(path.join(dir, 'same-claim', 'a.deb'), { name: 'xc-tool', files: { '/usr/share/xc-tool/a': { content: 'a' } } });
  await buildDeb(path.join(dir, 'same-claim', 'b.deb'), { name: 'xc-tool', files: { '/usr/share/xc-tool/b': { content: 'b' } } });
  // A real package whose file name would run commands in a shell; one for another architecture too.
  await fs.mkdir(path.join(dir, 'hostile'));
  const touch = touchWithoutSlash(canary);
  await buildDeb(path.join(dir, 'hostile', `x $(${touch}); \`${touch}\` it's "q"\n| ${touch} #.deb`), { name: 'xc-tool' });
  await fs.mkdir(path.join(dir, 'hostile-arm64'));
  await buildDeb(path.join(dir, 'hostile-arm64', `y $(${touch});\n.deb`), { name: 'xc-tool', arch: 'arm64' });
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

// An SSH target whose settings each case gets wrong in one way.
const SSH = ['--target', 'ssh', '--ssh-host', '192.0.2.10', '--ssh-port', '2222'];
const kvm = kvmVerdict(await probe());

const cases: [string, string[], RegExp][] = [
  ['an unknown distro', ['--distro', 'plan9'], /^xen-conformance: distro: "plan9" is not a known distro; pass one of .*debian-12/],
  ['an unknown check id', ['--checks', 'boot.nope'], /^xen-conformance: checks: .*boot\.nope/],
  ['a glob that matches nothing', ['--packages', 'no-such-dir/*.deb'], /matched no file/],
  ['a file that is not a package', ['--packages', '{dir}/notes.deb'], /notes\.deb is not a Debian package/],
  ['a package for another architecture', ['--packages', '{dir}/arm64.deb'], /arm64\.deb is built for arm64; this run's host is amd64: pass amd64 or all packages$/],
  [
    'two candidate sets with one package in two versions',
    ['--packages', '{dir}/set-a/*.deb', '--packages', '{dir}/set-b/*.deb'],
    /^xen-conformance: packages: two versions of xc-tool: .*set-a\/xc-tool_1\.0_all\.deb \(1\.0\) and .*set-b\/xc-tool_2\.0_all\.deb \(2\.0\); pass one version of each package$/,
  ],
  ['two different files that claim one package and version', ['--packages', '{dir}/same-claim/*.deb'], /a\.deb and .*b\.deb both give xc-tool 1\.0 but differ; pass only one of them$/],
  ['a zero timeout', ['--timeout-boot', '0'], /^xen-conformance: timeout-boot: "0" is not a positive whole number of seconds/],
  ['a malformed timeout', ['--timeout-reboot', '5m'], /^xen-conformance: timeout-reboot: "5m" is not a positive whole number of seconds; e\.g\. 300$/],
  ['a negative timeout', ['--timeout-check=-1'], /^xen-conformance: timeout-check: "-1" is not a positive whole number/],
  ['a timeout flag whose value looks like a flag', ['--timeout-check', '-1'], /^xen-conformance: Option '--timeout-check' argument is ambiguous\. .*use '--timeout-check=-XYZ'/],
  ['an out dir that cannot be written (under a file)', ['--out', '{dir}/notes.deb/report'], /^xen-conformance: out-dir: .*notes\.deb\/report cannot be written \(ENOTDIR\); choose a directory you can write$/],
  // Distros whose archives these machines cannot reach: no image is built for them, the user brings the distro's own.
  ...([
    ['fedora-45', 'Fedora Linux 45', 'https://fedoraproject.org/cloud/download'],
    ['centos-stream-9', 'CentOS Stream 9', 'https://cloud.centos.org/centos/9-stream/x86_64/images/'],
    ['opensuse-leap-15.6', 'openSUSE Leap 15.6', 'https://download.opensuse.org/distribution/leap/15.6/appliances/'],
    ['ubuntu-24.04', 'Ubuntu 24.04 LTS', 'https://cloud-images.ubuntu.com/noble/current/'],
  ] as const).map(([id, title, page]): [string, string[], RegExp] => [
    `${id} without image-url`,
    ['--distro', id, '--checks', 'host-before-reboot,dom0'],
    new RegExp(`^xen-conformance: distro: no image can be built for ${id} here; pass image-url and image-sha256 of its official cloud image \\(${title.replace(/\./g, '\\.')}.* publishes them at ${page.replace(/[./]/g, (c) => `\\${c}`)}\\)$`),
  ]),
  // Node's own recursive mkdir never returns there: the CLI used to hang before printing anything.
  ['an out dir on a pseudo-filesystem', ['--out', '/proc/forbidden/report'], /^xen-conformance: out-dir: \/proc\/forbidden\/report cannot be written \(ENOENT\); choose a directory you can write$/],
  ['an out dir that is a file', ['--out', '{dir}/notes.deb'], /^xen-conformance: out-dir: .*notes\.deb is a file, not a directory; choose a directory you can write$/],
  ['an unknown flag', ['--colour', 'red'], /^xen-conformance: Unknown option '--colour'/],
  ['a cloud image URL without its checksum', ['--image-url', 'https://cloud.example.org/d.qcow2'], /^xen-conformance: image-url is given without image-sha256; /],
  ['a checksum that is not SHA-256', ['--image-url', 'https://cloud.example.org/d.qcow2', '--image-sha256', 'abc'], /^xen-conformance: image-sha256: "abc" is not a SHA-256 checksum \(64 hex digits\)/],
  ['a cloud image path instead of a URL', ['--image-url', '/srv/d.qcow2', '--image-sha256', 'a'.repeat(64)], /^xen-conformance: image-url: "\/srv\/d\.qcow2" is not a URL; pass the http\(s\) address/],
  ['no command', [], /expected the command "run"/],
  // Hostile names: plain names all the way, never a shell word.
  ['a check id with $(...), ; and quotes', ['--checks', `boot.x$(touch {canary}); touch {canary} 'q"`], /^xen-conformance: checks: "boot\.x\$\(touch .*pwned\)\; touch .*" is not a known check/],
  ['a hostile package file name for another architecture', ['--packages', '{dir}/hostile-arm64/*.deb'], /^xen-conformance: ".*hostile-arm64\/y \$\(touch .*\);\\n\.deb" is built for arm64/],
  ['a hostile package file name (read, then an out dir that cannot be written)', ['--packages', '{dir}/hostile/*.deb', '--out', '{dir}/notes.deb/x'], /^xen-conformance: out-dir: .*cannot be written \(ENOTDIR\)/],
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
];
if (!kvm.ok) cases.push(['accel kvm where KVM cannot run Xen', ['--accel', 'kvm'], /^xen-conformance: accel: kvm was asked for but .*; use accel: auto or tcg$/]);

describe.each(cases)('the CLI given %s', (_what, flags, message) => {
  test('exits 2 with one line and starts nothing', async () => {
    // A temp dir of its own: a run directory (xc-run-*) would appear there, and no other run's can.
    const tmp = await fs.mkdtemp(path.join(dir, 'tmp-'));
    const fill = (f: string) => f.replace(/\{dir\}/g, dir).replace(/\{canary\}/g, canary);
    const out = path.join(dir, 'out-never');
    // An out dir of its own unless the case is about it: a bad input found later must not leave it behind.
    const args = flags.length ? ['run', ...flags.map(fill), ...(flags.includes('--out') ? [] : ['--out', out])] : [];
    const r = await runNode('dist/cli.js', args, { XDG_CACHE_HOME: path.join(dir, 'cache'), TMPDIR: tmp });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(await fs.readdir(tmp)).toEqual([]);
    // Not even the image cache or the out dir was touched, and no hostile name ran.
    await expect(fs.access(path.join(dir, 'cache'))).rejects.toThrow();
    await expect(fs.access(out)).rejects.toThrow();
    await expect(fs.access(canary)).rejects.toThrow();
  });
});
