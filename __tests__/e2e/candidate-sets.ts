// The candidate sets the Debian 12 end-to-end runs share: the archive's own
// .debs, and copies repacked with the mistakes a packager makes. The static
// tier's test reads the same sets without a VM.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dropFile, editControl, repack } from './debs.js';

// Every binary package of Debian's xen source that the meta package pulls in,
// as a packager's build produces them: a self-consistent candidate set.
export const XEN_PACKAGES = [
  'xen-system-amd64',
  'xen-hypervisor-4.17-amd64',
  'xen-hypervisor-common',
  'xen-utils-4.17',
  'xen-utils-common',
  'xenstore-utils',
  ...['libxencall1', 'libxendevicemodel1', 'libxenevtchn1', 'libxenforeignmemory1', 'libxengnttab1', 'libxenhypfs1'],
  ...['libxenmisc4.17', 'libxenstore4', 'libxentoolcore1', 'libxentoollog1'],
];

export type Breakage = Record<string, (root: string) => Promise<void>>;

/** A candidate directory under work: the archive's debs (debs) with some replaced by broken copies. */
export async function candidateSetIn(work: string, debs: Record<string, string>, name: string, broken: Breakage): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir);
  for (const pkg of XEN_PACKAGES) {
    if (broken[pkg]) await repack(debs[pkg], dir, broken[pkg]);
    else await fs.copyFile(debs[pkg], path.join(dir, path.basename(debs[pkg])));
  }
  return dir;
}

/** Edit Debian's /etc/init.d/xen in an unpacked xen-utils-common. */
export async function editInitScript(root: string, edit: (script: string) => string): Promise<void> {
  const init = path.join(root, 'etc/init.d/xen');
  const script = await fs.readFile(init, 'utf8');
  const edited = edit(script);
  if (edited === script) throw new Error('/etc/init.d/xen is not the script this test edits');
  await fs.writeFile(init, edited);
}

/** The hypervisor package without the GRUB default override: the machine does not boot Xen by default. */
export const NO_XEN_DEFAULT: Breakage = {
  'xen-hypervisor-common': (root) => dropFile(root, '/etc/default/grub.d/xen.cfg'),
};

/** One candidate set with twelve packaging mistakes (each check concerned is named where it is made). */
export const TWELVE_MISTAKES: Breakage = {
  'xen-utils-common': async (root) => {
    // serial-clean: a unit, enabled at boot, whose ExecStart is a path the package does not ship (upstream's unit, Debian's paths).
    const unit = '/lib/systemd/system/xen-qemu-dom0-disk-backend.service';
    await fs.mkdir(path.join(root, 'lib/systemd/system/multi-user.target.wants'), { recursive: true });
    await fs.writeFile(
      path.join(root, unit),
      '[Unit]\nDescription=qemu for xen dom0 disk backend\n\n[Service]\nType=simple\nExecStart=/usr/lib/xen/bin/qemu-system-i386 -xen-domid 0 -xen-attach -name dom0 -nographic -M xenpv -daemonize\n\n[Install]\nWantedBy=multi-user.target\n',
    );
    await fs.symlink(unit, path.join(root, 'lib/systemd/system/multi-user.target.wants/xen-qemu-dom0-disk-backend.service'));
    // net.vif-on-bridge: the vif hotplug script exits 1, so no domU can have a network (nor be created).
    const vifBridge = path.join(root, 'etc/xen/scripts/vif-bridge');
    // At the end: hotplug.scripts' static scan stops at a top-level exit, and must still see the ifconfig below.
    await fs.appendFile(vifBridge, '\necho "vif-bridge: broken on purpose" >&2\nexit 1\n');
    // docs: the xl(1) man page is not shipped.
    await dropFile(root, '/usr/share/man/man1/xl.1.gz');
    // services: the postinst no longer enables xendomains at boot.
    const postinst = path.join(root, 'DEBIAN/postinst');
    const text = await fs.readFile(postinst, 'utf8');
    await fs.writeFile(postinst, text.replace('update-rc.d xendomains defaults >/dev/null || exit 1', ':'));
    // hotplug: vif-bridge calls ifconfig, which nothing installs.
    const vif = path.join(root, 'etc/xen/scripts/vif-bridge');
    await fs.writeFile(vif, (await fs.readFile(vif, 'utf8')).replace('. "$dir/vif-common.sh"\n', '. "$dir/vif-common.sh"\nifconfig "$dev" up\n'));
    // initramfs: a setting that builds the initramfs for this machine's hardware only (no PV frontends),
    // and the trigger that rebuilds it, as a package shipping initramfs settings does.
    await fs.mkdir(path.join(root, 'etc/initramfs-tools/conf.d'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/initramfs-tools/conf.d/xen'), 'MODULES=dep\n');
    await fs.appendFile(path.join(root, 'DEBIAN/conffiles'), '/etc/initramfs-tools/conf.d/xen\n');
    await fs.appendFile(path.join(root, 'DEBIAN/triggers'), 'activate-noawait update-initramfs\n');
    // services.running: the init script looks for xenconsoled where the package does not put it;
    // start-stop-daemon's test fails, which the script takes for "already running", and it reports success.
    await editInitScript(root, (script) => script.replace('XENCONSOLED="$ROOT"/bin/xenconsoled\n', 'XENCONSOLED="$ROOT"/sbin/xenconsoled\n'));
    // dom0.kernel-config: PCI passthrough "off by default", by an install directive that has modprobe run /bin/false.
    await fs.mkdir(path.join(root, 'etc/modprobe.d'), { recursive: true });
    await fs.writeFile(path.join(root, 'etc/modprobe.d/xen-no-passthrough.conf'), '# PCI passthrough is off by default\ninstall xen-pciback /bin/false\n');
    await fs.appendFile(path.join(root, 'DEBIAN/conffiles'), '/etc/modprobe.d/xen-no-passthrough.conf\n');
  },
  'xen-utils-4.17': async (root) => {
    // power: xenpm is left out of the tools package.
    await dropFile(root, '/usr/lib/xen-4.17/bin/xenpm');
    // device model: the tools no longer pull in qemu-system-xen.
    await editControl(root, 'Recommends', (v) => v.split(', ').filter((d) => !d.startsWith('qemu-system-xen')).join(', '));
  },
  // packaging: the meta package no longer pulls in the tools (nor their man pages).
  'xen-system-amd64': (root) => editControl(root, 'Depends', (v) => v.split(', ').filter((d) => !d.startsWith('xen-utils')).join(', ')),
  // packaging: the xenstore utilities drag in the whole toolstack.
  'xenstore-utils': (root) => editControl(root, 'Depends', (v) => `${v}, xen-utils-4.17`),
};
