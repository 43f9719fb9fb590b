// The flow, in one direction: settings -> base image (and the domU's) -> boot
// -> install the candidates -> regenerate the boot config -> checks before the
// reboot -> reboot into Xen -> dom0 checks -> start the domU -> domU checks ->
// domU lifecycle -> shut dom0 down -> report -> teardown. Nothing else.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MigrateToHost, RunFacts } from './checks/check.js';
import { type RunConfig, sshTargetName } from './config.js';
import { profileFor } from './distro/index.js';
import type { DistroProfile } from './distro/profile.js';
import { CandidateFault, InfraError } from './errors.js';
import { CATALOGUE } from './checks/index.js';
import { lineChanges } from './parsers/grubcfg.js';
import { CLEANUP_SCRIPT } from './guest/dom0-scripts.js';
import { guestConsole, startGuest } from './guest/start.js';
import type { AccelChoice } from './host/accel.js';
import { setEnvironment } from './host/environment.js';
import { TOOL_NAME, VERSION } from './version.js';
import type { Host } from './host/host.js';
import { QemuHost } from './host/qemu.js';
import { CONNECT_PHASE, SshHost } from './host/ssh-host.js';
import { type BaseImage, baseImage, builtHostImage, guestRecipe, hasImageBuilder } from './image/build.js';
import { cloudImage } from './image/cloud.js';
import type { HostImage } from './image/image.js';
import { type Candidate, candidateClosure } from './packages.js';
import { type CheckPhase, PHASES, type RunPlan, planRun } from './plan.js';
import { children, killGroup, lastLines } from './proc.js';
import { type HostRole, SECOND_CONNECT_PHASE, SECOND_PHASE, describeHost, installedHypervisor, prepareCloudImage, prepareSecondHost, provisionHost, remotePath } from './provision.js';
import type { CheckResult, Report } from './report/types.js';
import { writeReportFiles } from './report/write.js';
import { RunReport } from './run-report.js';
import { runChecks, runPhase } from './suite.js';
import { MIGRATE_TO_DIR } from './transport/ssh.js';
import { makeDirs } from './dirs.js';
import { type HostTool, installHostTools } from './host-tools.js';
import type { Privilege } from './privilege.js';

export { SECOND_CONNECT_PHASE };
export const TOOL = { name: TOOL_NAME, version: VERSION };

