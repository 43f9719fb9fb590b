// The `packages` input for the RPM families: real .rpm files, built here by
// rpmbuild, through the same input checks as .deb files (resolvePackages,
// which prepare() runs before anything boots). Every bad input is one
// InputError line.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileFor } from '../src/distro/index.js';
import { InputError } from '../src/errors.js';
import { resolvePackages } from '../src/packages.js';
import { touchWithoutSlash } from './e2e/debs.js';
import { buildRpm } from './helpers/rpms.js';

let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rpm-packages-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function workdir(): string {
  const d = join(root, `t${++n}`);
  mkdirSync(d);
  return d;
}

const fedora = profileFor('fedora-45');
const opts = (cwd: string) => ({ cwd, arch: fedora.arch, packages: fedora.packages });

async function inputError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  const message = (err as InputError).message;
  expect(message).not.toMatch(/\n/);
  return message;
}

describe('resolvePackages with .rpm candidates (fedora-45)', () => {
  test('reads name, [epoch:]version-release, arch and Requires names from real packages', async () => {
    const d = workdir();
    buildRpm(join(d, 'rpms/xen-runtime.rpm'), { name: 'xen-runtime', version: '4.19.1', release: '2.fc45', arch: 'x86_64', requires: ['xen-libs = 4.19.1-2.fc45', '(qemu-system-x86-core or qemu-kvm)'] });
    buildRpm(join(d, 'rpms/xen-licenses.rpm'), { name: 'xen-licenses', version: '4.19.1', release: '2.fc45' });
    const got = await resolvePackages(['rpms/*.rpm'], opts(d));
    expect(got.map(({ name, version, arch }) => ({ name, version, arch }))).toEqual([
      { name: 'xen-licenses', version: '4.19.1-2.fc45', arch: 'noarch' },
      { name: 'xen-runtime', version: '4.19.1-2.fc45', arch: 'x86_64' },
    ]);
    // Requires names only, a rich dependency's alternatives spelled out, rpmlib() needs dropped.
    expect(got[1].depends).toEqual(expect.arrayContaining(['xen-libs', 'qemu-system-x86-core', 'qemu-kvm']));
    expect(got[1].depends!.filter((d) => d.startsWith('rpmlib('))).toEqual([]);
    expect(fedora.packages.fileName(got[1])).toBe('xen-runtime-4.19.1-2.fc45.x86_64.rpm');
  });

  test('a package for another architecture is refused, naming both', async () => {
    const d = workdir();
    buildRpm(join(d, 'arm.rpm'), { name: 'xen-runtime', arch: 'aarch64' });
    expect(await inputError(resolvePackages(['arm.rpm'], opts(d)))).toBe(
      `${join(d, 'arm.rpm')} is built for aarch64; this run's host is x86_64: pass x86_64 or noarch packages`,
    );
  });

  test('two versions of one package are refused', async () => {
    const d = workdir();
    buildRpm(join(d, 'a/xen-runtime.rpm'), { name: 'xen-runtime', version: '4.19.1' });
    buildRpm(join(d, 'b/xen-runtime.rpm'), { name: 'xen-runtime', version: '4.20.0' });
    expect(await inputError(resolvePackages(['a/*.rpm', 'b/*.rpm'], opts(d)))).toBe(
      `packages: two versions of xen-runtime: ${join(d, 'a/xen-runtime.rpm')} (4.19.1-1) and ${join(d, 'b/xen-runtime.rpm')} (4.20.0-1); pass one version of each package`,
    );
  });

  test('two different files that claim one package and version are refused; the same file twice is one candidate', async () => {
    const d = workdir();
    buildRpm(join(d, 'x/one.rpm'), { name: 'xen-doc', payload: 'one' });
    buildRpm(join(d, 'x/two.rpm'), { name: 'xen-doc', payload: 'two' });
    expect(await inputError(resolvePackages(['x/*.rpm'], opts(d)))).toBe(
      `packages: ${join(d, 'x/one.rpm')} and ${join(d, 'x/two.rpm')} both give xen-doc 1.0-1 but differ; pass only one of them`,
    );
    copyFileSync(join(d, 'x/one.rpm'), join(d, 'copy.rpm'));
    expect((await resolvePackages(['x/one.rpm', 'copy.rpm'], opts(d))).map((c) => c.name)).toEqual(['xen-doc']);
  });

  test('a file that is not a package is refused before rpm reads it (rpm -qp would read text as a manifest of more paths)', async () => {
    const d = workdir();
    writeFileSync(join(d, 'notes.rpm'), '/etc/shadow\n');
    expect(await inputError(resolvePackages(['notes.rpm'], opts(d)))).toBe(
      `${join(d, 'notes.rpm')} is not an RPM package (it does not start with the RPM lead); pass .rpm package files`,
    );
  });

  test('a damaged package (the lead, then garbage) is refused with rpm\'s own reason', async () => {
    const d = workdir();
    writeFileSync(join(d, 'broken.rpm'), Buffer.concat([Buffer.from([0xed, 0xab, 0xee, 0xdb]), Buffer.alloc(200, 7)]));
    expect(await inputError(resolvePackages(['broken.rpm'], opts(d)))).toMatch(/broken\.rpm is not an RPM package rpm can read \(rpm: .+\)$/);
  });

  test('a source package is refused: candidates are binary packages', async () => {
    const d = workdir();
    buildRpm(join(d, 'xen.src.rpm'), { name: 'xen', source: true });
    expect(await inputError(resolvePackages(['*.rpm'], opts(d)))).toBe(
      `${join(d, 'xen.src.rpm')} is a source package (xen.src.rpm); pass the binary .rpm files rpmbuild -bb makes`,
    );
  });

  test('a directory is named with the family\'s file type in the hint', async () => {
    const d = workdir();
    mkdirSync(join(d, 'rpms'));
    expect(await inputError(resolvePackages(['rpms'], opts(d)))).toBe(`packages: ${join(d, 'rpms')} is a directory; name the package files in it, e.g. "rpms/*.rpm"`);
  });

  test('a hostile file name reaches neither a shell nor rpm (which globs and unquotes names: the file is its stdin); the host-side name comes from the fields', async () => {
    const d = workdir();
    const canary = join(d, 'pwned');
    const touch = touchWithoutSlash(canary);
    const name = `x $(${touch}); \`${touch}\` it's "q"\n| ${touch} #.rpm`;
    buildRpm(join(d, 'hostile', name), { name: 'xen-doc' });
    const [c] = await resolvePackages(['hostile/*.rpm'], opts(d));
    expect([c.name, c.path]).toEqual(['xen-doc', join(d, 'hostile', name)]);
    expect(fedora.packages.fileName(c)).toBe('xen-doc-1.0-1.noarch.rpm');
    expect(() => readFileSync(canary)).toThrow(/ENOENT/);
  });

  test('openSUSE reads .rpm files the same way', async () => {
    const d = workdir();
    buildRpm(join(d, 'xen-tools.rpm'), { name: 'xen-tools', version: '4.18.5_02', release: '150600.3.1', arch: 'x86_64', requires: ['xen = 4.18.5_02-150600.3.1'] });
    const suse = profileFor('opensuse-leap-15.6');
    const [c] = await resolvePackages(['xen-tools.rpm'], { cwd: d, arch: suse.arch, packages: suse.packages });
    expect([c.name, c.version, c.arch, c.depends]).toEqual(['xen-tools', '4.18.5_02-150600.3.1', 'x86_64', ['xen']]);
  });
});
