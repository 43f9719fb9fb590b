import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { checkOutDirWritable, parseSettings, type RawSettings } from '../src/settings.js';

const ctx = {
  knownDistros: ['debian-12', 'debian-13'],
  knownChecks: ['xen-booted', 'dom0-memory', 'xl-list', 'domu-boots', 'grub-entry'],
  cwd: '/work/repo',
  defaultCacheDir: '/var/cache/xen-conformance',
};

/** The one line parseSettings rejects these settings with. */
function rejection(raw: RawSettings | Record<string, unknown>): string {
  try {
    parseSettings(raw as RawSettings, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as InputError).message;
    expect(message).not.toMatch(/\n/);
    expect(message).not.toMatch(/Invalid input|expected string, received/); // zod's own wording stays out
    return message;
  }
  throw new Error('expected an InputError');
}

describe('parseSettings defaults', () => {
  const defaults = {
    config: {
      distro: 'debian-12',
      checks: null,
      outDir: '/work/repo/xen-conformance-report',
      accel: 'auto',
      timeouts: { image: 900, boot: 300, install: 600, reboot: 300, check: 120, shutdown: 120 },
      cacheDir: '/var/cache/xen-conformance',
      target: { kind: 'qemu' },
      expectedFailures: [],
      installHostTools: true,
    },
    packagePatterns: [],
  };

  it('fills every default when nothing is given', () => {
    expect(parseSettings({}, ctx)).toEqual(defaults);
  });

  it('treats empty and blank inputs (what an action gives for an unset input) as not given', () => {
    const blank: RawSettings = {
      distro: '',
      packages: '',
      checks: ' ',
      'out-dir': '',
      accel: '',
      'timeout-image': '',
      'timeout-boot': ' ',
      'timeout-install': '',
      'timeout-reboot': '',
      'timeout-check': '',
      'cache-dir': '',
      target: '',
      'ssh-host': '',
      'ssh-user': '',
      'ssh-port': '',
      'ssh-key': '',
      'ssh-known-hosts': '',
      'migrate-to': '',
    };
    expect(parseSettings(blank, ctx)).toEqual(defaults);
  });
});

describe('parseSettings values', () => {
  it('takes every setting as given', () => {
    const got = parseSettings(
      {
        distro: ' debian-13 ',
        packages: 'debs/*.deb\n\n# tools\n  tools/xen-utils.deb \n!debs/*-dbgsym*.deb',
        checks: 'xl-list, xen-booted\ndom0-memory,xl-list,',
        'out-dir': 'out/report',
        accel: 'KVM',
        'timeout-image': '1200',
        'timeout-boot': '60',
        'timeout-install': '0600',
        'timeout-reboot': '86400',
        'timeout-check': '1',
        'cache-dir': '/tmp/cache',
      },
      ctx,
    );
    expect(got).toEqual({
      config: {
        distro: 'debian-13',
        checks: ['xl-list', 'xen-booted', 'dom0-memory'],
        outDir: '/work/repo/out/report',
        accel: 'kvm',
        timeouts: { image: 1200, boot: 60, install: 600, reboot: 86400, check: 1, shutdown: 120 },
        cacheDir: '/tmp/cache',
        target: { kind: 'qemu' },
        expectedFailures: [],
        installHostTools: true,
      },
      packagePatterns: ['debs/*.deb', 'tools/xen-utils.deb', '!debs/*-dbgsym*.deb'],
    });
  });

  it('resolves relative directories against cwd and ~ against home', () => {
    const got = parseSettings({ 'out-dir': '../elsewhere', 'cache-dir': '~/.cache/xc' }, ctx);
    expect(got.config.outDir).toBe('/work/elsewhere');
    expect(got.config.cacheDir).toBe(join(homedir(), '.cache/xc'));
  });
});

