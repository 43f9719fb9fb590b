// The flow, in one direction: settings -> base image (and the domU's) -> boot
// -> install the candidates -> regenerate the boot config -> checks before the
// reboot -> reboot into Xen -> dom0 checks -> start the domU -> domU checks ->
// domU lifecycle -> shut dom0 down -> report -> teardown. Nothing else.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Check, RunFacts } from './checks/check.js';
import { CATALOGUE, isWanted, wantsGuest } from './checks/index.js';
import { type RunConfig, sshTargetName } from './config.js';
import { DebianProfile } from './distro/debian.js';
import { profileFor } from './distro/index.js';
import { installFailureCause } from './diagnose.js';
import { InfraError } from './errors.js';
import type { AccelChoice } from './host/accel.js';
import { ENVIRONMENT_DROPIN, environmentDropin, environmentXenOptions } from './host/environment.js';
import type { Host } from './host/host.js';
import { QemuHost } from './host/qemu.js';
import { CONNECT_PHASE, SshHost } from './host/ssh-host.js';
import { type BaseImage, baseImage, builtHostImage, guestRecipe } from './image/build.js';
import { CLEANUP_SCRIPT, chunkDigests, guestConsole, readyToReceive, startGuest } from './guest/guest.js';
import { cloudImage } from './image/cloud.js';
import type { HostImage } from './image/image.js';
import type { DistroProfile } from './distro/profile.js';
import { type Candidate, candidateClosure } from './packages.js';
import { children, killGroup, lastLines } from './proc.js';
import { MIGRATE_TO_DIR } from './transport/ssh.js';
import { runChecks } from './suite.js';
import { type CheckResult, type PhaseTiming, type Report, totalsOf } from './report/types.js';
import { writeReportFiles } from './report/write.js';

export const TOOL = { name: 'xen-conformance', version: '0.1.0' };

export interface Prepared {
  config: Omit<RunConfig, 'packages'>;
  candidates: Candidate[];
  /** The VM's accelerator; for target ssh, the one that builds the guest's image (none without a guest). */
  accel?: AccelChoice;
}

export interface PipelineHooks {
  log: (line: string) => void;
  /** Told the run's private directory as soon as it exists (the action's post step cleans it up). */
  onRunDir?: (dir: string) => void;
  onResult?: (r: CheckResult) => void;
}

export interface Outcome {
  report: Report;
  files: { json: string; junit: string; summary: string; serial: string };
  exitCode: 0 | 1 | 3;
}

let cancelled: string | undefined;
/** Stop the run now (a signal): every child ends, the phase under way fails, the report is still written. */
export function cancelRun(reason: string): void {
  cancelled = reason;
  for (const c of children) killGroup(c, 1000);
}

