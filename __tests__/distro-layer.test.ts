// The distro layer: the same checks, run against two families, each with its
// own tools and paths, give the right verdicts for both. Debian is the real
// profile; "fakedora" is a family invented here (rpm queries, grub2 paths,
// native systemd units, other package names). A check that still named a
// Debian tool or path would ask the fakedora host something it cannot answer
// (the fake host exits 127) and get it wrong.
import { readFileSync } from 'node:fs';
import { defaultIsXen, grubXenEntry } from '../src/checks/boot.js';
import type { Check } from '../src/checks/check.js';
import { metaPackage, xenstoreUtilsSeparate } from '../src/checks/packaging.js';
import { servicesEnabled } from '../src/checks/services.js';
import { DPKG_INSTALLED } from '../src/distro/debian/dpkg-parse.js';
import { profileFor } from '../src/distro/index.js';
import type { BootConfig, InitSystem, PackageManager, Run, UnitBootState } from '../src/distro/parts.js';
import type { DistroProfile } from '../src/distro/profile.js';
import type { PackageDb } from '../src/parsers/package-relations.js';
import { RC_LINKS } from '../src/parsers/init-state.js';
import type { CheckResult } from '../src/report/types.js';
import { runChecks } from '../src/suite.js';
import { type Answers, fakeHost, sh, suiteOptions } from './helpers/fakeHost.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

// ------------------------------------------------------------ the invented family

const RPM_ALL = ['rpm', '-qa', '--qf', '%{NAME}\\t[%{PROVIDES} ]\\t[%{REQUIRES} ]\\n'];

const fakedoraPackages: PackageManager = {
  format: 'rpm',
  anyArch: 'noarch',
  installCommand: (packages) => ['dnf', 'install', '-y', ...packages],
  refreshIndexCommand: () => ['dnf', 'makecache'],
  async installed(run: Run): Promise<PackageDb> {
    const r = await run(RPM_ALL);
    if (r.code !== 0) throw new Error(`rpm -qa failed (exit ${r.code})`);
    const db: PackageDb = new Map();
    for (const line of r.stdout.split('\n').filter(Boolean)) {
      const [name, provides, requires] = line.split('\t');
      const words = (s = '') => s.split(' ').filter(Boolean);
      db.set(name, { name, provides: words(provides), depends: words(requires).map((x) => [x]) });
    }
    return db;
  },
  installedNames: async () => [],
  installedVersions: async () => [],
  async owners(run, path) {
    const r = await run(['rpm', '-qf', '--qf', '%{NAME}\\n', path]);
    return r.code === 0 ? r.stdout.split('\n').filter(Boolean) : [];
  },
  fileName: (p) => `${p.name}-${p.version}.${p.arch}.rpm`,
  readFile: () => Promise.reject(new Error('not read in this test')),
  isOwnReport: () => false,
  installFailureLines: (output) => output.split('\n').filter((l) => /nothing provides/.test(l)),
  installFailureCause: () => undefined,
  kernelReconfigureCommand: (release) => ['kernel-install', 'add', release, `/lib/modules/${release}/vmlinuz`],
  ownerQueryHint: 'rpm -qf',
  sharedLibDependsHint: 'the automatic library Requires',
};

const fakedoraBoot: BootConfig = {
  configPath: '/boot/grub2/grub.cfg',
  savedDefaultPath: '/boot/grub2/grubenv',
  regenerateCommand: () => ['grub2-mkconfig', '-o', '/boot/grub2/grub.cfg'],
  grubTools: { scriptCheck: 'grub2-script-check', file: 'grub2-file' },
  dropInPath: (name) => `/etc/default/grub-${name}`,
  xenDefaultAdvice: 'Have the hypervisor package make the Xen entry the saved default (grub2-set-default).',
};

/** Native units only: systemctl's word decides. */
const fakedoraInit: InitSystem = {
  async bootStates(run, units) {
    const out = new Map<string, UnitBootState>();
    for (const u of units) {
      const word = (await run(['systemctl', 'is-enabled', u])).stdout.trim();
      out.set(u, word === 'enabled' ? { enabled: true, detail: word } : { enabled: false, detail: `is ${word || 'not installed'}` });
    }
    return out;
  },
  enableAdvice: 'Enable the units with %systemd_post in the package',
};