describe('parseSettings errors', () => {
  it('names the known distros', () => {
    expect(rejection({ distro: 'ubuntu-24.04' })).toBe(
      'distro: "ubuntu-24.04" is not a known distro; pass one of debian-12, debian-13',
    );
  });

  it('suggests near matches for a mistyped check id', () => {
    expect(rejection({ checks: 'xl-list,xen-boted' })).toBe('checks: "xen-boted" is not a known check; did you mean xen-booted?');
    expect(rejection({ checks: 'domu' })).toBe('checks: "domu" is not a known check; did you mean domu-boots?');
  });

  it('expands a group name to its checks, keeping ids given alongside it once', () => {
    const groups = { dom0: ['xen-booted', 'dom0-memory'], domU: ['domu-boots'] };
    const { config } = parseSettings({ checks: 'dom0,xl-list,xen-booted' }, { ...ctx, checkGroups: groups });
    expect(config.checks).toEqual(['xen-booted', 'dom0-memory', 'xl-list']);
    expect(() => parseSettings({ checks: 'dom1' }, { ...ctx, checkGroups: groups })).toThrow('checks: "dom1" is not a known check');
  });

  it('lists the known checks when nothing is near', () => {
    expect(rejection({ checks: 'nonsense' })).toBe(
      'checks: "nonsense" is not a known check; known checks: xen-booted, dom0-memory, xl-list, domu-boots, grub-entry',
    );
  });

  it.each(['0s', '0', '-5', '300s', '5m', '1.5', 'abc', '1e3', '0x10', '3 00'])('rejects timeout %j', (value) => {
    expect(rejection({ 'timeout-boot': value })).toBe(`timeout-boot: "${value}" is not a positive whole number of seconds; e.g. 300`);
  });

  it('names the right timeout and its own default as the example', () => {
    expect(rejection({ 'timeout-check': 'soon' })).toBe('timeout-check: "soon" is not a positive whole number of seconds; e.g. 120');
    expect(rejection({ 'timeout-image': '-1' })).toBe('timeout-image: "-1" is not a positive whole number of seconds; e.g. 900');
  });

  it('rejects a timeout past a day, which node timers cannot hold safely at larger sizes', () => {
    expect(rejection({ 'timeout-install': '99999999999' })).toBe(
      'timeout-install: "99999999999" is more than a day (86400 seconds); e.g. 600',
    );
  });

  it('rejects an unknown accelerator', () => {
    expect(rejection({ accel: 'hvf' })).toBe('accel: "hvf" is not one of auto, kvm, tcg; pass one of them, or leave it empty for auto');
  });

  it('rejects an unknown setting name (a typo in a flag or input)', () => {
    expect(rejection({ 'timeout-boto': '30' })).toMatch(/^timeout-boto is not a known setting; known settings: distro, packages, /);
  });

  it('rejects a value that is not text (a flag given without a value)', () => {
    expect(rejection({ distro: true })).toBe('distro: expected a text value; pass it as a string, e.g. distro: "..."');
  });

  it('reports the first problem when there are several', () => {
    expect(rejection({ distro: 'nope', accel: 'hvf' })).toMatch(/^distro: /);
  });
});