export async function runConformance(p: Prepared, hooks: PipelineHooks): Promise<Outcome> {
  const { config, candidates, accel } = p;
  const profile = profileFor(config.distro);
  const t0 = Date.now();
  const phases: PhaseTiming[] = [];
  const results: CheckResult[] = [];
  // The accelerator the host runs on: a user's machine is hardware, whatever built the guest's image.
  const hostAccel = config.target.kind === 'qemu' ? accel : undefined;
  const facts: RunFacts = { accel: hostAccel?.kind };
  const wanted = (c: Check) => isWanted(config.checks, c);
  const log = (line: string) => hooks.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}`);
  let current = 'start';
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    current = name;
    log(`${name} ...`);
    const started = Date.now();
    try {
      const out = await fn();
      phases.push({ phase: name, seconds: (Date.now() - started) / 1000, ok: true });
      log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return out;
    } catch (e) {
      phases.push({ phase: name, seconds: (Date.now() - started) / 1000, ok: false });
      throw e;
    }
  };
  const report: Report = {
    tool: TOOL,
    distro: profile.id,
    target: config.target.kind === 'ssh' ? `ssh (${sshTargetName(config.target)})` : `qemu (${hostAccel?.kind})`,
    candidates: candidates.length ? candidates.map((c) => `${c.name} ${c.version} ${c.arch}`) : [`${profile.metaPackage} (archive)`],
    startedAt: new Date(t0).toISOString(),
    finishedAt: '',
    phases,
    checks: results,
    totals: totalsOf([]),
  };
  const where = hostAccel ? `accelerator ${hostAccel.kind} (${hostAccel.why})` : `target ${report.target}`;
  log(`${profile.title}; candidates: ${report.candidates.join(', ')}; ${where}`);
  const migrateTo = config.target.kind === 'ssh' ? config.target.migrateTo : undefined;
  // The second host is set up only for a check that moves the guest there.
  const secondWanted = !!migrateTo && CATALOGUE.some((c) => c.usesMigrateTo && wanted(c));
  if (migrateTo && !secondWanted) log(`migrate-to ${migrateTo.host}:${migrateTo.port} is not used: no check that migrates to it is wanted`);

  cancelled = undefined;
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-run-'));
  hooks.onRunDir?.(runDir);
  await fs.mkdir(config.outDir, { recursive: true });
  const serialOut = path.join(config.outDir, 'serial.log');
  let host: Host | undefined;
  let second: SshHost | undefined;
  let secondName = '';
  let secondReady: Promise<NonNullable<RunFacts['migrateTo']>> | undefined;
  const guestWanted = wantsGuest(config.checks);
  let guestImage: BaseImage | undefined;
  try {
    const target = config.target;
    const imageOpts = { cacheDir: config.cacheDir, timeoutMs: config.timeouts.image * 1000, log, accelArgs: accel?.qemuArgs ?? [] };
    /** The domU's image, built on the runner for either target (its first boot needs QEMU here). */
    const buildGuestImage = async () => {
      if (!guestWanted) return;
      if (!(profile instanceof DebianProfile)) throw new InfraError('guest image', `no image builder for ${profile.id} yet`);
      if (!accel) throw new InfraError('guest image', 'no accelerator was chosen for building the guest image');
      guestImage = await phase('guest image', () => baseImage(profile, imageOpts, guestRecipe(profile)));
    };
    if (target.kind === 'ssh') {
      // The user's machine is up already: no host image, no boot, a login.
      host = await phase(CONNECT_PHASE, () => SshHost.connect({ target, runDir, connectTimeoutMs: config.timeouts.boot * 1000, log }));
      if (secondWanted && migrateTo) {
        const dir = path.join(runDir, MIGRATE_TO_DIR);
        await fs.mkdir(dir, { mode: 0o700 });
        const t = { ...target, ...migrateTo };
        secondName = sshTargetName(t);
        second = await phase(SECOND_CONNECT_PHASE, () => SshHost.connect({ target: t, runDir: dir, connectTimeoutMs: config.timeouts.boot * 1000, log }));
      }
      await buildGuestImage();
    } else {
      if (!(profile instanceof DebianProfile)) throw new InfraError('base image', `no image builder for ${profile.id} yet`);
      if (!accel) throw new InfraError('boot the base image', 'no accelerator was chosen');
      const image: HostImage = await phase('base image', async () =>
        config.image ? cloudImage(config.image, imageOpts) : builtHostImage(await baseImage(profile, imageOpts)),
      );
      await buildGuestImage();
      const guestDisk = guestImage?.disk;
      host = await phase('boot the base image', () => QemuHost.start({ image, accel, runDir, guestDisk, bootTimeoutMs: config.timeouts.boot * 1000, log }));
    }
    const h: Host = host;
    if (second && guestImage) {
      // Alongside the first host's install and reboot: the same candidates, then Xen, then the guest's image.
      const [b, image] = [second, guestImage.disk];
      secondReady = phase(SECOND_PHASE, () => prepareSecondHost(b, secondName, p, image, log));
      secondReady.catch(() => {}); // awaited before the domU; a failure meanwhile must not go unhandled
    }
    if (config.image) await phase('prepare the cloud image', () => prepareCloudImage(h, profile, config.timeouts, log));
    if (hostAccel) {
      report.environment = { xenOptions: environmentXenOptions(hostAccel) };
      await h.run(['tee', ENVIRONMENT_DROPIN], { phase: 'install candidates', timeoutMs: 30_000, input: environmentDropin(report.environment.xenOptions) });
      log(`Xen's command line in this VM also gets ${report.environment.xenOptions.join(' ')} (a setting of the test environment, in ${ENVIRONMENT_DROPIN})`);
    }
    await phase('install candidates', () => installCandidates(h, p, path.join(config.outDir, 'install.log')));
    facts.hypervisorPackage = await installedHypervisor(h);
    report.candidateXenVersion = facts.hypervisorPackage?.version;
    await phase('regenerate boot config', async () => {
      const opts = { phase: 'regenerate boot config', timeoutMs: config.timeouts.install * 1000 };
      const r = await h.run(profile.bootConfigCommand(), opts);
      await fs.writeFile(path.join(config.outDir, 'boot-config.log'), r.stdout + r.stderr);
      // The generated config itself, for the packager to read next to the verdicts.
      const cfg = await h.run(['cat', profile.grubCfg], { ...opts, allowFailure: true });
      await fs.writeFile(path.join(config.outDir, 'grub.cfg'), cfg.stdout);
    });
    const suite = (checks: Check[], timeoutMs = config.timeouts.check * 1000, concurrency?: number) =>
      runChecks(checks.filter(wanted), { host: h, profile, facts, timeoutMs, timeouts: config.timeouts, earlier: results, onResult: hooks.onResult, concurrency });
    /** The domU half: start the guest, the checks that look at it, then those that change it, one at a time. */
    const runGuest = async (h: Host) => {
      const dom0 = results.find((r) => r.id === 'boot.reaches-dom0');
      if (!guestImage) facts.guestNotStarted = 'no guest image was built';
      else if (dom0 && dom0.status !== 'pass') facts.guestNotStarted = 'boot.reaches-dom0 did not pass: there is no dom0 to start a domU in';
      else {
        const disk = { image: guestImage.disk, hostKey: guestImage.hostKey, attached: config.target.kind === 'qemu' };
        facts.guestCandidates = candidateClosure(profile.xenPackages.xenstoreUtils, candidates).map(remotePath);
        // The second host's preparation ends with the guest's image sent there: the guest starts here after
        // it, so that the two copies of the image do not compete (on the runner, and for the CPU of a runner
        // that hosts both machines: at once, neither had finished after 10 minutes under TCG).
        if (secondReady) facts.migrateTo = await secondReady;
        facts.guest = await phase('start the domU', () => startGuest(h, disk, config.timeouts));
        if (facts.guest.bootSeconds !== undefined) log(`the domU answered over SSH ${facts.guest.bootSeconds.toFixed(1)} s after xl create`);
      }
      try {
        results.push(...(await phase('domU checks', () => suite(CATALOGUE.filter((c) => c.where === 'domU' && !c.changesGuest)))));
        // A lifecycle check waits for the guest to come back: its bound is a check's plus a boot's,
        // and an install's more with a second host (the guest's volume is copied there).
        const lifecycle = CATALOGUE.filter((c) => c.changesGuest && wanted(c));
        const bound = config.timeouts.check + config.timeouts.boot + (facts.migrateTo ? config.timeouts.install : 0);
        if (lifecycle.length) results.push(...(await phase('domU lifecycle', () => suite(lifecycle, bound * 1000, 1))));
      } finally {
        if (facts.guest?.created) {
          await fs.writeFile(path.join(config.outDir, 'domU-console.log'), await guestConsole(h));
        }
        if (facts.guest) {
          // A guest a check left running would hold up dom0's shutdown: that is domU.shutdown's verdict, not dom0's.
          // And a user's machine gets back what it had: no guest, volume group, loop device, bridge or key of ours.
          for (const [where, dom0] of [['dom0', h], ['the migrate-to host', facts.migrateTo?.host]] as const) {
            const r = await dom0?.run(['sh', '-c', CLEANUP_SCRIPT], { phase: 'domU lifecycle', timeoutMs: 120_000, allowFailure: true });
            if (r && r.code !== 0) log(`removing the guest's things from ${where} failed (exit ${r.code}): ${lastLines(r.stdout + r.stderr, 2).join(' | ')}`);
          }
        }
      }
    };
    results.push(...(await phase('checks before reboot', () => suite(CATALOGUE.filter((c) => c.where === 'host-before-reboot')))));

    // A run filtered to checks that look before the reboot needs no reboot.
    if (CATALOGUE.some((c) => c.where !== 'host-before-reboot' && wanted(c))) {
      facts.bootIdBeforeReboot = await h.bootId({ phase: 'reboot into Xen', timeoutMs: 30_000 });
      const serialBefore = (await h.serialLog()).length;
      await phase('reboot into Xen', () => h.reboot({ phase: 'reboot into Xen', timeoutMs: config.timeouts.reboot * 1000 }));
      facts.bootIdAfterReboot = await h.bootId({ phase: 'reboot into Xen', timeoutMs: 30_000 });
      facts.serialSinceReboot = (await h.serialLog()).slice(serialBefore);
      await describeHost(h, report);
      results.push(...(await phase('dom0 checks', () => suite(CATALOGUE.filter((c) => c.where === 'dom0' && !c.endsHost)))));
      if (guestWanted) await runGuest(h);
      // Last: these shut the host down. Their own bound plus room to gather the evidence.
      const enders = CATALOGUE.filter((c) => c.endsHost && wanted(c));
      if (enders.length) results.push(...(await phase('shut down dom0', () => suite(enders, (config.timeouts.shutdown + 30) * 1000))));
    }
  } catch (e) {
    const err = e instanceof InfraError ? e : new InfraError(current, (e as Error).stack ?? String(e));
    report.infraError = {
      phase: err.phase,
      message: cancelled ? `cancelled (${cancelled}) during ${current}` : err.message,
      serialTail: err.serialTail.length ? err.serialTail : ((await host?.serialTail(30)) ?? []),
    };
    log(`infrastructure failure: ${report.infraError.message}`);
  } finally {
    await fs.writeFile(serialOut, (await host?.serialLog()) ?? '');
    await host?.close();
    // Not cut off mid-install or mid-reboot on the user's second machine: its own bounds end it.
    await secondReady?.catch(() => {});
    await second?.close();
    await fs.rm(runDir, { recursive: true, force: true });
  }
  phases.push({ phase: 'total', seconds: (Date.now() - t0) / 1000, ok: !report.infraError });
  report.finishedAt = new Date().toISOString();
  report.totals = totalsOf(results);
  const files = await writeReportFiles(report, config.outDir);
  const exitCode = report.infraError ? 3 : report.totals.fail + report.totals.error > 0 ? 1 : 0;
  return { report, files: { ...files, serial: serialOut }, exitCode };
}

