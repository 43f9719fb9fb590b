import { readFileSync } from 'node:fs';
import { type GrubConfig, type GrubEntry, defaultEntry, failedGrubScript, isXenEntry, parseGrubCfg } from '../src/parsers/grubcfg.js';

// Real files: grub-mkconfig output on Debian 12 before and after `apt-get install xen-system-amd64`.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const PLAIN = fixture('grub-plain.cfg');
const XEN = fixture('grub-xen.cfg');

const UUID = '7b438371-e9e6-4d60-904f-a282f95ee60f'; // the root fs of the Xen fixture
const XEN_DEFAULT_LINE = 'set default="Debian GNU/Linux, with Xen hypervisor"';
const XEN_ADVANCED = 'Advanced options for Debian GNU/Linux (with Xen hypervisor)';
const XEN_GZ_SUBMENU = 'Xen hypervisor, version 4.17-amd64';
const XEN_EFI_SUBMENU = 'Xen hypervisor, version 4.17-amd64.efi';
const XEN_GZ_ENTRY = 'Debian GNU/Linux, with Xen 4.17-amd64 and Linux 6.1.0-56-amd64';

/** The Xen fixture with its generated `set default=` replaced, as a different GRUB_DEFAULT would generate it. */
function xenWithDefault(value: string): string {
  expect(XEN).toContain(XEN_DEFAULT_LINE);
  return XEN.replace(XEN_DEFAULT_LINE, `set default="${value}"`);
}

const name = (e: GrubEntry | undefined) => (e ? [...e.path, e.title].join(' > ') : undefined);
const defaultOf = (text: string, grubenv?: string) => name(defaultEntry(parseGrubCfg(text), grubenv));

describe('parseGrubCfg on the real plain Debian 12 grub.cfg', () => {
  let cfg: GrubConfig;
  beforeAll(() => {
    cfg = parseGrubCfg(PLAIN);
  });

  test('finds the three Linux entries with their submenu paths and sibling indices', () => {
    expect(cfg.entries.map((e) => ({ title: e.title, path: e.path, index: e.index }))).toEqual([
      { title: 'Debian GNU/Linux', path: [], index: 0 },
      { title: 'Debian GNU/Linux, with Linux 6.1.0-56-amd64', path: ['Advanced options for Debian GNU/Linux'], index: 0 },
      { title: 'Debian GNU/Linux, with Linux 6.1.0-56-amd64 (recovery mode)', path: ['Advanced options for Debian GNU/Linux'], index: 1 },
    ]);
  });

  test('reads the default as the last `set default=` (the else branch, not ${next_entry})', () => {
    expect(cfg.defaultValue).toBe('0');
  });

  test('reads the ids grub-mkconfig writes after $menuentry_id_option', () => {
    expect(cfg.entries[0].id).toBe('gnulinux-simple-0949f1ed-f31b-412c-b354-4e1a84d93f52');
  });

  test('keeps each entry body, without the braces, and nothing from outside', () => {
    const body = cfg.entries[0].body;
    expect(body).toContain('linux\t/boot/vmlinuz-6.1.0-56-amd64 root=UUID=0949f1ed-f31b-412c-b354-4e1a84d93f52 ro console=tty0 console=ttyS0,115200');
    expect(body).toContain('initrd\t/boot/initrd.img-6.1.0-56-amd64');
    expect(body.some((l) => /[{}]/.test(l) || /^(set default|menuentry|submenu)/.test(l))).toBe(false);
  });

  test('no entry is a Xen entry', () => {
    expect(cfg.entries.filter(isXenEntry)).toEqual([]);
  });

  test('the default is the plain Linux entry', () => {
    expect(name(defaultEntry(cfg))).toBe('Debian GNU/Linux');
  });
});

