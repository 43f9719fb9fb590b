import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/errors.js';
import { patternLines, resolvePackages } from '../src/packages.js';
import { profileFor } from '../src/distro/index.js';

let root: string; // every test's files live under here; removed after all
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'packages-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A fresh working directory for one test. */
function workdir(): string {
  const d = join(root, `t${++n}`);
  mkdirSync(d);
  return d;
}

/** A real .deb, built by dpkg-deb from a DEBIAN/control we write. */
function buildDeb(out: string, fields: { name: string; version: string; arch: string; payload?: string }): string {
  const src = join(root, `src${++n}`);
  mkdirSync(join(src, 'DEBIAN'), { recursive: true });
  mkdirSync(join(src, 'usr/share/doc', fields.name), { recursive: true });
  writeFileSync(join(src, 'usr/share/doc', fields.name, 'note'), fields.payload ?? 'payload\n');
  writeFileSync(
    join(src, 'DEBIAN/control'),
    `Package: ${fields.name}\nVersion: ${fields.version}\nArchitecture: ${fields.arch}\n` +
      `Maintainer: Test <test@example.org>\nDescription: test package\n`,
  );
  mkdirSync(join(out, '..'), { recursive: true });
  execFileSync('dpkg-deb', ['--root-owner-group', '--build', src, out], { stdio: 'ignore' });
  rmSync(src, { recursive: true });
  return out;
}

const opts = (cwd: string) => ({ cwd, arch: 'amd64', packages: profileFor('debian-12').packages });

/** The InputError a call throws; fails the test if it throws anything else or nothing. */
async function inputError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  const message = (err as InputError).message;
  expect(message).not.toMatch(/\n/); // one line
  return message;
}

describe('patternLines', () => {
  it('drops blank lines and comments and splits multiline input', () => {
    expect(patternLines(['a.deb\n\n  # comment\n  b/*.deb  \r\n', '', 'c.deb'])).toEqual(['a.deb', 'b/*.deb', 'c.deb']);
  });
});

