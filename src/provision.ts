// Provisioning a host, the same for every host of the run (the migrate-to
// host too): the candidates installed, the boot config regenerated, a reboot
// into Xen, the boot proven. What differs between hosts is their HostRole:
// the phase names, the log files, and what each does around the steps.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { MigrateToHost } from './checks/check.js';
import { parseXlInfo } from './checks/dom0facts.js';
import type { RunConfig } from './config.js';
import { diskFull } from './diagnose.js';
import { profileFor } from './distro/index.js';
import type { DistroProfile } from './distro/profile.js';
import { BootFault, InfraError } from './errors.js';
import { readyToReceive } from './guest/start.js';
import { chunkDigests } from './guest/transfer.js';
import type { Host } from './host/host.js';
import type { SshHost } from './host/ssh-host.js';
import type { Candidate } from './packages.js';
import type { Prepared } from './pipeline.js';
import { type RunResult, lastLines } from './proc.js';
import type { Report } from './report/types.js';

/** How one host of the run is provisioned. */
export interface HostRole {
  /** Run a step as a phase of the run (the first host's are timed one by one; the migrate-to host's run inside its one phase). */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  phases: { install: string; regenerate: string; reboot: string };
  /** Its logs in the out dir; with grubCfg, the generated config is kept too. */
  logs: { install: string; bootConfig: string; grubCfg?: string };
  /** A failed regeneration in words (the log is written first); without it the command's own error stops the run. */
  bootConfigFailure?(r: RunResult): string;
  /** After the install, whatever its outcome (the first host records it, and reads which hypervisor package it has). */
  installed?(outcome: InstallOutcome): Promise<void>;
  /** What a failed install stops the run with (default: an infrastructure error naming the cause). */
  installFailed?(outcome: InstallOutcome): Error;
  /** The reboot did not come back and the console says why (default: that error stops the run). */
  bootFailed?(e: BootFault): Error;
  /** The boot config as the install left it, and as the regeneration wrote it (undefined: unreadable). */
  bootConfigs?(afterInstall: { config?: string; savedDefault?: string }, regenerated: string | undefined): void;
  /** After the boot config: false when the run needs no reboot (the first host's checks before the reboot run here). */
  beforeReboot?(): Promise<boolean>;
  /** Just before the reboot, and after it: how the boot into Xen is recorded or proven. */
  reboot?: { before?(): Promise<void>; after(): Promise<void> };
}

/** Install, regenerate, reboot, prove: true when the host rebooted into Xen, false when the run needed no reboot. */
export async function provisionHost(h: Host, p: Prepared, role: HostRole): Promise<boolean> {
  const { config } = p;
  const { install, regenerate, reboot } = role.phases;
  await role.step(install, async () => {
    const outcome = await installCandidates(h, p, path.join(config.outDir, role.logs.install), install);
    await role.installed?.(outcome);
    if (outcome.code !== 0) throw role.installFailed?.(outcome) ?? new InfraError(install, installFailure(outcome, profileFor(config.distro), role.logs.install));
  });
  await role.step(regenerate, () => regenerateBootConfig(h, profileFor(config.distro), role, config));
  if (role.beforeReboot && !(await role.beforeReboot())) return false;
  await role.reboot?.before?.();
  await role.step(reboot, () =>
    h.reboot({ phase: reboot, timeoutMs: config.timeouts.reboot * 1000 }).catch((e) => {
      throw e instanceof BootFault && role.bootFailed ? role.bootFailed(e) : e;
    }),
  );
  await role.reboot?.after();
  return true;
}

async function regenerateBootConfig(h: Host, profile: DistroProfile, role: HostRole, config: Prepared['config']): Promise<void> {
  const phase = role.phases.regenerate;
  const opts = { phase, timeoutMs: config.timeouts.install * 1000 };
  const read = async (file: string) => {
    const r = await h.run(['cat', file], { ...opts, allowFailure: true });
    return r.code === 0 ? r.stdout : undefined;
  };
  // The config as the install left it: the checklist's install step updates the boot entries itself.
  const afterInstall = role.bootConfigs ? { config: await read(profile.boot.configPath), savedDefault: await read(profile.boot.savedDefaultPath) } : undefined;
  const r = await h.run(profile.boot.regenerateCommand(), { ...opts, ...(role.bootConfigFailure ? { allowFailure: true } : {}) });
  await fs.writeFile(path.join(config.outDir, role.logs.bootConfig), r.stdout + r.stderr);
  if (r.code !== 0 && role.bootConfigFailure) throw new InfraError(phase, role.bootConfigFailure(r));
  if (!role.logs.grubCfg && !afterInstall) return;
  const regenerated = await read(profile.boot.configPath);
  if (afterInstall) role.bootConfigs?.(afterInstall, regenerated);
  // The generated config itself, for the packager to read next to the verdicts.
  if (role.logs.grubCfg) await fs.writeFile(path.join(config.outDir, role.logs.grubCfg), regenerated ?? '');
}

/**
 * A cloud image is ready once cloud-init is done (it may still be writing
 * apt's sources), is the release the profile says, and has today's package
 * lists (an image's own are as old as the image).
 */