const fakedora: DistroProfile = {
  id: 'fakedora-1',
  title: 'Fakedora 1',
  family: 'rpm',
  verified: false,
  arch: 'x86_64',
  packages: fakedoraPackages,
  boot: fakedoraBoot,
  initramfs: { image: (release) => `/boot/initramfs-${release}.img` },
  init: fakedoraInit,
  metaPackage: 'xen',
  basePackages: [],
  guestPackages: [],
  services: { commons: 'xencommons', domains: 'xendomains', atBoot: ['xencommons', 'xen-init-dom0', 'xendomains'] },
  xenPackages: { hypervisor: 'xen-hypervisor', tools: 'xen-runtime', deviceModel: 'qemu-xen', manPages: 'xen-doc', xenstoreUtils: 'xen-xenstore' },
  hotplugScriptDir: '/etc/xen/scripts',
  osReleaseMismatch: () => undefined,
  hypervisorVersion: (names) => names.map((n) => /^xen-hypervisor-(\d+\.\d+)/.exec(n)?.[1]).find(Boolean),
  hypervisorPackage: async () => undefined,
  hypervisorXenVersion: (pkg) => /^(\d+\.\d+)/.exec(pkg.version)?.[1],
};

// ------------------------------------------------------------ each family's host

const GRUB_XEN = fixture('grub-xen.cfg');
const GRUB_PLAIN = fixture('grub-plain.cfg');

interface Family {
  profile: DistroProfile;
  /** A dom0 with the Xen packages installed and enabled. */
  good: Answers;
  /** The same host with the last boot unit disabled and the man pages outside the meta package's closure. */
  broken: Answers;
  /** The verdicts' messages on the good host. */
  messages: Record<string, string>;
  /** A part of the broken meta package message. */
  brokenMeta: string;
}

/** GRUB's own tools, as this family names them, finding the real grub.cfg's Xen entries loadable. */
const grubCanLoad = (cfg: string, tools: { scriptCheck: string; file: string }): Answers => {
  const xen = ['/boot/xen-4.17-amd64.gz', '/boot/xen-4.17-amd64.efi'];
  return {
    [`${tools.scriptCheck} ${cfg}`]: {},
    ...Object.fromEntries([...xen, '/boot/vmlinuz-6.1.0-56-amd64', '/boot/initrd.img-6.1.0-56-amd64'].map((f) => [`test -f ${f}`, {}])),
    ...Object.fromEntries(xen.map((f) => [`${tools.file} --is-x86-multiboot2 ${f}`, {}])),
    'gzip -t /boot/xen-4.17-amd64.gz': {},
  };
};

const SYSV = (u: string) => `${u}.service is not a native service, redirecting to systemd-sysv-install.\nExecuting: /lib/systemd/systemd-sysv-install is-enabled ${u}\n`;
const RC = (units: string[]) => ['2', '3', '4', '5'].flatMap((l) => units.map((u, i) => `/etc/rc${l}.d/S0${i + 1}${u}`)).join('\n') + '\n';
const DPKG = fixture('dpkg-installed-debian12-xen.txt');

const debianCommon: Answers = {
  ...grubCanLoad('/boot/grub/grub.cfg', { scriptCheck: 'grub-script-check', file: 'grub-file' }),
  'cat /boot/grub/grub.cfg': { stdout: GRUB_XEN },
  'cat /boot/grub/grubenv': { stdout: '# GRUB Environment Block\n' },
  'systemctl is-enabled xen': { stdout: 'enabled\n', stderr: SYSV('xen') },
  'systemctl is-enabled xendomains': { stdout: 'enabled\n', stderr: SYSV('xendomains') },
  'dpkg -S /usr/bin/xenstore-read': { stdout: 'xenstore-utils: /usr/bin/xenstore-read\n' },
};

