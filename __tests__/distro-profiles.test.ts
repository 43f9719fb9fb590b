// The releases beyond Debian: each is accepted, says it is not verified end
// to end, stops before anything starts when no image can be built for it,
// and its parts read the outputs its tools print (recorded by hand from the
// packaging: fixtures/distros/README.md) the way the checks need.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultIsXen, grubXenEntry } from '../src/checks/boot.js';
import { metaPackage, xenstoreUtilsSeparate, XL_MAN_PAGE, XENSTORE_READ } from '../src/checks/packaging.js';
import { servicesEnabled } from '../src/checks/services.js';
import { DISTRO_IDS, profileFor } from '../src/distro/index.js';
import { parseRpmInstalled, parseRpmOwners, requireAlternatives, RPM_INSTALLED, rpmOwner } from '../src/distro/rpm/rpm-parse.js';
import { InputError } from '../src/errors.js';
import { prepare } from '../src/prepare.js';
import type { Check } from '../src/checks/check.js';
import type { DistroProfile } from '../src/distro/profile.js';
import type { CheckResult } from '../src/report/types.js';
import { runChecks } from '../src/suite.js';
import { type Answers, fakeHost, suiteOptions } from './helpers/fakeHost.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/distros/${name}`, import.meta.url), 'utf8');

const UNVERIFIED: [string, string][] = [
  ['ubuntu-24.04', 'https://cloud-images.ubuntu.com/noble/current/'],
  ['fedora-45', 'https://fedoraproject.org/cloud/download'],
  ['centos-stream-9', 'https://cloud.centos.org/centos/9-stream/x86_64/images/'],
  ['opensuse-leap-15.6', 'https://download.opensuse.org/distribution/leap/15.6/appliances/'],
];