export async function prepareCloudImage(h: Host, profile: DistroProfile, timeouts: RunConfig['timeouts'], log: (line: string) => void): Promise<void> {
  const phase = 'prepare the cloud image';
  const status = await h.run(['cloud-init', 'status', '--wait', '--long'], { phase, timeoutMs: timeouts.boot * 1000, allowFailure: true });
  if (status.code !== 0) log(`cloud-init reported a problem (exit ${status.code}): ${lastLines(status.stdout + status.stderr, 4).join(' | ')}`);
  const osRelease = await h.run(['cat', '/etc/os-release'], { phase, timeoutMs: 30_000 });
  const wrong = profile.osReleaseMismatch(osRelease.stdout);
  if (wrong) throw new InfraError(phase, wrong);
  await h.run(profile.packages.refreshIndexCommand(), { phase, timeoutMs: timeouts.install * 1000 });
}

const CANDIDATE_DIR = '/root/xc-candidates';

/** Where a candidate lands on the host: named from the package's own fields, so a hostile file name never reaches it. */
export function remotePath(profile: DistroProfile, c: Candidate): string {
  return `${CANDIDATE_DIR}/${profile.packages.fileName(c)}`;
}

/** An install as it ran: the command, its exit, its whole output. */
export interface InstallOutcome {
  command: string;
  code: number;
  output: string;
}

/** A failed install in words, for a host whose failed install is not judged by a check (the migrate-to host). */
function installFailure(o: InstallOutcome, profile: DistroProfile, logName: string): string {
  const cause = profile.packages.installFailureCause(o.output);
  return `${cause ? `${cause}. ` : ''}${o.command.split(' ').slice(0, 5).join(' ')} failed (exit ${o.code}): ${lastLines(o.output, 4).join(' | ')}; the whole output is in ${logName}`;
}

/**
 * Copy the candidates in and install them with the distro's package manager,
 * dependencies from the archive. A full disk is the environment's (the VM's
 * disk is this tool's choice); any other failure is returned, for the caller to judge.
 */
async function installCandidates(h: Host, p: Prepared, logFile: string, phase = 'install candidates'): Promise<InstallOutcome> {
  const profile = profileFor(p.config.distro);
  const timeoutMs = p.config.timeouts.install * 1000;
  await h.run(['mkdir', '-p', CANDIDATE_DIR], { phase, timeoutMs: 30_000 });
  const remote: string[] = [];
  for (const c of p.candidates) {
    const name = remotePath(profile, c);
    await h.put(c.path, name, { phase, timeoutMs });
    remote.push(name);
  }
  const argv = profile.packages.installCommand(remote.length ? remote : [profile.metaPackage]);
  const r = await h.run(argv, { phase, timeoutMs, allowFailure: true });
  await fs.writeFile(logFile, `$ ${argv.join(' ')}\n${r.stdout}${r.stderr}`);
  if (r.code !== 0) {
    const full = diskFull(r.stdout + r.stderr);
    if (full) throw new InfraError(phase, `${full}; the whole output is in ${path.basename(logFile)}`);
  }
  // apt explains unmet dependencies on stdout and only concludes on stderr.
  return { command: argv.join(' '), code: r.code, output: r.stdout + (r.stderr ? `\n${r.stderr}` : '') };
}

export const SECOND_CONNECT_PHASE = 'connect to the migrate-to host';
export const SECOND_PHASE = 'prepare the migrate-to host';

/**
 * The migrate-to host as the first one (provisionHost: the candidates
 * installed, the boot config regenerated, a reboot into Xen, proven by xl
 * info); then the bridge and the volume the guest arrives into, filled from
 * the guest's image (with the digests of its chunks: a migration sends only
 * those the guest changed). Its logs go to the out dir as migrate-to-*.log.
 */
export async function prepareSecondHost(b: SshHost, name: string, p: Prepared, image: string, log: (line: string) => void): Promise<MigrateToHost> {
  const phase = SECOND_PHASE;
  const { config } = p;
  await provisionHost(b, p, {
    step: (_name, fn) => fn(),
    phases: { install: phase, regenerate: phase, reboot: phase },
    logs: { install: 'migrate-to-install.log', bootConfig: 'migrate-to-boot-config.log' },
    bootConfigFailure: (boot) => `regenerating the boot config on the migrate-to host failed (exit ${boot.code}): ${lastLines(boot.stdout + boot.stderr, 2).join(' | ')}`,
    reboot: {
      async after() {
        const info = await b.run(['xl', 'info'], { phase, timeoutMs: 60_000, allowFailure: true });
        const version = parseXlInfo(info.stdout).xen_version;
        if (info.code !== 0 || !version) {
          throw new InfraError(phase, `the migrate-to host came back from its reboot but not in Xen (xl info: ${lastLines(info.stdout + info.stderr, 1).join('') || `exit ${info.code}`}); see its boot config in migrate-to-boot-config.log`);
        }
        log(`migrate-to host: in Xen ${version}`);
      },
    },
  });
  const [setup, volumeDigests] = await Promise.all([readyToReceive(b, image, config.timeouts, phase), chunkDigests(image)]);
  return { host: b, name, setup, volumeDigests };
}

/** The installed hypervisor package, as the family names it (Debian: xen-hypervisor-4.17-amd64; Fedora: xen-hypervisor). */
export async function installedHypervisor(h: Host, profile: DistroProfile): Promise<{ name: string; version: string } | undefined> {
  return profile.hypervisorPackage((argv) => h.run(argv, { phase: 'install candidates', timeoutMs: 30_000, allowFailure: true }));
}

export async function describeHost(h: Host, report: Report): Promise<void> {
  const opts = { phase: 'reboot into Xen', timeoutMs: 30_000, allowFailure: true };
  report.kernel = (await h.run(['uname', '-r'], opts)).stdout.trim();
  const info = await h.run(['xl', 'info'], opts);
  report.xenVersion = parseXlInfo(info.stdout).xen_version;
}