const debian: Family = {
  profile: profileFor('debian-12'),
  good: {
    ...debianCommon,
    [sh(RC_LINKS, 'xen', 'xendomains')]: { stdout: RC(['xen', 'xendomains']) },
    [DPKG_INSTALLED.join(' ')]: { stdout: DPKG },
    'dpkg -S /usr/share/man/man1/xl.1*': { stdout: 'xen-utils-common: /usr/share/man/man1/xl.1.gz\n' },
  },
  broken: {
    ...debianCommon,
    'cat /boot/grub/grub.cfg': { stdout: GRUB_PLAIN },
    [sh(RC_LINKS, 'xen', 'xendomains')]: { stdout: RC(['xen']) },
    [DPKG_INSTALLED.join(' ')]: { stdout: `${DPKG}\nxen-doc\tinstall ok installed\t\t\t\n` },
    'dpkg -S /usr/share/man/man1/xl.1*': { stdout: 'xen-doc: /usr/share/man/man1/xl.1.gz\n' },
  },
  messages: {
    'services.enabled': 'enabled at boot: xen (SysV, S links in rc2,3,4,5), xendomains (SysV, S links in rc2,3,4,5)',
    'packaging.meta-package':
      'xen-system-amd64 pulls in the hypervisor: xen-system-amd64 → xen-hypervisor-4.17-amd64; the tools: xen-system-amd64 → xen-utils-4.17; the xl man page: xen-system-amd64 → xen-utils-4.17 → xen-utils-common',
    'boot.default-is-xen': 'the default entry is "Debian GNU/Linux, with Xen hypervisor"',
  },
  brokenMeta: "the xl man page (xen-doc is installed, but not through xen-system-amd64's Depends)",
};

const RPMS = (docWhere: 'runtime' | 'apart') =>
  [
    'xen\t\txen-hypervisor-4.19 xen-runtime ',
    'xen-hypervisor-4.19\txen-hypervisor \t',
    `xen-runtime\t\txen-libs xen-xenstore ${docWhere === 'runtime' ? 'xen-doc ' : ''}`,
    'xen-libs\t\t',
    'xen-xenstore\t\txen-libs ',
    'xen-doc\t\t',
  ].join('\n') + '\n';

const fakedoraCommon: Answers = {
  ...grubCanLoad('/boot/grub2/grub.cfg', { scriptCheck: 'grub2-script-check', file: 'grub2-file' }),
  'cat /boot/grub2/grub.cfg': { stdout: GRUB_XEN },
  'cat /boot/grub2/grubenv': { stdout: '# GRUB Environment Block\n' },
  'systemctl is-enabled xencommons': { stdout: 'enabled\n' },
  'systemctl is-enabled xen-init-dom0': { stdout: 'enabled\n' },
  'rpm -qf --qf %{NAME}\\n /usr/share/man/man1/xl.1*': { stdout: 'xen-doc\n' },
  'rpm -qf --qf %{NAME}\\n /usr/bin/xenstore-read': { stdout: 'xen-xenstore\n' },
};

const fakedoraFamily: Family = {
  profile: fakedora,
  good: { ...fakedoraCommon, 'systemctl is-enabled xendomains': { stdout: 'enabled\n' }, [RPM_ALL.join(' ')]: { stdout: RPMS('runtime') } },
  broken: {
    ...fakedoraCommon,
    'cat /boot/grub2/grub.cfg': { stdout: GRUB_PLAIN },
    'systemctl is-enabled xendomains': { stdout: 'disabled\n', code: 1 },
    [RPM_ALL.join(' ')]: { stdout: RPMS('apart') },
  },
  messages: {
    'services.enabled': 'enabled at boot: xencommons (enabled), xen-init-dom0 (enabled), xendomains (enabled)',
    'packaging.meta-package': 'xen pulls in the hypervisor: xen → xen-hypervisor-4.19; the tools: xen → xen-runtime; the xl man page: xen → xen-runtime → xen-doc',
    'boot.default-is-xen': 'the default entry is "Debian GNU/Linux, with Xen hypervisor"',
  },
  brokenMeta: "the xl man page (xen-doc is installed, but not through xen's Depends)",
};

// ------------------------------------------------------------ the same checks for both