describe('parseSettings for target ssh', () => {
  const KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----';
  const KNOWN = '[192.0.2.10]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp9k+lv/KnLpWgV07vMgTa6pVfW5Wa048R8w3ze34n9';
  const ssh = { target: 'ssh', 'ssh-host': '192.0.2.10', 'ssh-port': '2222', 'ssh-key': KEY, 'ssh-known-hosts': KNOWN };

  it('takes host, port, key and known_hosts; user root and port 22 by default', () => {
    expect(parseSettings(ssh, ctx).config.target).toEqual({ kind: 'ssh', host: '192.0.2.10', user: 'root', port: 2222, key: KEY + '\n', knownHosts: KNOWN + '\n' });
    expect(parseSettings({ ...ssh, 'ssh-port': '' }, ctx).config.target).toMatchObject({ port: 22, user: 'root' });
  });

  it('gives the key and known_hosts back with Unix line ends and a final newline (OpenSSH needs both)', () => {
    const got = parseSettings({ ...ssh, 'ssh-key': `  ${KEY.replace(/\n/g, '\r\n')}\r\n\r\n` }, ctx).config.target;
    expect(got).toMatchObject({ key: KEY + '\n' });
  });

  it('takes migrate-to as host, host:port or [address]:port, the port defaulting to ssh-port', () => {
    const m = (v: string) => (parseSettings({ ...ssh, 'migrate-to': v }, ctx).config.target as { migrateTo?: unknown }).migrateTo;
    expect(m('xen2.example.org')).toEqual({ host: 'xen2.example.org', port: 2222 });
    expect(m('xen2:22')).toEqual({ host: 'xen2', port: 22 });
    expect(m('[2001:db8::2]:2200')).toEqual({ host: '2001:db8::2', port: 2200 });
    expect(rejection({ ...ssh, 'migrate-to': 'xen2:ssh' })).toBe('migrate-to: "ssh" is not a port number (1-65535); e.g. 22');
    // The same machine cannot be the second one (another port of it can: a forwarded port is another machine).
    expect(rejection({ ...ssh, 'migrate-to': '192.0.2.10' })).toBe(
      'migrate-to: 192.0.2.10:2222 is ssh-host itself; pass a second Xen machine, or leave migrate-to out (the migration checks then stay on the one host)',
    );
    expect(m('192.0.2.10:22')).toEqual({ host: '192.0.2.10', port: 22 });
  });

  it('needs a host, known_hosts and a key, in that order', () => {
    expect(rejection({ target: 'ssh' })).toBe('ssh-host: required with target ssh; pass the host name or address of your Xen machine');
    expect(rejection({ ...ssh, 'ssh-known-hosts': ' ' })).toMatch(/^ssh-known-hosts: required with target ssh \(a host key is never accepted unseen\); .*ssh-keyscan -p 2222 192\.0\.2\.10/);
    expect(rejection({ ...ssh, 'ssh-key': '' })).toMatch(/^ssh-key: required with target ssh; /);
  });

  it.each(['22x', '0', '65536', '-1', ' 2 2'])('rejects port %j', (port) => {
    expect(rejection({ ...ssh, 'ssh-port': port })).toBe(`ssh-port: ${JSON.stringify(port.trim())} is not a port number (1-65535); e.g. 22`);
  });

  it.each(['-oProxyCommand=touch /tmp/x', 'root@xen1', 'xen1 -p 22', 'a;b', '$(id)', "x'y", 'a\nb'])('rejects host name %j (nothing ssh could read as an option or a second word)', (host) => {
    const message = rejection({ ...ssh, 'ssh-host': host });
    expect(message).toMatch(/^ssh-host: ".*" is not a host name or address; /);
  });

  it.each(['-l', 'root bob', 'a@b'])('rejects user %j', (user) => {
    expect(rejection({ ...ssh, 'ssh-user': user })).toMatch(/^ssh-user: ".*" is not a login name; e\.g\. root$/);
  });

  it.each(['ssh-host', 'ssh-user', 'ssh-port', 'ssh-key', 'ssh-known-hosts', 'migrate-to'])('rejects %s with target qemu', (name) => {
    const value = name === 'ssh-port' ? '22' : name === 'ssh-key' ? KEY : 'xen1';
    expect(rejection({ [name]: value })).toBe(`${name}: only used with target ssh; set target: ssh, or leave ${name} out to run on the embedded QEMU VM`);
  });

  it('rejects an accelerator with target ssh, and an unknown target', () => {
    expect(rejection({ ...ssh, accel: 'kvm' })).toBe('accel: "kvm" only applies to target qemu; leave it out with target ssh');
    expect(rejection({ target: 'local' })).toBe('target: "local" is not one of qemu, ssh; use qemu (a VM on the runner) or ssh (your own Xen machine)');
  });

  it('never quotes the key in a message', () => {
    expect(rejection({ ...ssh, 'ssh-host': '' })).not.toContain('b3BlbnNzaC1rZXkt');
    expect(rejection({ 'ssh-key': KEY })).not.toContain('b3BlbnNzaC1rZXkt');
  });
});

