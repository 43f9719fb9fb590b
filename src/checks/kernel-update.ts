// A kernel update inside the guest: the kernel package's hooks regenerate the
// guest's boot config, and after xl reboot pygrub boots the new entry.
import { GUEST } from '../guest/guest.js';
import { type Check, fail, pass } from './check.js';
import { GUEST_UP } from './domu.js';
import { failedGrubScript } from '../parsers/grubcfg.js';
import { backUp, bootAndUptime } from './guest-state.js';

export const kernelUpdate: Check = {
  id: 'domU.kernel-update',
  title: "Inside the guest, the kernel package is configured again as a reinstall does (every kernel hook, the boot config among them); after xl reboot the guest boots the regenerated config",
  where: 'domU',
  seed: 'The distro should be able to update a kernel and build a valid boot config in a VM.',
  after: GUEST_UP,
  changesGuest: true,
  async run(ctx) {
    const release = (await ctx.guest(['uname', '-r'])).stdout.trim();
    const before = await bootAndUptime(ctx);
    // A mark on the kernel command line tells the regenerated config from the old one after the reboot.
    const mark = `xc.kernel-update=${before.bootId.slice(0, 8)}`;
    await ctx.guest(['sh', '-c', 'printf "GRUB_CMDLINE_LINUX_DEFAULT=\\"%s\\"\\n" "$1" > "$2"', 'sh', mark, ctx.profile.boot.dropInPath('zz-xc-kernel-update')]);
    const command = ctx.profile.packages.kernelReconfigureCommand(release);
    // As a person would name it (dpkg-reconfigure linux-image-<release>): without env and its settings.
    const what = command.filter((a) => !a.includes('=') && a !== 'env').join(' ');
    const hooks = await ctx.guest(command);
    if (hooks.code !== 0) {
      const why = causeLine(hooks.stdout + hooks.stderr, ctx.profile.packages.isOwnReport);
      // grub-mkconfig leaves its half-written output behind, framed per /etc/grub.d script: it names the one that failed.
      const partial = await ctx.guest(['cat', `${ctx.profile.boot.configPath}.new`]);
      const script = partial.code === 0 ? failedGrubScript(partial.stdout) : undefined;
      if (!script) return fail(`${what} failed in the guest (exit ${hooks.code}): ${why}`, 'The kernel\'s hooks and the boot-config tool must work inside a PV guest (no BIOS disk, xvd* devices); see the evidence.');
      const owner = (await ctx.profile.packages.owners(ctx.guest, script))[0];
      return fail(
        `${what} failed in the guest (exit ${hooks.code}) in ${script}${owner ? ` (from ${owner})` : ''}: ${why}`,
        `${script} stops the boot-config tool in a domU: a script there must also work in a guest, which has no hypervisor and is no control domain${owner ? ` (fix it in ${owner})` : ''}.`,
      );
    }
    const cfg = await ctx.guest(['grep', '-c', mark, ctx.profile.boot.configPath]);
    if (cfg.code !== 0) return fail(`after ${what} the guest's ${ctx.profile.boot.configPath} does not carry the new kernel command line`, 'The kernel package\'s hooks must regenerate the boot config: see their output.');
    await ctx.run(['xl', 'reboot', GUEST.name]);
    if (!(await backUp(ctx, before.bootId))) return fail(`the guest did not come back within ${ctx.timeouts.boot} s of xl reboot with the regenerated config`, 'See domU-console.log: pygrub reads the guest\'s own grub.cfg.');
    const cmdline = (await ctx.guest(['cat', '/proc/cmdline'])).stdout.trim();
    if (!cmdline.includes(mark)) return fail(`the guest rebooted but not into the regenerated entry (its command line: ${cmdline})`, 'pygrub boots the default entry of the guest\'s grub.cfg: check GRUB_DEFAULT and the generated file.');
    return pass(`${what} regenerated ${ctx.profile.boot.configPath} in the guest; after xl reboot it booted the new entry (${mark} on its command line)`);
  },
};

/** The line that says why, not the package tools' (nor run-parts' and grub-mkconfig's) own account of the failure that follows it. */
function causeLine(output: string, isOwnReport: (line: string) => boolean): string {
  const lines = output.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const said = lines.filter((l) => !isOwnReport(l) && !/^(run-parts:|Generating grub|Found |done$)/.test(l));
  return said.pop() ?? lines.pop() ?? 'no message';
}