describe('resolvePackages', () => {
  it('reads a real .deb whose name has spaces, quotes and $(...), without running anything', async () => {
    const cwd = workdir();
    const canary = join(cwd, 'pwned');
    const name = `xen utils 'q' "dq" $(touch ${canary}) \`touch ${canary}\`;.deb`;
    const file = buildDeb(join(cwd, name), { name: 'xen-utils', version: '4.17.3+10-1', arch: 'amd64' });
    await expect(resolvePackages([name], opts(cwd))).resolves.toEqual([
      { path: file, name: 'xen-utils', version: '4.17.3+10-1', arch: 'amd64', depends: [] },
    ]);
    expect(existsSync(canary)).toBe(false);
  });

  it('expands globs relative to cwd, skipping blank lines and comments, in sorted order', async () => {
    const cwd = workdir();
    const b = buildDeb(join(cwd, 'debs/b_1_amd64.deb'), { name: 'b', version: '1', arch: 'amd64' });
    const a = buildDeb(join(cwd, 'debs/a_1_all.deb'), { name: 'a', version: '1', arch: 'all' });
    const got = await resolvePackages(['\n# candidates\ndebs/*.deb\n\n'], opts(cwd));
    expect(got.map((c) => c.path)).toEqual([a, b]);
    expect(got[0].arch).toBe('all');
  });

  it('returns nothing for no patterns (a baseline run)', async () => {
    await expect(resolvePackages([], opts(workdir()))).resolves.toEqual([]);
    await expect(resolvePackages(['', '# nothing'], opts(workdir()))).resolves.toEqual([]);
  });

  it('takes a file matched twice, or through a symlink, once', async () => {
    const cwd = workdir();
    const f = buildDeb(join(cwd, 'x_1_amd64.deb'), { name: 'x', version: '1', arch: 'amd64' });
    symlinkSync(f, join(cwd, 'link.deb'));
    const got = await resolvePackages(['x_1_amd64.deb', '*.deb', f, 'link.deb'], opts(cwd));
    expect(got).toEqual([{ path: f, name: 'x', version: '1', arch: 'amd64', depends: [] }]);
  });

  it('takes a byte-identical copy once', async () => {
    const cwd = workdir();
    const f = buildDeb(join(cwd, 'build/x.deb'), { name: 'x', version: '1', arch: 'amd64' });
    mkdirSync(join(cwd, 'dist'));
    copyFileSync(f, join(cwd, 'dist/x.deb'));
    await expect(resolvePackages(['build/x.deb', 'dist/x.deb'], opts(cwd))).resolves.toHaveLength(1);
  });

  it('roots patterns in cwd even when cwd has glob characters in its name', async () => {
    const cwd = join(workdir(), 'odd [x] * ? \\ dir');
    const f = buildDeb(join(cwd, 'p.deb'), { name: 'p', version: '1', arch: 'amd64' });
    await expect(resolvePackages(['*.deb'], opts(cwd))).resolves.toEqual([{ path: f, name: 'p', version: '1', arch: 'amd64', depends: [] }]);
  });

  it('accepts ../ and ./ in patterns', async () => {
    const base = workdir();
    const f = buildDeb(join(base, 'debs/p.deb'), { name: 'p', version: '1', arch: 'amd64' });
    mkdirSync(join(base, 'sub'));
    const got = await resolvePackages(['../debs/*.deb', './../debs/p.deb'], opts(join(base, 'sub')));
    expect(got.map((c) => c.path)).toEqual([f]);
  });

  it('ignores directories a glob passes over and honours !excludes', async () => {
    const cwd = workdir();
    const keep = buildDeb(join(cwd, 'debs/keep.deb'), { name: 'keep', version: '1', arch: 'amd64' });
    buildDeb(join(cwd, 'debs/dbg/keep-dbgsym.deb'), { name: 'keep-dbgsym', version: '1', arch: 'amd64' });
    const got = await resolvePackages(['debs/**', '!debs/dbg/**'], opts(cwd));
    expect(got.map((c) => c.path)).toEqual([keep]);
  });

  it('rejects a glob that matches no file, naming the pattern and cwd', async () => {
    const cwd = workdir();
    expect(await inputError(resolvePackages(['debs/*.deb'], opts(cwd)))).toBe(
      `packages: "debs/*.deb" matched no file (relative to ${cwd}); build the packages first or fix the pattern`,
    );
  });

  it('rejects an absolute pattern that matches no file, without a cwd', async () => {
    const cwd = workdir();
    const msg = await inputError(resolvePackages([`${cwd}/none_*.deb`], opts(cwd)));
    expect(msg).toBe(`packages: "${cwd}/none_*.deb" matched no file; build the packages first or fix the pattern`);
  });

  it('fails on the one pattern that matches nothing even when others match', async () => {
    const cwd = workdir();
    buildDeb(join(cwd, 'a.deb'), { name: 'a', version: '1', arch: 'amd64' });
    expect(await inputError(resolvePackages(['a.deb', 'missing.deb'], opts(cwd)))).toMatch(/^packages: "missing.deb" matched no file/);
  });

  it('rejects a directory', async () => {
    const cwd = workdir();
    mkdirSync(join(cwd, 'debs'));
    expect(await inputError(resolvePackages(['debs'], opts(cwd)))).toBe(
      `packages: ${join(cwd, 'debs')} is a directory; name the package files in it, e.g. "debs/*.deb"`,
    );
  });

  it('rejects a broken symbolic link', async () => {
    const cwd = workdir();
    symlinkSync(join(cwd, 'gone.deb'), join(cwd, 'x.deb'));
    expect(await inputError(resolvePackages(['x.deb'], opts(cwd)))).toMatch(/x\.deb is a broken symbolic link/);
  });

  it('rejects a file that is not regular (a FIFO would block a reader)', async () => {
    const cwd = workdir();
    execFileSync('mkfifo', [join(cwd, 'fifo.deb')]);
    expect(await inputError(resolvePackages(['fifo.deb'], opts(cwd)))).toBe(
      `${join(cwd, 'fifo.deb')} is not a regular file; pass .deb package files`,
    );
  });

  // root reads any file whatever its mode, so this can only be seen as another user.
  (process.getuid?.() === 0 ? it.skip : it)('rejects an unreadable file', async () => {
    const cwd = workdir();
    const f = buildDeb(join(cwd, 'x.deb'), { name: 'x', version: '1', arch: 'amd64' });
    chmodSync(f, 0o000);
    expect(await inputError(resolvePackages(['x.deb'], opts(cwd)))).toBe(
      `${f} cannot be read (EACCES); fix its permissions or pass another file`,
    );
  });

  it('rejects a file that is not a Debian package, quoting dpkg-deb', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'fake.deb'), 'not an ar archive\n');
    const f = join(cwd, 'fake.deb');
    expect(await inputError(resolvePackages(['fake.deb'], opts(cwd)))).toBe(
      `${f} is not a Debian package (dpkg-deb: error: '${f}' is not a Debian format archive)`,
    );
  });

  it('rejects a package built for another architecture', async () => {
    const cwd = workdir();
    const f = buildDeb(join(cwd, 'xen_arm64.deb'), { name: 'xen', version: '1', arch: 'arm64' });
    expect(await inputError(resolvePackages(['*.deb'], opts(cwd)))).toBe(
      `${f} is built for arm64; this run's host is amd64: pass amd64 or all packages`,
    );
  });

  it('rejects two versions of one package, naming both files', async () => {
    const cwd = workdir();
    const a = buildDeb(join(cwd, 'xen-utils_4.17.1_amd64.deb'), { name: 'xen-utils', version: '4.17.1', arch: 'amd64' });
    const b = buildDeb(join(cwd, 'xen-utils_4.17.2_amd64.deb'), { name: 'xen-utils', version: '4.17.2', arch: 'amd64' });
    expect(await inputError(resolvePackages(['*.deb'], opts(cwd)))).toBe(
      `packages: two versions of xen-utils: ${a} (4.17.1) and ${b} (4.17.2); pass one version of each package`,
    );
  });

  it('rejects two different files claiming the same name and version', async () => {
    const cwd = workdir();
    const a = buildDeb(join(cwd, 'a/x.deb'), { name: 'x', version: '1', arch: 'amd64', payload: 'one' });
    const b = buildDeb(join(cwd, 'b/x.deb'), { name: 'x', version: '1', arch: 'amd64', payload: 'two' });
    expect(await inputError(resolvePackages(['*/x.deb'], opts(cwd)))).toBe(
      `packages: ${a} and ${b} both give x 1 but differ; pass only one of them`,
    );
  });

  it('keeps a file name with a newline on one line in the message', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'bad\nname.deb'), 'junk');
    expect(await inputError(resolvePackages(['*.deb'], opts(cwd)))).toMatch(/^".*bad\\nname\.deb" is not a Debian package/);
  });
});