const CHECKS: Check[] = [servicesEnabled, metaPackage, xenstoreUtilsSeparate, grubXenEntry, defaultIsXen];
/** What each family's tools look like: a check that asks another family's is wrong. */
const FOREIGN = { debian: /^(rpm|dnf|grub2-)|\/boot\/grub2\//, rpm: /dpkg|apt|update-grub|update-rc\.d|\/boot\/grub\/|\/etc\/rc\[/ };

async function run(profile: DistroProfile, answers: Answers): Promise<{ results: Map<string, CheckResult>; calls: string[] }> {
  const host = fakeHost(answers);
  const results = await runChecks(CHECKS, suiteOptions(host, { profile }));
  return { results: new Map(results.map((r) => [r.id, r])), calls: host.calls };
}

describe.each([
  ['debian', debian],
  ['rpm (fakedora)', fakedoraFamily],
])('the distro layer, family %s', (_name, family) => {
  const foreign = FOREIGN[family.profile.family as keyof typeof FOREIGN];

  test('a good dom0 passes every check, asked with the family\'s own tools only', async () => {
    const { results, calls } = await run(family.profile, family.good);
    for (const c of CHECKS) expect([c.id, results.get(c.id)?.status, results.get(c.id)?.message]).toEqual([c.id, 'pass', expect.any(String)]);
    for (const [id, message] of Object.entries(family.messages)) expect(results.get(id)!.message).toBe(message);
    expect(results.get('packaging.xenstore-utils-separate')!.message).toMatch(/^\/usr\/bin\/xenstore-read is in (xenstore-utils|xen-xenstore), whose/);
    expect(calls.filter((c) => foreign.test(c))).toEqual([]);
    expect(calls).toContain(`cat ${family.profile.boot.savedDefaultPath}`);
  });

  test('a broken dom0 fails the same checks, with the family\'s names in the verdicts', async () => {
    const { results, calls } = await run(family.profile, family.broken);
    const status = (id: string) => results.get(id)!.status;
    expect(['services.enabled', 'packaging.meta-package', 'boot.grub-xen-entry', 'boot.default-is-xen'].map(status)).toEqual(['fail', 'fail', 'fail', 'fail']);
    expect(status('packaging.xenstore-utils-separate')).toBe('pass');
    expect(results.get('services.enabled')!.message).toMatch(/^xendomains /);
    expect(results.get('services.enabled')!.remedy).toBe(`${family.profile.init.enableAdvice}; ${family.profile.services.commons} must start xenstored and xenconsoled at every boot.`);
    expect(results.get('packaging.meta-package')!.message).toContain(family.brokenMeta);
    expect(results.get('boot.grub-xen-entry')!.message).toBe(`no entry in ${family.profile.boot.configPath} loads Xen with multiboot2 and the dom0 kernel and initrd as modules`);
    expect(results.get('boot.grub-xen-entry')!.remedy).toContain(`run ${family.profile.boot.regenerateCommand().join(' ')} from`);
    expect(results.get('boot.default-is-xen')!.remedy).toBe(family.profile.boot.xenDefaultAdvice);
    expect(calls.filter((c) => foreign.test(c))).toEqual([]);
  });
});

describe("Debian's package manager", () => {
  const answering = (stdout: string) => {
    const calls: string[][] = [];
    const run: Run = async (argv) => {
      calls.push([...argv]);
      return { code: 0, stdout, stderr: '' };
    };
    return { run, calls };
  };
  const packages = profileFor('debian-12').packages;

  test('installedVersions asks dpkg-query as the pipeline always did, and keeps the installed packages', async () => {
    const { run, calls } = answering('ii  xen-hypervisor-4.17-amd64 4.17.7+13-g2445b30a44-0+deb12u1\nrc  xen-hypervisor-4.16-amd64 4.16.1\n');
    expect(await packages.installedVersions(run, 'xen-hypervisor-*')).toEqual([{ name: 'xen-hypervisor-4.17-amd64', version: '4.17.7+13-g2445b30a44-0+deb12u1' }]);
    expect(calls).toEqual([['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package} ${Version}\n', 'xen-hypervisor-*']]);
  });

  test('installedNames asks with the escaped newline the domU check always used', async () => {
    const { run, calls } = answering('ii  xen-utils-4.17\nun  xen-hypervisor\n');
    expect(await packages.installedNames(run, ['xen-utils*', 'xen-hypervisor*'])).toEqual(['xen-utils-4.17']);
    expect(calls).toEqual([['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package}\\n', 'xen-utils*', 'xen-hypervisor*']]);
  });

  test('a candidate file is named from its fields, the epoch colon escaped (%3a) as the pipeline always named them', () => {
    expect(packages.fileName({ name: 'xen-utils-4.17', version: '1:4.17.7-1', arch: 'amd64' })).toBe('xen-utils-4.17_1%3a4.17.7-1_amd64.deb');
  });

  test("a failed install's reasons are apt's unmet-dependency lines", () => {
    const out = 'Reading package lists...\nThe following packages have unmet dependencies:\n xenstore-utils : Depends: xen-utils-4.17 but it is not going to be installed\nE: Unable to correct problems, you have held broken packages.\n';
    expect(packages.installFailureLines(out)).toEqual([
      'The following packages have unmet dependencies:',
      ' xenstore-utils : Depends: xen-utils-4.17 but it is not going to be installed',
      'E: Unable to correct problems, you have held broken packages.',
    ]);
  });
});
