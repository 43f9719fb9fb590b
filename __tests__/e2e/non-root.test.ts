// The plain step on GitHub's ubuntu-latest: the runner's user is not root
// but has passwordless sudo. Here a user made by the test stands in for it:
// the bundled action (a copy of dist/ and action.yml in the user's home, as
// GitHub checks an action out), INPUT_* and GITHUB_* as GitHub sets them,
// the image built in that user's own cache through sudo, and the boot checks
// reached. A second user without sudo gets exit 2 and one line, before
// anything starts. The image this builds is then the root runs' too (they
// come after this file), so CI builds it once; root builds the guest's image
// meanwhile, for the same runs.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DebianProfile } from '../../src/distro/debian/profile.js';
import { profileFor } from '../../src/distro/index.js';
import { chooseAccel } from '../../src/host/accel.js';
import { baseImage, guestRecipe } from '../../src/image/build.js';
import { defaultCacheDir } from '../../src/prepare.js';
import { ROOT, type Ran, actionDefaults, expectNothingLeft, printTimings, readReport, statuses } from './run.js';

const MINUTES = 60_000;
const WITH_SUDO = 'xc-runner';
const WITHOUT_SUDO = 'xc-nosudo';
const SUDOERS = `/etc/sudoers.d/${WITH_SUDO}`;
/** GitHub's runner has the sbin directories in PATH. */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BOOT = ['packaging.installs', 'boot.grub-xen-entry', 'boot.default-is-xen', 'boot.reaches-dom0'];

interface User {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function user(name: string): User {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--create-home', '--shell', '/bin/bash', name]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { name, uid: id('-u'), gid: id('-g'), home: `/home/${name}` };
}

/** The action as GitHub checks it out: its files in a directory the user can read. */
async function checkOutAction(u: User): Promise<string> {
  const dir = path.join(u.home, 'actions', 'xen-conformance');
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const f of ['dist', 'action.yml', 'package.json']) await fs.cp(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, path.join(u.home, 'actions')]);
  return dir;
}

