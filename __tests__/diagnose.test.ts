import { describe, expect, it } from '@jest/globals';
import { errorTail, installFailureCause, panicIn } from '../src/diagnose.js';

describe('panicIn', () => {
  it('names a Linux panic, here dom0 killed by an init that exits', () => {
    const serial = '[    9.1] Run /init as init process\n[   12.3] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n[   12.3] CPU: 0 PID: 1';
    expect(panicIn(serial)).toBe('Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100');
  });

  it("names Xen's own panic with the reason on the following line", () => {
    const serial = '(XEN) ****************************************\n(XEN) Panic on CPU 0:\n(XEN) Could not construct domain 0\n(XEN) ****************************************\n';
    expect(panicIn(serial)).toMatch(/^Panic on CPU 0: Could not construct domain 0/);
  });

  it('names Xen rebooting after dom0 crashed', () => {
    expect(panicIn('(XEN) Hardware Dom0 crashed: rebooting machine in 5 seconds.\n')).toBe('Hardware Dom0 crashed: rebooting machine in 5 seconds.');
  });

  it('says nothing about a clean boot, nor about the word panic in a unit or a parameter', () => {
    expect(panicIn('[  OK  ] Started ssh.service - OpenBSD Secure Shell server.\nkernel.panic = 0\npanic=10\n')).toBeUndefined();
  });
});

describe('installFailureCause', () => {
  it('recognises a full disk in dpkg output and says what to do', () => {
    const out = "dpkg: error processing archive /root/xc-candidates/x.deb (--unpack):\n cannot copy extracted data for './usr/share/x' to '/usr/share/x.dpkg-new': failed to write (No space left on device)\n";
    expect(installFailureCause(out)).toMatch(/disk is full \(No space left on device\).*look for a script that fills the disk/);
  });

  it("leaves other failures to the package manager's own words", () => {
    expect(installFailureCause('E: Unable to correct problems, you have held broken packages.')).toBeUndefined();
  });
});

describe('errorTail', () => {
  const boot = Array.from({ length: 50 }, (_, i) => `[ ${i}.0] booting line ${i}`);
  const trace = Array.from({ length: 34 }, (_, i) => `[ 44.9] trace line ${i}`);

  it('reaches back to the panic line when the call trace after it is longer than the tail', () => {
    const serial = [...boot, '[ 44.9] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100', ...trace, '(XEN) Hardware Dom0 crashed: rebooting machine in 5 seconds.'].join('\n');
    const tail = errorTail(serial, 30);
    expect(tail[0]).toMatch(/Kernel panic - not syncing/);
    expect(tail.at(-1)).toMatch(/Hardware Dom0 crashed/);
    expect(tail).toHaveLength(36);
  });

  it('is the last n lines when there is no panic, or when the panic is within them', () => {
    expect(errorTail(boot.join('\n'), 30)).toEqual(boot.slice(-30));
    const serial = [...boot, 'Kernel panic - not syncing: VFS: Unable to mount root fs', 'last'].join('\n');
    expect(errorTail(serial, 30)).toHaveLength(30);
  });
});
