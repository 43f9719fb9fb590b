// The CLI's --help: every option with what it does, and the checks it knows.
import type { Where } from '../report/types.js';
import { DEFAULT_TIMEOUTS, SETTING_NAMES } from '../settings.js';
import { DISTRO_IDS } from '../distro/index.js';

export const USAGE = `usage: xen-conformance run [--distro debian-12] [--packages <file or glob>]... [--checks <id or group,...>] [--out DIR]
       [--accel auto|kvm|tcg] [--timeout-{image,boot,install,reboot,check,shutdown} SECONDS] [--cache-dir DIR]
       [--target qemu|ssh --ssh-host HOST [--ssh-user root] [--ssh-port 22] --ssh-key FILE --ssh-known-hosts FILE [--migrate-to HOST[:PORT]]]
       [--image-url URL --image-sha256 HEX] [--expected-failures FILE] [--baseline report.json] [--json]
       xen-conformance judge --report report.json [--baseline report.json] [--expected-failures FILE] [--out DIR] [--json]
       xen-conformance --help | --version`;

/** One line per option; `SETTING_NAMES` must all be here (a test holds it to that). */
export const OPTION_HELP: Record<(typeof SETTING_NAMES)[number] | 'out' | 'json' | 'report' | 'help' | 'version', string> = {
  distro: `distro profile of the Xen host: ${DISTRO_IDS.join(', ')} (default debian-12; only the Debian ones are verified end to end)`,
  packages: 'candidate package file or glob; repeat for more; none: the archive\'s own Xen packages (a baseline run)',
  checks: 'check ids or groups (static, host-before-reboot, dom0, domU), comma separated; none: all',
  out: 'where report.json, junit.xml, summary.md and the logs go (default xen-conformance-report)',
  'out-dir': 'the same as --out',
  accel: 'auto (KVM when it can run Xen, else TCG), kvm or tcg; target qemu only',
  'timeout-image': `seconds to build the base image (default ${DEFAULT_TIMEOUTS.image})`,
  'timeout-boot': `seconds for the base image to boot and answer SSH (default ${DEFAULT_TIMEOUTS.boot})`,
  'timeout-install': `seconds to install the candidates (default ${DEFAULT_TIMEOUTS.install})`,
  'timeout-reboot': `seconds for the reboot into Xen, until dom0 answers SSH (default ${DEFAULT_TIMEOUTS.reboot})`,
  'timeout-check': `seconds each check may take (default ${DEFAULT_TIMEOUTS.check})`,
  'timeout-shutdown': `seconds dom0 may take to shut down (default ${DEFAULT_TIMEOUTS.shutdown})`,
  'cache-dir': 'where base images are kept between runs (default ~/.cache/xen-conformance)',
  target: 'qemu (a VM here, the default) or ssh (your own Xen machine: it is reinstalled and rebooted)',
  'ssh-host': 'target ssh: host name or address of the machine',
  'ssh-user': 'target ssh: the login, which must be root (default root)',
  'ssh-port': 'target ssh: the SSH port (default 22)',
  'ssh-key': 'target ssh: a private key file without passphrase',
  'ssh-known-hosts': 'target ssh: a known_hosts file with the machine\'s host key (an unknown key is never accepted)',
  'migrate-to': 'target ssh: a second Xen machine (host or host:port) the migration checks move the guest to',
  'image-url': 'boot this http(s) cloud image (qcow2 or raw) instead of building one; needs --image-sha256',
  'image-sha256': 'the SHA-256 the image at --image-url must have',
  'expected-failures': 'a file of "check-id: reason" lines: those failures are reported as expected and do not fail the run',
  baseline: 'an earlier run\'s report.json: only regressions (was pass or warn, now fail or error) fail the run',
  'install-host-tools': 'true (default): install the host tools the runner lacks (QEMU, mmdebstrap, ...) with apt-get, through sudo when not root; false: stop and name them',
  report: 'judge: the report.json to judge again (its files are rewritten in --out, default its own directory)',
  json: 'print report.json on stdout instead of the Markdown summary',
  help: 'this help',
  version: 'the version',
};

const EXIT = `exit status: 0 nothing fails the run, 1 a check fails it (with --baseline: a regression), 2 bad input
(nothing started), 3 the infrastructure failed or the run was cancelled (the phase is named)`;

export function helpText(checks: readonly { id: string; title: string; where: Where }[]): string {
  const width = Math.max(...Object.keys(OPTION_HELP).map((k) => k.length)) + 4;
  const options = Object.entries(OPTION_HELP).map(([k, v]) => `  ${`--${k}`.padEnd(width)} ${v}`);
  const idWidth = Math.max(...checks.map((c) => c.id.length)) + 2;
  const list = checks.map((c) => `  ${c.id.padEnd(idWidth)} ${c.title} (${c.where})`);
  return [
    'xen-conformance: boots Xen with candidate packages and runs the Xen distro checklist as a conformance suite.',
    '',
    USAGE,
    '',
    'options:',
    ...options,
    '',
    EXIT,
    '',
    `checks (${checks.length}):`,
    ...list,
    '',
  ].join('\n');
}