/**
 * A cloud image is ready once cloud-init is done (it may still be writing
 * apt's sources), is the release the profile says, and has today's package
 * lists (an image's own are as old as the image).
 */
async function prepareCloudImage(h: Host, profile: DistroProfile, timeouts: RunConfig['timeouts'], log: (line: string) => void): Promise<void> {
  const phase = 'prepare the cloud image';
  const status = await h.run(['cloud-init', 'status', '--wait', '--long'], { phase, timeoutMs: timeouts.boot * 1000, allowFailure: true });
  if (status.code !== 0) log(`cloud-init reported a problem (exit ${status.code}): ${lastLines(status.stdout + status.stderr, 4).join(' | ')}`);
  const osRelease = await h.run(['cat', '/etc/os-release'], { phase, timeoutMs: 30_000 });
  const wrong = profile.osReleaseMismatch(osRelease.stdout);
  if (wrong) throw new InfraError(phase, wrong);
  await h.run(profile.refreshIndexCommand(), { phase, timeoutMs: timeouts.install * 1000 });
}

const CANDIDATE_DIR = '/root/xc-candidates';

/** Where a candidate lands on the host: named from the package's own fields, so a hostile file name never reaches it. */
function remotePath(c: Candidate): string {
  return `${CANDIDATE_DIR}/${c.name}_${c.version.replace(/:/g, '%3a')}_${c.arch}.deb`;
}