describe('parseGrubCfg on the real Debian 12 grub.cfg with the Xen packages installed', () => {
  let cfg: GrubConfig;
  beforeAll(() => {
    cfg = parseGrubCfg(XEN);
  });

  test('finds the Linux entries and the Xen entries, nested two submenus deep', () => {
    expect(cfg.entries.map((e) => [...e.path, e.title].join(' > '))).toEqual([
      'Debian GNU/Linux',
      'Advanced options for Debian GNU/Linux > Debian GNU/Linux, with Linux 6.1.0-56-amd64',
      'Advanced options for Debian GNU/Linux > Debian GNU/Linux, with Linux 6.1.0-56-amd64 (recovery mode)',
      'Debian GNU/Linux, with Xen hypervisor',
      `${XEN_ADVANCED} > ${XEN_GZ_SUBMENU} > ${XEN_GZ_ENTRY}`,
      `${XEN_ADVANCED} > ${XEN_GZ_SUBMENU} > ${XEN_GZ_ENTRY} (recovery mode)`,
      `${XEN_ADVANCED} > ${XEN_EFI_SUBMENU} > Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64`,
      `${XEN_ADVANCED} > ${XEN_EFI_SUBMENU} > Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64 (recovery mode)`,
    ]);
  });

  test('indices count submenus among siblings, as GRUB does', () => {
    // top level: 0 Linux, 1 Advanced (submenu), 2 Xen, 3 Advanced with Xen (submenu)
    expect(cfg.entries.map((e) => e.index)).toEqual([0, 0, 1, 2, 0, 1, 0, 1]);
  });

  test('each entry knows the submenus it sits in, with their ids and indices (Debian reuses one id for both advanced submenus)', () => {
    expect(cfg.entries[1].submenus).toEqual([{ title: 'Advanced options for Debian GNU/Linux', id: `gnulinux-advanced-${UUID}`, index: 1 }]);
    expect(cfg.entries[6].submenus).toEqual([
      { title: XEN_ADVANCED, id: `gnulinux-advanced-${UUID}`, index: 3 },
      { title: XEN_EFI_SUBMENU, id: `xen-hypervisor-4.17-amd64.efi-${UUID}`, index: 1 },
    ]);
    expect(cfg.entries[3].submenus).toEqual([]);
  });

  test("the default is the title Debian's xen.cfg puts in GRUB_DEFAULT", () => {
    expect(cfg.defaultValue).toBe('Debian GNU/Linux, with Xen hypervisor');
  });

  test('exactly the five Xen entries are Xen entries', () => {
    expect(cfg.entries.map(isXenEntry)).toEqual([false, false, false, true, true, true, true, true]);
  });

  test('the multiboot2 line is in the Xen entry body even though it sits after an if/fi block', () => {
    expect(cfg.entries[3].body).toContain('multiboot2\t/boot/xen-4.17-amd64.gz placeholder console=com1 com1=115200,8n1 dom0_mem=1536M,max:1536M  ${xen_rm_opts}');
    expect(cfg.entries[3].id).toBe(`xen-gnulinux-simple-${UUID}`);
  });

  test('the default is the Xen entry', () => {
    const e = defaultEntry(cfg);
    expect(name(e)).toBe('Debian GNU/Linux, with Xen hypervisor');
    expect(e && isXenEntry(e)).toBe(true);
  });
});

describe('isXenEntry', () => {
  const xenEntry = () => parseGrubCfg(XEN).entries[3];

  test('a Xen entry whose module2 lines lack the initrd is not a Xen entry', () => {
    const noInitrd = XEN.split('\n')
      .filter((l) => !/module2\s+--nounzip\s+\/boot\/initrd/.test(l))
      .join('\n');
    expect(noInitrd).not.toBe(XEN);
    const e = parseGrubCfg(noInitrd).entries[3];
    expect(e.title).toBe('Debian GNU/Linux, with Xen hypervisor');
    expect(isXenEntry(e)).toBe(false);
  });

  test('a Xen entry without the kernel module is not a Xen entry', () => {
    const e = xenEntry();
    expect(isXenEntry({ ...e, body: e.body.filter((l) => !/^module2\s+\/boot\/vmlinuz/.test(l)) })).toBe(false);
  });

  test('multiboot2 loading something other than Xen is not a Xen entry', () => {
    const e = xenEntry();
    const body = e.body.map((l) => l.replace('/boot/xen-4.17-amd64.gz', '/boot/memtest86+x64.bin'));
    expect(isXenEntry({ ...e, body })).toBe(false);
  });

  test('old-style multiboot and module loading Xen also count', () => {
    const e = xenEntry();
    const body = e.body.map((l) => l.replace(/^multiboot2/, 'multiboot').replace(/^module2/, 'module'));
    expect(isXenEntry({ ...e, body })).toBe(true);
  });
});

