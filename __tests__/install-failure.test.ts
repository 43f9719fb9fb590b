// A candidate set that does not install is the candidates' failure
// (packaging.installs), named by its package, script or file. The apt/dpkg
// lines are as Debian 12's apt 2.6 and dpkg 1.21 print them.
import { describe, expect, test } from '@jest/globals';
import { installs } from '../src/checks/packaging.js';
import { aptFailureCause } from '../src/distro/debian/apt-failure.js';
import { rpmFailureCause } from '../src/distro/rpm/rpm-failure.js';
import { fakeHost, runCheck } from './helpers/fakeHost.js';

const POSTINST = [
  'Setting up xc-fault-postinst (1.0) ...',
  'xen-utils-common: cannot enable xencommons',
  'dpkg: error processing package xc-fault-postinst (--configure):',
  ' installed xc-fault-postinst package post-installation script subprocess returned error exit status 3',
  'Errors were encountered while processing:',
  ' xc-fault-postinst',
  'E: Sub-process /usr/bin/dpkg returned an error code (1)',
].join('\n');

const CONFLICT = [
  'Preparing to unpack .../xc-fault-conflict_1.0_all.deb ...',
  'Unpacking xc-fault-conflict (1.0) ...',
  "dpkg: error processing archive /root/xc-candidates/xc-fault-conflict_1.0_all.deb (--unpack):",
  " trying to overwrite '/usr/sbin/xl', which is also in package xen-utils-4.17 4.17.7+13-g2445b30a44-0+deb12u1",
  'Errors were encountered while processing:',
  ' /root/xc-candidates/xc-fault-conflict_1.0_all.deb',
].join('\n');

const UNMET = [
  'Some packages could not be installed. This may mean that you have',
  'requested an impossible situation or if you are using the unstable',
  'distribution that some required packages have not yet been created',
  'or been moved out of Incoming.',
  'The following information may help to resolve the situation:',
  '',
  'The following packages have unmet dependencies:',
  ' xen-utils-4.17 : Depends: libxenmisc4.17 (= 4.17.7+99) but 4.17.7+13-g2445b30a44-0+deb12u1 is to be installed',
  'E: Unable to correct problems, you have held broken packages.',
].join('\n');

describe('aptFailureCause', () => {
  test('names the package and its maintainer script', () => {
    expect(aptFailureCause(POSTINST)).toBe('the postinst (maintainer script) of xc-fault-postinst exited 3');
  });
  test('names the file two packages ship', () => {
    expect(aptFailureCause(CONFLICT)).toBe(
      'xc-fault-conflict_1.0_all.deb ships /usr/sbin/xl, which package xen-utils-4.17 ships too (a file conflict: Replaces/Breaks or a rename is missing)',
    );
  });
  test('names the unmet dependency', () => {
    expect(aptFailureCause(UNMET)).toBe('xen-utils-4.17 Depends: libxenmisc4.17 (= 4.17.7+99) but 4.17.7+13-g2445b30a44-0+deb12u1 is to be installed (an unmet dependency)');
  });
  test('says nothing it cannot name', () => {
    expect(aptFailureCause('E: Could not get lock /var/lib/dpkg/lock-frontend.')).toBeUndefined();
  });
});

describe('rpmFailureCause', () => {
  test("names rpm's scriptlet, file conflict and libsolv's missing provide", () => {
    expect(rpmFailureCause('error: %post(xen-runtime-4.19.1-1.fc41.x86_64) scriptlet failed, exit status 1')).toBe('the %post scriptlet of xen-runtime-4.19.1-1.fc41.x86_64 exited 1');
    expect(rpmFailureCause('  file /usr/sbin/xl from install of xc-1.0-1.noarch conflicts with file from package xen-runtime-4.19.1-1.fc41.x86_64')).toMatch(/xc-1\.0-1\.noarch ships \/usr\/sbin\/xl/);
    expect(rpmFailureCause(' Problem: conflicting requests\n  - nothing provides libfoo.so.1()(64bit) needed by xen-libs-4.19.1-1.fc41.x86_64')).toBe(
      'xen-libs-4.19.1-1.fc41.x86_64 requires libfoo.so.1()(64bit), which nothing provides (an unmet dependency)',
    );
  });
});

describe('packaging.installs', () => {
  const command = 'apt-get install -y /root/xc-candidates/xc-fault-postinst_1.0_all.deb';
  test('passes on an install that exited 0, with its output as evidence', async () => {
    const r = await runCheck(installs, fakeHost(), { install: { command, code: 0, output: 'Setting up xc-fault-postinst (1.0) ...' } });
    expect(r.status).toBe('pass');
    expect(r.message).toBe(`installed: ${command}`);
    expect(r.evidence[0].output).toMatch(/Setting up/);
  });
  test('fails naming the package and its script, with the package manager lines, and says nothing after it was judged', async () => {
    const r = await runCheck(installs, fakeHost(), { install: { command, code: 100, output: POSTINST } });
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^the postinst \(maintainer script\) of xc-fault-postinst exited 3 \(the install exited 100: E: Sub-process/);
    expect(r.message).toMatch(/nothing after the install could be judged$/);
    expect(r.remedy).toMatch(/install\.log/);
  });
});