/** Copy the candidates in and install them with the distro's package manager, dependencies from the archive. */
async function installCandidates(h: Host, p: Prepared, logFile: string, phase = 'install candidates'): Promise<void> {
  const profile = profileFor(p.config.distro);
  const timeoutMs = p.config.timeouts.install * 1000;
  await h.run(['mkdir', '-p', CANDIDATE_DIR], { phase, timeoutMs: 30_000 });
  const remote: string[] = [];
  for (const c of p.candidates) {
    const name = remotePath(c);
    await h.put(c.path, name, { phase, timeoutMs });
    remote.push(name);
  }
  const argv = profile.installCommand(remote.length ? remote : [profile.metaPackage]);
  const r = await h.run(argv, { phase, timeoutMs, allowFailure: true });
  await fs.writeFile(logFile, `$ ${argv.join(' ')}\n${r.stdout}${r.stderr}`);
  if (r.code !== 0) {
    // apt explains unmet dependencies on stdout and only concludes on stderr.
    const why = [...lastLines(r.stdout, 4), ...lastLines(r.stderr, 2)].join(' | ');
    const cause = installFailureCause(r.stdout + r.stderr);
    throw new InfraError(phase, `${cause ? `${cause}. ` : ''}${argv.slice(0, 5).join(' ')} failed (exit ${r.code}): ${why}; the whole output is in ${path.basename(logFile)}`);
  }
}