describe('parseSettings: a cloud image', () => {
  const sha = 'AB'.repeat(32);

  it('takes a URL and its SHA-256 together, the checksum in lower case', () => {
    const got = parseSettings({ 'image-url': ' https://cloud.example.org/debian-12-genericcloud-amd64.qcow2 ', 'image-sha256': sha }, ctx);
    expect(got.config.image).toEqual({ url: 'https://cloud.example.org/debian-12-genericcloud-amd64.qcow2', sha256: 'ab'.repeat(32) });
  });

  it('takes a checksum written as sha256:<hex>', () => {
    expect(parseSettings({ 'image-url': 'http://127.0.0.1:8080/d.raw', 'image-sha256': `sha256:${sha}` }, ctx).config.image?.sha256).toBe('ab'.repeat(32));
  });

  it('builds the image when neither is given (blank action inputs included)', () => {
    expect(parseSettings({ 'image-url': '', 'image-sha256': ' ' }, ctx).config.image).toBeUndefined();
  });

  it('refuses a URL without a checksum, and a checksum without a URL', () => {
    expect(rejection({ 'image-url': 'https://x.example/d.qcow2' })).toBe(
      "image-url is given without image-sha256; pass the image's SHA-256 too (nothing is booted unchecked)",
    );
    expect(rejection({ 'image-sha256': sha })).toBe("image-sha256 is given without image-url; pass the cloud image's URL too, or neither");
  });

  it('refuses a checksum that is not 64 hex digits, naming the setting', () => {
    expect(rejection({ 'image-url': 'https://x.example/d.qcow2', 'image-sha256': 'ab'.repeat(31) })).toMatch(/^image-sha256: "(ab)+" is not a SHA-256 checksum \(64 hex digits\)/);
    // Debian publishes SHA-512 sums: the wrong kind of checksum is named, not taken.
    expect(rejection({ 'image-url': 'https://x.example/d.qcow2', 'image-sha256': 'ab'.repeat(64) })).toMatch(/^image-sha256: .* is not a SHA-256 checksum/);
  });

  it('refuses what is not an http(s) URL', () => {
    expect(rejection({ 'image-url': 'debian.qcow2', 'image-sha256': sha })).toBe(
      'image-url: "debian.qcow2" is not a URL; pass the http(s) address of a qcow2 or raw cloud image',
    );
    expect(rejection({ 'image-url': 'file:///srv/debian.qcow2', 'image-sha256': sha })).toMatch(/^image-url: "file:\/\/\/srv\/debian\.qcow2" is not an http\(s\) URL/);
    expect(rejection({ 'image-url': 'ftp://x.example/d.qcow2' })).toMatch(/^image-url: .* is not an http\(s\) URL/);
  });
});

describe('checkOutDirWritable', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'settings-'));
  });
  afterAll(() => {
    chmodSync(root, 0o700);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates a missing directory and leaves no probe behind', async () => {
    const dir = join(root, 'a/b/report');
    await checkOutDirWritable(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('accepts an existing writable directory', async () => {
    await expect(checkOutDirWritable(root)).resolves.toBeUndefined();
  });

  it('rejects a path that is a file', async () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    await expect(checkOutDirWritable(file)).rejects.toThrow(
      new InputError(`out-dir: ${file} is a file, not a directory; choose a directory you can write`),
    );
  });

  it('rejects a path under a file', async () => {
    const dir = join(root, 'file2/report');
    writeFileSync(join(root, 'file2'), '');
    await expect(checkOutDirWritable(dir)).rejects.toThrow(
      new InputError(`out-dir: ${dir} cannot be written (ENOTDIR); choose a directory you can write`),
    );
  });

  it('rejects a file system that refuses new directories', async () => {
    // sysfs refuses mkdir even to root, so this runs under any user. (Not /proc: node's
    // recursive mkdir spins forever there, as it gets ENOENT under an existing parent.)
    await expect(checkOutDirWritable('/sys/xen-conformance-report')).rejects.toThrow(
      /^out-dir: \/sys\/xen-conformance-report cannot be written \((EPERM|EACCES|EROFS)\); choose a directory you can write$/,
    );
  });

  // root may write anywhere the mode bits say no, so EACCES is only seen as another user.
  (process.getuid?.() === 0 ? it.skip : it)('rejects a directory without write permission', async () => {
    const dir = join(root, 'locked');
    mkdirSync(dir, { mode: 0o500 });
    await expect(checkOutDirWritable(dir)).rejects.toThrow(
      new InputError(`out-dir: ${dir} cannot be written (EACCES); choose a directory you can write`),
    );
  });
});