/** node <script> as the user, in the environment given (and nothing of root's). */
function runAs(u: User, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const child = spawn(process.execPath, [script, ...args], {
    cwd: u.home,
    uid: u.uid,
    gid: u.gid,
    env: { HOME: u.home, USER: u.name, LOGNAME: u.name, PATH, LANG: 'C.UTF-8', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.XC_E2E_VERBOSE) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A file the user owns, made empty (GitHub's GITHUB_OUTPUT and the like). */
async function ownedFile(u: User, file: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, '');
  execFileSync('chown', ['-R', `${u.uid}:${u.gid}`, path.dirname(file)]);
  return file;
}

let runner: User;
let nosudo: User;
/** Root's Debian 12 guest image, built meanwhile for the files after this one (see beforeAll). */
let guestImage: Promise<unknown> | undefined;

beforeAll(async () => {
  runner = user(WITH_SUDO);
  nosudo = user(WITHOUT_SUDO);
  await fs.writeFile(SUDOERS, `${WITH_SUDO} ALL=(ALL) NOPASSWD:ALL\n`, { mode: 0o440 });
  // While the user's run builds the host image (dpkg and mkinitramfs: one process at a time, a core
  // idle), root builds the guest image the Debian 12 runs after this file need. Cached: at once.
  const profile = profileFor('debian-12') as DebianProfile;
  const accel = await chooseAccel('auto');
  guestImage = baseImage(profile, { cacheDir: defaultCacheDir(), timeoutMs: 15 * MINUTES, accelArgs: accel.qemuArgs, log: () => {}, privilege: { kind: 'root' } }, guestRecipe(profile));
  guestImage.catch(() => {}); // awaited in afterAll
});

afterAll(async () => {
  try {
    // A failed build fails this file (the runs after it would build it again, and say why).
    await guestImage;
  } finally {
    await fs.rm(SUDOERS, { force: true });
    // XC_KEEP=1 keeps the users and their homes (the runner user's image cache) for the next run.
    if (!process.env.XC_KEEP) for (const u of [WITH_SUDO, WITHOUT_SUDO]) execFileSync('userdel', ['--remove', u], { stdio: 'ignore' });
  }
}, 15 * MINUTES);

describe('a runner user that is not root', () => {
  test(
    'without root and without sudo: exit 2, one line saying what to do, before anything starts; nothing made',
    async () => {
      const action = await checkOutAction(nosudo);
      const out = path.join(nosudo.home, 'out');
      const r = await runAs(nosudo, path.join(action, 'dist/cli.js'), ['run', '--checks', 'boot.reaches-dom0', '--out', out], {});
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^xen-conformance: building the Debian 12 \(bookworm\) host image with mmdebstrap needs root on the runner, and this user \(uid \d+\) is not root and sudo -n refuses \(.*\): run as root \(a container or a root runner\) or give this user passwordless sudo$/);
      await expect(fs.access(out)).rejects.toThrow();
      await expect(fs.access(path.join(nosudo.home, '.cache/xen-conformance'))).rejects.toThrow();
    },
    2 * MINUTES,
  );

  test(
    "with passwordless sudo (GitHub's ubuntu-latest): the bundled action builds the image in the user's own cache through sudo, reaches dom0 and passes the boot checks",
    async () => {
      const action = await checkOutAction(runner);
      const gh = path.join(runner.home, 'gh');
      const files = {
        GITHUB_STEP_SUMMARY: await ownedFile(runner, path.join(gh, 'summary.md')),
        GITHUB_OUTPUT: await ownedFile(runner, path.join(gh, 'outputs.txt')),
        GITHUB_STATE: await ownedFile(runner, path.join(gh, 'state.txt')),
      };
      const out = path.join(runner.home, 'work', 'xen-conformance-report');
      const r = await runAs(runner, path.join(action, 'dist/index.js'), [], {
        ...(await actionDefaults()),
        INPUT_CHECKS: BOOT.join(','),
        'INPUT_OUT-DIR': out,
        RUNNER_TEMP: path.join(runner.home, 'tmp'),
        GITHUB_ACTIONS: 'true',
        ...files,
      });
      const report = await readReport(out);
      printTimings('as a user with sudo', report);
      expect({ code: r.code, infra: report.infraError?.message }).toEqual({ code: 0, infra: undefined });
      expect(statuses(report)).toEqual(Object.fromEntries(BOOT.map((id) => [id, 'pass'])));
      // The report and the image are the user's; the image is in the user's cache.
      expect((await fs.stat(path.join(out, 'report.json'))).uid).toBe(runner.uid);
      const cache = path.join(runner.home, '.cache/xen-conformance');
      const images = (await fs.readdir(cache)).filter((d) => d.startsWith('debian-12-'));
      expect(images).toHaveLength(1);
      const disk = await fs.stat(path.join(cache, images[0], 'disk.raw'));
      expect(disk.uid).toBe(runner.uid);
      // No build tree left behind (the builder's tree was root's: removed through sudo).
      expect((await fs.readdir(cache)).filter((d) => d.startsWith('.build-'))).toEqual([]);
      // Built here (the users are new on a fresh machine), through sudo, or taken from this user's cache.
      expect(r.stdout).toMatch(/base image: (building Debian 12 \(bookworm\) with mmdebstrap \(as root, through sudo\) into \/home\/xc-runner\/|cached \/home\/xc-runner\/)/);
      expect(await fs.readFile(files.GITHUB_STEP_SUMMARY, 'utf8')).toMatch(/boot\.reaches-dom0/);
      await expectNothingLeft(r.stdout);
      // The root runs after this file (scripts/test-sequencer.cjs) take the same image instead of
      // building it again: hard links into root's cache, when it has none of its own.
      const rootCache = defaultCacheDir();
      if (!(await fs.access(path.join(rootCache, images[0])).then(() => true, () => false))) {
        await fs.mkdir(rootCache, { recursive: true });
        execFileSync('cp', ['-al', '--', path.join(cache, images[0]), path.join(rootCache, images[0])]);
      }
    },
    // Cold, this builds the base image first (5-6 minutes here).
    25 * MINUTES,
  );
});
