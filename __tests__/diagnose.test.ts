import { describe, expect, it } from '@jest/globals';
import { bootFailureIn, diskFull, errorTail, panicIn } from '../src/diagnose.js';

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

describe('diskFull', () => {
  it('recognises a full disk in dpkg output and says what to do', () => {
    const out = "dpkg: error processing archive /root/xc-candidates/x.deb (--unpack):\n cannot copy extracted data for './usr/share/x' to '/usr/share/x.dpkg-new': failed to write (No space left on device)\n";
    expect(diskFull(out)).toMatch(/disk is full \(No space left on device\).*look for a script that fills the disk/);
  });

  it("leaves other failures to the package manager's own words", () => {
    expect(diskFull('E: Unable to correct problems, you have held broken packages.')).toBeUndefined();
  });
});

describe('bootFailureIn', () => {
  it("names GRUB's error when an entry cannot load: the serial console of a real run, a hypervisor cut short in its package", () => {
    // GRUB 2.06 (Debian 12) on the serial terminal, menu escapes and all, after the reboot.
    const serial =
      '\x1b[0m\x1b[30m\x1b[47m*Debian GNU/Linux, with Xen hypervisor\x1b[0m\r\n\x1b[2J\x1b[0;0H  Booting `Debian GNU/Linux, with Xen hypervisor\'\r\n\r\nLoading Xen 4.17-amd64 ...\r\nerror: the length of a stored block does not match.\r\nLoading Linux 6.1.0-57-amd64 ...\r\nerror: you need to load the kernel first.\r\n\r\nPress any key to continue...';
    const f = bootFailureIn(serial)!;
    expect(f).toMatchObject({ kind: 'grub', words: 'GRUB: error: the length of a stored block does not match.' });
    expect(f.lines).toEqual(expect.arrayContaining(['Loading Xen 4.17-amd64 ...', 'error: the length of a stored block does not match.']));
  });

  it('ignores "error:" once Xen or Linux runs (their own messages are judged by other checks)', () => {
    expect(bootFailureIn('Loading Xen 4.17 ...\n(XEN) Xen version 4.17\nerror: something in dom0\n')).toBeUndefined();
    expect(bootFailureIn('[    0.000000] Linux version 6.1.0\nerror: x\n')).toBeUndefined();
  });

  it('names a panic during the boot', () => {
    expect(bootFailureIn('(XEN) Xen version 4.17\n[ 12.3] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\n')).toMatchObject({
      kind: 'panic',
      words: 'Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100',
      lines: expect.arrayContaining(['[ 12.3] Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100']),
    });
  });

  it('says nothing while the machine boots normally', () => {
    expect(bootFailureIn('Loading Xen 4.17-amd64 ...\nLoading Linux 6.1.0-40-amd64 ...\nLoading initial ramdisk ...\n(XEN) Xen version 4.17.6\n')).toBeUndefined();
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