describe('defaultEntry', () => {
  test('a numeric default counts entries and submenus at the top level', () => {
    expect(defaultOf(xenWithDefault('0'))).toBe('Debian GNU/Linux');
    expect(defaultOf(xenWithDefault('2'))).toBe('Debian GNU/Linux, with Xen hypervisor');
  });

  test('no `set default=` at all means entry 0', () => {
    const text = XEN.split('\n')
      .filter((l) => !/^\s*set default=/.test(l))
      .join('\n');
    const cfg = parseGrubCfg(text);
    expect(cfg.defaultValue).toBeUndefined();
    expect(name(defaultEntry(cfg))).toBe('Debian GNU/Linux');
  });

  test('a title default', () => {
    expect(defaultOf(xenWithDefault('Debian GNU/Linux'))).toBe('Debian GNU/Linux');
    expect(defaultOf(xenWithDefault('Debian GNU/Linux, with Xen hypervisor'))).toBe('Debian GNU/Linux, with Xen hypervisor');
  });

  test('an id default', () => {
    expect(defaultOf(xenWithDefault(`xen-gnulinux-simple-${UUID}`))).toBe('Debian GNU/Linux, with Xen hypervisor');
    expect(defaultOf(xenWithDefault(`gnulinux-simple-${UUID}`))).toBe('Debian GNU/Linux');
  });

  test('a `>`-path of titles into the "(with Xen hypervisor)" submenu', () => {
    expect(defaultOf(xenWithDefault(`${XEN_ADVANCED}>${XEN_GZ_SUBMENU}>${XEN_GZ_ENTRY}`))).toBe(`${XEN_ADVANCED} > ${XEN_GZ_SUBMENU} > ${XEN_GZ_ENTRY}`);
    expect(defaultOf(xenWithDefault(`${XEN_ADVANCED}>${XEN_EFI_SUBMENU}>Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64 (recovery mode)`))).toBe(
      `${XEN_ADVANCED} > ${XEN_EFI_SUBMENU} > Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64 (recovery mode)`,
    );
    expect(defaultOf(xenWithDefault('Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux 6.1.0-56-amd64'))).toBe(
      'Advanced options for Debian GNU/Linux > Debian GNU/Linux, with Linux 6.1.0-56-amd64',
    );
  });

  test('a `>`-path of indices walks into submenus', () => {
    expect(defaultOf(xenWithDefault('1>1'))).toBe('Advanced options for Debian GNU/Linux > Debian GNU/Linux, with Linux 6.1.0-56-amd64 (recovery mode)');
    expect(defaultOf(xenWithDefault('3>0>0'))).toBe(`${XEN_ADVANCED} > ${XEN_GZ_SUBMENU} > ${XEN_GZ_ENTRY}`);
    expect(defaultOf(xenWithDefault('3>1>0'))).toBe(`${XEN_ADVANCED} > ${XEN_EFI_SUBMENU} > Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64`);
  });

  test('a `>`-path of ids, as GRUB_DEFAULT is often written', () => {
    expect(defaultOf(xenWithDefault(`gnulinux-advanced-${UUID}>gnulinux-6.1.0-56-amd64-recovery-${UUID}`))).toBe(
      'Advanced options for Debian GNU/Linux > Debian GNU/Linux, with Linux 6.1.0-56-amd64 (recovery mode)',
    );
    expect(defaultOf(xenWithDefault(`${XEN_ADVANCED}>xen-hypervisor-4.17-amd64.efi-${UUID}>xen-gnulinux-6.1.0-56-amd64-advanced-${UUID}`))).toBe(
      `${XEN_ADVANCED} > ${XEN_EFI_SUBMENU} > Debian GNU/Linux, with Xen 4.17-amd64.efi and Linux 6.1.0-56-amd64`,
    );
  });

  test('GRUB takes the first match at each level: Debian gives both advanced submenus the same id', () => {
    // 'gnulinux-advanced-<uuid>' is the Linux submenu (the first with that id); the Xen submenu inside the
    // second one is not reachable through it.
    expect(defaultOf(xenWithDefault(`gnulinux-advanced-${UUID}>xen-hypervisor-4.17-amd64-${UUID}>xen-gnulinux-6.1.0-56-amd64-advanced-${UUID}`))).toBeUndefined();
  });

  test('${saved_entry} is read from grubenv', () => {
    const text = xenWithDefault('${saved_entry}');
    expect(parseGrubCfg(text).defaultValue).toBe('${saved_entry}');
    const grubenv = (saved: string) =>
      `# GRUB Environment Block\n# WARNING: Do not edit this file by tools other than grub-editenv!!!\nsaved_entry=${saved}\n${'#'.repeat(900)}`;
    expect(defaultOf(text, grubenv('Debian GNU/Linux'))).toBe('Debian GNU/Linux');
    expect(defaultOf(text, grubenv('Debian GNU/Linux, with Xen hypervisor'))).toBe('Debian GNU/Linux, with Xen hypervisor');
    expect(defaultOf(text, grubenv(`${XEN_ADVANCED}>${XEN_GZ_SUBMENU}>${XEN_GZ_ENTRY}`))).toBe(`${XEN_ADVANCED} > ${XEN_GZ_SUBMENU} > ${XEN_GZ_ENTRY}`);
    expect(defaultOf(text, grubenv('2'))).toBe('Debian GNU/Linux, with Xen hypervisor');
    // a grubenv without saved_entry (as after a fresh install) means entry 0
    expect(defaultOf(text, `# GRUB Environment Block\n${'#'.repeat(1000)}`)).toBe('Debian GNU/Linux');
    expect(defaultOf(text)).toBe('Debian GNU/Linux');
  });

  test('a default naming nothing gives undefined', () => {
    expect(defaultOf(xenWithDefault('Windows 10'))).toBeUndefined();
    expect(defaultOf(xenWithDefault('9'))).toBeUndefined();
    expect(defaultOf(xenWithDefault(`${XEN_ADVANCED}>No such submenu>${XEN_GZ_ENTRY}`))).toBeUndefined();
    expect(defaultOf(xenWithDefault('Debian GNU/Linux, with Xen'))).toBeUndefined(); // a prefix is not a title
    expect(defaultOf(PLAIN.replace('set default="0"', 'set default="Debian GNU/Linux, with Xen hypervisor"'))).toBeUndefined();
  });

  test('a path ending at a submenu names no entry', () => {
    expect(defaultOf(xenWithDefault(XEN_ADVANCED))).toBeUndefined();
  });
});

describe('failedGrubScript', () => {
  // grub-mkconfig's own framing in the grub.cfg.new it leaves behind (Debian 12's grub-mkconfig, lines 295-297).
  const framed = (name: string, done: boolean) => `\n### BEGIN /etc/grub.d/${name} ###\nmenuentry 'x' {\n}\n${done ? `### END /etc/grub.d/${name} ###\n` : ''}`;
  test('the script grub-mkconfig began and never ended', () => {
    expect(failedGrubScript(framed('00_header', true) + framed('09_xen_hypervisors', false))).toBe('/etc/grub.d/09_xen_hypervisors');
  });
  test('none when every script ended, or nothing began', () => {
    expect(failedGrubScript(framed('00_header', true) + framed('10_linux', true))).toBeUndefined();
    expect(failedGrubScript('')).toBeUndefined();
  });
});