export const SECOND_CONNECT_PHASE = 'connect to the migrate-to host';
const SECOND_PHASE = 'prepare the migrate-to host';

/**
 * The migrate-to host as the first one: the candidates installed, the boot
 * config regenerated, a reboot into Xen; then the bridge and the volume the
 * guest arrives into, filled from the guest's image (with the digests of its
 * chunks: a migration sends only those the guest changed). Its logs go to the
 * out dir as migrate-to-*.log.
 */
async function prepareSecondHost(b: SshHost, name: string, p: Prepared, image: string, log: (line: string) => void): Promise<NonNullable<RunFacts['migrateTo']>> {
  const phase = SECOND_PHASE;
  const { config } = p;
  const profile = profileFor(config.distro);
  await installCandidates(b, p, path.join(config.outDir, 'migrate-to-install.log'), phase);
  const opts = { phase, timeoutMs: config.timeouts.install * 1000 };
  const boot = await b.run(profile.bootConfigCommand(), { ...opts, allowFailure: true });
  await fs.writeFile(path.join(config.outDir, 'migrate-to-boot-config.log'), boot.stdout + boot.stderr);
  if (boot.code !== 0) throw new InfraError(phase, `regenerating the boot config on the migrate-to host failed (exit ${boot.code}): ${lastLines(boot.stdout + boot.stderr, 2).join(' | ')}`);
  await b.reboot({ phase, timeoutMs: config.timeouts.reboot * 1000 });
  const info = await b.run(['xl', 'info'], { phase, timeoutMs: 60_000, allowFailure: true });
  const version = /^xen_version\s*:\s*(.*)$/m.exec(info.stdout)?.[1]?.trim();
  if (info.code !== 0 || !version) {
    throw new InfraError(phase, `the migrate-to host came back from its reboot but not in Xen (xl info: ${lastLines(info.stdout + info.stderr, 1).join('') || `exit ${info.code}`}); see its boot config in migrate-to-boot-config.log`);
  }
  log(`migrate-to host: in Xen ${version}`);
  const [setup, volumeDigests] = await Promise.all([readyToReceive(b, image, config.timeouts, phase), chunkDigests(image)]);
  return { host: b, name, setup, volumeDigests };
}

async function installedHypervisor(h: Host): Promise<{ name: string; version: string } | undefined> {
  const r = await h.run(['dpkg-query', '-W', '-f', '${db:Status-Abbrev} ${Package} ${Version}\n', 'xen-hypervisor-*'], {
    phase: 'install candidates',
    timeoutMs: 30_000,
    allowFailure: true,
  });
  const line = r.stdout.split('\n').find((l) => /^ii\s+xen-hypervisor-\d/.test(l));
  if (!line) return undefined;
  const [, name, version] = line.trim().split(/\s+/);
  return { name, version };
}

async function describeHost(h: Host, report: Report): Promise<void> {
  const opts = { phase: 'reboot into Xen', timeoutMs: 30_000, allowFailure: true };
  report.kernel = (await h.run(['uname', '-r'], opts)).stdout.trim();
  const info = await h.run(['xl', 'info'], opts);
  report.xenVersion = /^xen_version\s*:\s*(.*)$/m.exec(info.stdout)?.[1]?.trim();
}