describe('the profiles', () => {
  test('every release is a known distro; only the Debian ones are verified end to end', () => {
    expect(DISTRO_IDS).toEqual(['debian-12', 'debian-13', ...UNVERIFIED.map(([id]) => id)]);
    expect(DISTRO_IDS.map((id) => [id, profileFor(id).verified])).toEqual([
      ['debian-12', true],
      ['debian-13', true],
      ...UNVERIFIED.map(([id]) => [id, false]),
    ]);
  });

  test.each(UNVERIFIED)('%s has no image builder here and names its cloud images page', (id, page) => {
    const p = profileFor(id);
    expect(p.image).toBeUndefined();
    expect(p.cloudImagePage).toBe(page);
  });

  test.each([
    ['fedora-45', 'NAME="Fedora Linux"\nVERSION="45 (Cloud Edition)"\nID=fedora\nVERSION_ID=45\nPRETTY_NAME="Fedora Linux 45 (Cloud Edition)"\n', 'ID=fedora\nVERSION_ID=44\nPRETTY_NAME="Fedora Linux 44 (Cloud Edition)"\n'],
    ['centos-stream-9', 'NAME="CentOS Stream"\nVERSION="9"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="9"\nPRETTY_NAME="CentOS Stream 9"\n', 'ID="almalinux"\nVERSION_ID="9.4"\nPRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"\n'],
    ['opensuse-leap-15.6', 'NAME="openSUSE Leap"\nVERSION="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\nPRETTY_NAME="openSUSE Leap 15.6"\n', 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nVERSION_ID="20261201"\nPRETTY_NAME="openSUSE Tumbleweed"\n'],
    ['ubuntu-24.04', 'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\nID=ubuntu\nID_LIKE=debian\n', 'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nID=ubuntu\n'],
  ])('%s knows its own os-release and names another', (id, own, other) => {
    const p = profileFor(id);
    expect(p.osReleaseMismatch(own)).toBeUndefined();
    expect(p.osReleaseMismatch(other)).toMatch(new RegExp(`^the image is .+, not ${p.title.replace(/[()]/g, '\\$&')}; pass the distro the image is of`));
  });
});

describe('a run on a release without an image builder', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'distro-profiles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** What prepare() (the CLI's and the action's first step) says, and that it left no out dir. */
  async function stops(raw: Record<string, string>): Promise<string> {
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const err = await prepare({ 'out-dir': out, ...raw }, dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    const message = (err as InputError).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
    return message;
  }

  test.each(UNVERIFIED)('%s without image-url stops before anything starts, saying where its cloud images are', async (id, page) => {
    const title = profileFor(id).title;
    expect(await stops({ distro: id })).toBe(
      `distro: no image can be built for ${id} here; pass image-url and image-sha256 of its official cloud image (${title} publishes them at ${page})`,
    );
  });

  test('with image-url, the domU checks still cannot run (their guest image is built here): one line says which checks to pass', async () => {
    const image = { 'image-url': 'https://download.fedoraproject.org/x.qcow2', 'image-sha256': 'a'.repeat(64) };
    expect(await stops({ distro: 'fedora-45', ...image })).toBe(
      'checks: the domU checks need a guest image, which cannot be built for fedora-45 here; pass checks: host-before-reboot,dom0 (the groups without a domU)',
    );
  });

  test('the image rule comes before the candidates are read', async () => {
    expect(await stops({ distro: 'centos-stream-9', packages: 'no-such-dir/*.rpm' })).toMatch(/^distro: no image can be built for centos-stream-9 here/);
  });

  test('debian-12 is not affected: its image is built here', async () => {
    expect(await stops({ distro: 'debian-12', packages: 'no-such-dir/*.deb' })).toMatch(/^packages: "no-such-dir\/\*\.deb" matched no file/);
  });
});

describe("rpm's answers, parsed", () => {
  test('Requires names become dependency clauses: rich dependencies give their alternatives, rpmlib() none', () => {
    expect(requireAlternatives('xen-runtime')).toEqual(['xen-runtime']);
    expect(requireAlternatives('(qemu-system-x86-core or qemu-kvm-core)')).toEqual(['qemu-system-x86-core', 'qemu-kvm-core']);
    expect(requireAlternatives('rpmlib(CompressedFileNames)')).toEqual([]);
    const db = parseRpmInstalled(fixture('fedora-rpm-qa-xen.txt'));
    expect(db.get('xen-hypervisor')!.provides).toContain('xen-hypervisor-abi');
    expect(db.get('xen')!.depends).toContainEqual(['xen-runtime']);
    expect(db.get('xen-licenses')!.depends).toEqual([]);
  });

  test("rpm -qf's complaints own nothing", () => {
    expect(parseRpmOwners('xen-runtime\n')).toEqual(['xen-runtime']);
    expect(parseRpmOwners('file /usr/share/man/man1/xl.1* is not owned by any package\n')).toEqual([]);
    expect(parseRpmOwners('error: file /usr/bin/xenstore-read: No such file or directory\n')).toEqual([]);
  });
});

// ------------------------------------------------------------ the checks on recorded outputs

/** One check through the real suite, against a fake host of this profile's release. */
async function check(c: Check, host: ReturnType<typeof fakeHost>, profile: DistroProfile): Promise<CheckResult> {
  const [r] = await runChecks([c], suiteOptions(host, { profile }));
  return r;
}

const enabled = (units: string[]): Answers => Object.fromEntries(units.map((u) => [`systemctl is-enabled ${u}`, { stdout: 'enabled\n' }]));
const owner = (path: string, name: string): Answers => ({ [rpmOwner(path).join(' ')]: { stdout: `${name}\n` } });

describe('Fedora 45 (rpm, native units, BootLoaderSpec with classic Xen entries)', () => {
  const profile = profileFor('fedora-45');
  const host = (more: Answers = {}) =>
    fakeHost({
      [RPM_INSTALLED.join(' ')]: { stdout: fixture('fedora-rpm-qa-xen.txt') },
      ...owner(XL_MAN_PAGE, 'xen-runtime'),
      ...owner(XENSTORE_READ, 'xen-runtime'),
      ...enabled(['xenstored', 'xenconsoled', 'xendomains']),
      'cat /boot/grub2/grub.cfg': { stdout: fixture('fedora-grub.cfg') },
      // /boot is its own partition: grub.cfg names /xen-4.19.1.gz, the host has /boot/xen-4.19.1.gz.
      'grub2-script-check /boot/grub2/grub.cfg': {},
      ...Object.fromEntries(['/boot/xen-4.19.1.gz', '/boot/vmlinuz-6.17.7-300.fc45.x86_64', '/boot/initramfs-6.17.7-300.fc45.x86_64.img'].map((f) => [`test -f ${f}`, {}])),
      'grub2-file --is-x86-multiboot2 /boot/xen-4.19.1.gz': {},
      'gzip -t /boot/xen-4.19.1.gz': {},
      'cat /boot/grub2/grubenv': { stdout: '# GRUB Environment Block\nsaved_entry=0f3b2c1d9e8a4b7c6d5e4f3a2b1c0d9e-6.17.7-300.fc45.x86_64\n' },
      ...more,
    });

  test('the meta package xen pulls in the hypervisor (through xen-hypervisor-abi), the tools and the man pages', async () => {
    const r = await check(metaPackage, host(), profile);
    expect([r.status, r.message]).toEqual([
      'pass',
      'xen pulls in the hypervisor: xen → xen-runtime → xen-hypervisor; the tools: xen → xen-runtime; the xl man page: xen → xen-runtime',
    ]);
  });

  test("the xenstore utilities are in the toolstack package: Fedora's packaging fails that item, as it is", async () => {
    const r = await check(xenstoreUtilsSeparate, host(), profile);
    expect([r.status, r.message]).toEqual(['fail', '/usr/bin/xenstore-read is shipped by xen-runtime, the full toolstack package']);
  });

  test('units enabled by presets pass; a disabled xendomains fails, in systemd\'s words', async () => {
    const unitsFor = (h: ReturnType<typeof host>) => check(servicesEnabled, h, profile);
    const good = await unitsFor(host());
    expect([good.status, good.message]).toEqual(['pass', 'enabled at boot: xenstored (enabled), xenconsoled (enabled), xendomains (enabled)']);
    const bad = await unitsFor(host({ 'systemctl is-enabled xendomains': { stdout: 'disabled\n', code: 1 } }));
    expect([bad.status, bad.message]).toEqual(['fail', expect.stringMatching(/^xendomains is disabled/)]);
    expect(bad.remedy).toContain('%systemd_post enables only what the presets enable');
  });

  test('20_linux_xen\'s classic entry (dracut\'s initramfs-<release>.img as its initrd) is found next to blscfg; a saved BLS kernel entry is not the Xen one, the Xen title is', async () => {
    expect((await check(grubXenEntry, host(), profile)).status).toBe('pass');
    const bls = await check(defaultIsXen, host(), profile);
    // The BLS entry is not in grub.cfg (blscfg reads /boot/loader/entries at boot): the check fails, saying no entry is named.
    expect([bls.status, bls.message]).toEqual(['fail', `set default="\${saved_entry}" names no entry in /boot/grub2/grub.cfg`]);
    const xen = await check(defaultIsXen, host({ 'cat /boot/grub2/grubenv': { stdout: 'saved_entry=Fedora Linux, with Xen hypervisor\n' } }), profile);
    expect([xen.status, xen.message]).toEqual(['pass', 'the default entry is "Fedora Linux, with Xen hypervisor"']);
  });

  test('nothing is asked with another family\'s tools', async () => {
    const h = host();
    for (const c of [metaPackage, xenstoreUtilsSeparate, servicesEnabled, grubXenEntry, defaultIsXen]) await check(c, h, profile);
    expect(h.calls.filter((c) => /dpkg|apt|update-grub|update-rc\.d|\/boot\/grub\/|\/etc\/rc\[/.test(c))).toEqual([]);
  });
});

describe('openSUSE Leap 15.6 (zypper, xen-tools as the package that pulls in everything)', () => {
  const profile = profileFor('opensuse-leap-15.6');
  const host = () =>
    fakeHost({
      [RPM_INSTALLED.join(' ')]: { stdout: fixture('opensuse-rpm-qa-xen.txt') },
      ...owner(XL_MAN_PAGE, 'xen-tools'),
      ...enabled(['xencommons', 'xen-init-dom0', 'xendomains']),
    });

  test('xen-tools pulls in the hypervisor (xen) and ships the tools and the man pages itself', async () => {
    const r = await check(metaPackage, host(), profile);
    expect([r.status, r.message]).toEqual(['pass', 'xen-tools pulls in the hypervisor: xen-tools → xen; the tools: xen-tools; the xl man page: xen-tools']);
  });

  test("openSUSE's units are asked by their names", async () => {
    const r = await check(servicesEnabled, host(), profile);
    expect([r.status, r.message]).toEqual(['pass', 'enabled at boot: xencommons (enabled), xen-init-dom0 (enabled), xendomains (enabled)']);
  });

  test('zypper installs, refreshes and explains a failure', () => {
    const p = profileFor('opensuse-leap-15.6').packages;
    expect(p.installCommand(['/tmp/c/xen-tools.rpm'])).toEqual(['zypper', '--non-interactive', 'install', '/tmp/c/xen-tools.rpm']);
    expect(p.refreshIndexCommand()).toEqual(['zypper', '--non-interactive', 'refresh']);
    expect(p.installFailureLines('Loading repository data...\nProblem: nothing provides \'qemu-x86\' needed by the to be installed xen-tools\n Solution 1: do not install xen-tools\n')).toEqual([
      "Problem: nothing provides 'qemu-x86' needed by the to be installed xen-tools",
    ]);
  });
});

describe('Ubuntu 24.04 (Debian\'s parts, Ubuntu\'s packages)', () => {
  test("asks Debian's tools and paths", () => {
    const p = profileFor('ubuntu-24.04');
    expect([p.family, p.arch, p.packages.format, p.boot.configPath, p.initramfs.image('6.8.0-48-generic'), p.metaPackage]).toEqual([
      'debian',
      'amd64',
      'deb',
      '/boot/grub/grub.cfg',
      '/boot/initrd.img-6.8.0-48-generic',
      'xen-system-amd64',
    ]);
    expect(p.hypervisorVersion(['xen-hypervisor-4.17-amd64'])).toBe('4.17');
    // Ubuntu's delta from Debian: its own qemu build for Xen.
    expect(p.xenPackages.deviceModel).toBe('qemu-system-x86-xen');
  });
});

describe('which Xen the installed hypervisor package is', () => {
  /** A run that answers `rpm -qa`/`dpkg-query` as those print, recording what was asked. */
  const answering = (stdout: string) => {
    const calls: string[][] = [];
    const run = async (argv: readonly string[]) => {
      calls.push([...argv]);
      return { code: 0, stdout, stderr: '' };
    };
    return { run, calls };
  };

  test('Fedora: the package xen-hypervisor, asked by its exact name; the version says 4.19', async () => {
    const p = profileFor('fedora-45');
    const { run, calls } = answering('xen-hypervisor 4.19.1-2.fc45\n');
    const hv = await p.hypervisorPackage(run);
    expect(hv).toEqual({ name: 'xen-hypervisor', version: '4.19.1-2.fc45' });
    expect(calls).toEqual([['rpm', '-qa', '--qf', '%{NAME} %{VERSION}-%{RELEASE}\\n', 'xen-hypervisor']]);
    expect(p.hypervisorXenVersion(hv!)).toBe('4.19');
    // The name alone says nothing on this family.
    expect(p.hypervisorVersion(['xen-hypervisor'])).toBeUndefined();
  });

  test("openSUSE: the package xen, openSUSE's version form", async () => {
    const p = profileFor('opensuse-leap-15.6');
    const { run } = answering('xen 4.18.5_02-150600.3.1\n');
    const hv = await p.hypervisorPackage(run);
    expect([hv, p.hypervisorXenVersion(hv!)]).toEqual([{ name: 'xen', version: '4.18.5_02-150600.3.1' }, '4.18']);
  });

  test('Debian and Ubuntu: xen-hypervisor-<x.y>-amd64, as the pipeline always asked; the name says the version', async () => {
    for (const id of ['debian-12', 'ubuntu-24.04']) {
      const p = profileFor(id);
      const { run, calls } = answering('ii  xen-hypervisor-common 4.17.3\nii  xen-hypervisor-4.17-amd64 4.17.3+10-g091466ba55-1.1\n');
      const hv = await p.hypervisorPackage(run);
      expect(hv).toEqual({ name: 'xen-hypervisor-4.17-amd64', version: '4.17.3+10-g091466ba55-1.1' });
      expect(calls).toEqual([['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package} ${Version}\n', 'xen-hypervisor-*']]);
      expect(p.hypervisorXenVersion(hv!)).toBe('4.17');
    }
  });
});