export interface Prepared {
  config: Omit<RunConfig, 'packages'>;
  candidates: Candidate[];
  /** The VM's accelerator; for target ssh, the one that builds the guest's image (none without a guest). */
  accel?: AccelChoice;
  /** How the runner runs a command as root (building images, installing host tools). */
  privilege: Privilege;
  /** Host tools the runner lacks, installed first (prepare stopped a run that may not). */
  missingTools: HostTool[];
  /** What preparing did to the runner (the udev rule that opens /dev/kvm), for the log. */
  notes: string[];
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


/** One run as it goes: what it was given, its plan, its report, and the hosts and guest it brought up. */
interface Run {
  p: Prepared;
  profile: DistroProfile;
  plan: RunPlan;
  out: RunReport;
  facts: RunFacts;
  runDir: string;
  hooks: PipelineHooks;
  host?: Host;
  second?: { host: SshHost; name: string };
  secondReady?: Promise<MigrateToHost>;
  guestImage?: BaseImage;
}

export async function runConformance(p: Prepared, hooks: PipelineHooks): Promise<Outcome> {
  const { config, candidates, accel } = p;
  const profile = profileFor(config.distro);
  // The accelerator the host runs on: a user's machine is hardware, whatever built the guest's image.
  const hostAccel = config.target.kind === 'qemu' ? accel : undefined;
  const out = new RunReport(
    {
      tool: TOOL,
      distro: profile.id,
      target: config.target.kind === 'ssh' ? `ssh (${sshTargetName(config.target)})` : `qemu (${hostAccel?.kind})`,
      candidates: candidates.length ? candidates.map((c) => `${c.name} ${c.version} ${c.arch}`) : [`${profile.metaPackage} (archive)`],
      ...(profile.verified ? {} : { profileUnverified: true }),
    },
    hooks.log,
  );
  if (!profile.verified) out.log(`${profile.title}: this profile is not verified end to end (built from its packaging and docs; see the README's distro table)`);
  const where = hostAccel ? `accelerator ${hostAccel.kind} (${hostAccel.why})` : `target ${out.report.target}`;
  out.log(`${profile.title}; candidates: ${out.report.candidates.join(', ')}; ${where}`);
  const plan = planRun(config.checks);
  const migrateTo = config.target.kind === 'ssh' ? config.target.migrateTo : undefined;
  // The second host is set up only for a check that moves the guest there.
  if (migrateTo && !plan.usesSecondHost) out.log(`migrate-to ${migrateTo.host}:${migrateTo.port} is not used: no check that migrates to it is wanted`);

  cancelled = undefined;
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-run-'));
  hooks.onRunDir?.(runDir);
  await makeDirs(config.outDir);
  const serialOut = path.join(config.outDir, 'serial.log');
  const run: Run = { p, profile, plan, out, facts: { accel: hostAccel?.kind }, runDir, hooks };
  for (const note of p.notes) out.log(note);
  try {
    if (p.missingTools.length) await out.phase('host tools', () => installHostTools(p.missingTools, p.privilege, config.timeouts.install * 1000, (l) => out.log(l)));
    await staticPhase(run);
    if (plan.needsHost) {
      const h = await bringUpHosts(run);
      if (config.image) await out.phase('prepare the cloud image', () => prepareCloudImage(h, profile, config.timeouts, (l) => out.log(l)));
      // Only where the accelerator needs something (KVM: the CET options); under TCG nothing is added.
      if (hostAccel?.xenOptions.length) {
        const env = await setEnvironment(h, profile, hostAccel, 'install candidates');
        out.report.environment = { xenOptions: env.options };
        out.log(`Xen's command line in this VM also gets ${env.options.join(' ')} (a setting of the test environment, not of the packages: ${env.file})`);
      }
      if (await provisionHost(h, p, firstHostRole(run, h))) {
        await checkPhase(run, PHASES.dom0);
        if (plan.startsGuest) await runGuest(run, h);
        await checkPhase(run, PHASES.endsHost);
      }
    }
  } catch (e) {
    if (e instanceof CandidateFault && !cancelled) await stopAtFault(run, e);
    else await out.failed(e, cancelled, async () => (await run.host?.serialTail(30)) ?? []);
  } finally {
    await fs.writeFile(serialOut, (await run.host?.serialLog()) ?? '');
    await run.host?.close();
    // Not cut off mid-install or mid-reboot on the user's second machine: its own bounds end it.
    await run.secondReady?.catch(() => {});
    await run.second?.host.close();
    await fs.rm(runDir, { recursive: true, force: true });
  }
  const { report, exitCode } = out.finish();
  const files = await writeReportFiles(report, config.outDir);
  return { report, files: { ...files, serial: serialOut }, exitCode };
}

/**
 * The candidates stopped the run: the check the fault names judges it (from
 * what the run recorded: the install's output, the console since the
 * reboot), whether or not the filter wanted it, and the report says that
 * nothing after it could be judged.
 */
async function stopAtFault(run: Run, fault: CandidateFault): Promise<void> {
  const { out, facts, profile, p, hooks } = run;
  const check = CATALOGUE.find((c) => c.id === fault.checkId)!;
  facts.fault = fault;
  const done = out.results.find((r) => r.id === check.id);
  if (done) out.results.splice(out.results.indexOf(done), 1);
  const [result] = await runChecks([check], { host: run.host ?? NO_HOST, profile, facts, timeoutMs: p.config.timeouts.check * 1000, timeouts: p.config.timeouts, earlier: out.results, onResult: hooks.onResult });
  out.results.push(result);
  out.report.stoppedBy = { check: check.id, phase: fault.phase, message: result.message };
  out.log(`${check.id} ${result.status}: ${result.message}; the run stops here, nothing after it could be judged`);
}

/** Static checks reach no host: one that tried would end in error, saying so. */
const NO_HOST = new Proxy({} as Host, {
  get: () => {
    throw new Error('a static check judges the candidate files and reaches no host');
  },
});

/**
 * The static tier, first: the candidate files unpacked on the runner (never
 * run) and judged in seconds, before any image is built or VM started.
 */
async function staticPhase(run: Run): Promise<void> {
  const checks = run.plan.checksOf(PHASES.static);
  if (!checks.length) return;
  const { p, profile, facts, out, hooks, runDir } = run;
  await out.checks(PHASES.static.name, async () => {
    const unpack = profile.packages.unpack;
    if (unpack) facts.candidateFiles = await Promise.all(p.candidates.map((c, i) => unpack(c.path, path.join(runDir, 'static', String(i)))));
    return runPhase(PHASES.static, checks, { host: NO_HOST, profile, facts, timeouts: p.config.timeouts, earlier: out.results, onResult: hooks.onResult });
  });
}

/** A phase of the plan, run by the suite on the first host: its wanted checks, or nothing when it runs only for some. */
async function checkPhase(run: Run, phase: CheckPhase): Promise<void> {
  const checks = run.plan.checksOf(phase);
  if (phase.onlyWhenWanted && !checks.length) return;
  const { host, profile, facts, out, hooks } = run;
  await out.checks(phase.name, () => runPhase(phase, checks, { host: host!, profile, facts, timeouts: run.p.config.timeouts, earlier: out.results, onResult: hooks.onResult }));
}

/**
 * The first host up (a VM booted from the base image, or a login to the
 * user's machine), the guest's image built, and the migrate-to host's
 * preparation under way alongside the first host's.
 */
async function bringUpHosts(run: Run): Promise<Host> {
  const { p, profile, out, plan, runDir } = run;
  const { config, accel } = p;
  const log = (line: string) => out.log(line);
  const imageOpts = { cacheDir: config.cacheDir, timeoutMs: config.timeouts.image * 1000, log, accelArgs: accel?.qemuArgs ?? [], privilege: p.privilege };
  /** The domU's image, built on the runner for either target (its first boot needs QEMU here). */
  const buildGuestImage = async () => {
    if (!plan.startsGuest) return;
    if (!hasImageBuilder(profile)) throw new InfraError('guest image', `no image builder for ${profile.id} yet`);
    if (!accel) throw new InfraError('guest image', 'no accelerator was chosen for building the guest image');
    run.guestImage = await out.phase('guest image', () => baseImage(profile, imageOpts, guestRecipe(profile)));
  };
  const target = config.target;
  if (target.kind === 'ssh') {
    // The user's machine is up already: no host image, no boot, a login.
    run.host = await out.phase(CONNECT_PHASE, () => SshHost.connect({ target, runDir, connectTimeoutMs: config.timeouts.boot * 1000, log }));
    if (plan.usesSecondHost && target.migrateTo) {
      const dir = path.join(runDir, MIGRATE_TO_DIR);
      await fs.mkdir(dir, { mode: 0o700 });
      const t = { ...target, ...target.migrateTo };
      const name = sshTargetName(t);
      run.second = { name, host: await out.phase(SECOND_CONNECT_PHASE, () => SshHost.connect({ target: t, runDir: dir, connectTimeoutMs: config.timeouts.boot * 1000, log })) };
    }
    await buildGuestImage();
  } else {
    if (!accel) throw new InfraError('boot the base image', 'no accelerator was chosen');
    let image: HostImage;
    if (config.image) {
      // A cloud image needs no builder, and is downloaded and its checksum checked first:
      // a wrong one ends the run before any build.
      const cloud = config.image;
      image = await out.phase('base image', () => cloudImage(cloud, imageOpts));
      await buildGuestImage();
    } else {
      // Both images at once: on a cold cache each build leaves a core idle much of the
      // time (dpkg and mkinitramfs run one process at a time).
      const built = out.phase('base image', async () => {
        if (!hasImageBuilder(profile)) throw new InfraError('base image', `no image builder for ${profile.id} yet`);
        return builtHostImage(await baseImage(profile, imageOpts));
      });
      [image] = await allSettled([built, buildGuestImage()] as const);
    }
    const guestDisk = run.guestImage?.disk;
    run.host = await out.phase('boot the base image', () => QemuHost.start({ image, accel, runDir, guestDisk, bootTimeoutMs: config.timeouts.boot * 1000, log }));
  }
  if (run.second && run.guestImage) {
    // Alongside the first host's install and reboot: the same candidates, then Xen, then the guest's image.
    const [b, image] = [run.second, run.guestImage.disk];
    run.secondReady = out.phase(SECOND_PHASE, () => prepareSecondHost(b.host, b.name, p, image, log));
    run.secondReady.catch(() => {}); // awaited before the domU; a failure meanwhile must not go unhandled
  }
  return run.host;
}

/** Every promise settled (none left running behind the run's back), then the first failure thrown, or the values. */
async function allSettled<T extends readonly unknown[]>(ps: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(ps);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The first host's provisioning: each step a phase of its own, the checks before the reboot before it, the boot recorded. */
function firstHostRole(run: Run, h: Host): HostRole {
  const { out, facts, plan, profile } = run;
  let serialBefore = 0;
  return {
    step: (name, fn) => out.phase(name, fn),
    phases: { install: 'install candidates', regenerate: 'regenerate boot config', reboot: 'reboot into Xen' },
    logs: { install: 'install.log', bootConfig: 'boot-config.log', grubCfg: 'grub.cfg' },
    async installed(outcome) {
      facts.install = outcome;
      facts.hypervisorPackage = await installedHypervisor(h, profile);
      out.report.candidateXenVersion = facts.hypervisorPackage?.version;
    },
    bootConfigs(afterInstall, regenerated) {
      facts.bootConfigAfterInstall = afterInstall;
      const changed = lineChanges(afterInstall.config ?? '', regenerated ?? '');
      out.log(`${profile.boot.regenerateCommand().join(' ')} ${changed.added + changed.removed ? `changed ${profile.boot.configPath}: ${changed.added} lines added, ${changed.removed} removed` : `left ${profile.boot.configPath} as the install wrote it`}`);
    },
    installFailed: () => new CandidateFault('install candidates', 'packaging.installs', 'the candidates do not install'),
    bootFailed(e) {
      facts.bootIdAfterReboot = undefined;
      facts.serialSinceReboot = e.serial;
      facts.bootFailure = e.failure;
      return new CandidateFault('reboot into Xen', 'boot.reaches-dom0', e.failure.words);
    },
    async beforeReboot() {
      await checkPhase(run, PHASES.beforeReboot);
      // A run filtered to checks that look before the reboot needs no reboot.
      return plan.reboots;
    },
    reboot: {
      async before() {
        facts.bootIdBeforeReboot = await h.bootId({ phase: 'reboot into Xen', timeoutMs: 30_000 });
        serialBefore = (await h.serialLog()).length;
      },
      async after() {
        facts.bootIdAfterReboot = await h.bootId({ phase: 'reboot into Xen', timeoutMs: 30_000 });
        facts.serialSinceReboot = (await h.serialLog()).slice(serialBefore);
        await describeHost(h, out.report);
      },
    },
  };
}

/** The domU half: start the guest, the checks that look at it, then those that change it, one at a time; then its things removed. */
async function runGuest(run: Run, h: Host): Promise<void> {
  const { p, profile, out, facts, guestImage } = run;
  const { config, candidates } = p;
  const dom0 = out.results.find((r) => r.id === 'boot.reaches-dom0');
  if (!guestImage) facts.guestNotStarted = 'no guest image was built';
  else if (dom0 && dom0.status !== 'pass') facts.guestNotStarted = 'boot.reaches-dom0 did not pass: there is no dom0 to start a domU in';
  else {
    const disk = { image: guestImage.disk, hostKey: guestImage.hostKey, attached: config.target.kind === 'qemu' };
    facts.guestCandidates = candidateClosure(profile.xenPackages.xenstoreUtils, candidates).map((c) => remotePath(profile, c));
    // The second host's preparation ends with the guest's image sent there: the guest starts here after
    // it, so that the two copies of the image do not compete (on the runner, and for the CPU of a runner
    // that hosts both machines: at once, neither had finished after 10 minutes under TCG).
    if (run.secondReady) facts.migrateTo = await run.secondReady;
    facts.guest = await out.phase('start the domU', () => startGuest(h, disk, config.timeouts));
    if (facts.guest.bootSeconds !== undefined) out.log(`the domU answered over SSH ${facts.guest.bootSeconds.toFixed(1)} s after xl create`);
  }
  try {
    await checkPhase(run, PHASES.domU);
    await checkPhase(run, PHASES.lifecycle);
  } finally {
    if (facts.guest?.created) {
      await fs.writeFile(path.join(config.outDir, 'domU-console.log'), await guestConsole(h));
    }
    if (facts.guest) {
      // A guest a check left running would hold up dom0's shutdown: that is domU.shutdown's verdict, not dom0's.
      // And a user's machine gets back what it had: no guest, volume group, loop device, bridge or key of ours.
      for (const [where, dom0] of [['dom0', h], ['the migrate-to host', facts.migrateTo?.host]] as const) {
        const r = await dom0?.run(['sh', '-c', CLEANUP_SCRIPT], { phase: 'domU lifecycle', timeoutMs: 120_000, allowFailure: true });
        if (r && r.code !== 0) out.log(`removing the guest's things from ${where} failed (exit ${r.code}): ${lastLines(r.stdout + r.stderr, 2).join(' | ')}`);
      }
    }
  }
}
