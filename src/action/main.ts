// The action: read inputs -> runConformance() -> publish. Nothing else.
import * as core from '@actions/core';
import { InputError } from '../errors.js';
import { cancelRun, runConformance } from '../pipeline.js';
import { prepare } from '../prepare.js';
import { toAnnotations } from '../report/annotations.js';
import { toMarkdown } from '../report/summary.js';
import { type RawSettings, SETTING_NAMES } from '../settings.js';

async function main(): Promise<void> {
  const raw = Object.fromEntries(SETTING_NAMES.map((n) => [n, core.getInput(n)])) as RawSettings;
  // Masked before anything can print it: the whole key and each line of it
  // (a log line holds at most one line of it).
  const key = raw['ssh-key'] ?? '';
  if (key.trim()) {
    core.setSecret(key);
    for (const line of key.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length >= 8)) core.setSecret(line);
  }
  let prepared;
  try {
    prepared = await prepare(raw);
  } catch (e) {
    if (e instanceof InputError) {
      core.setFailed(e.message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  // GitHub cancels a job with SIGINT, then SIGTERM: stop the VM, keep the partial report.
  process.on('SIGINT', () => cancelRun('SIGINT'));
  process.on('SIGTERM', () => cancelRun('SIGTERM'));
  const out = await runConformance(prepared, {
    log: (line) => core.info(line),
    onRunDir: (dir) => core.saveState('runDir', dir),
  });
  const { report } = out;
  await core.summary.addRaw(toMarkdown(report)).write();
  for (const a of toAnnotations(report)) {
    const props = { title: a.title };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  core.setOutput('passed', report.totals.pass);
  core.setOutput('failed', report.totals.fail + report.totals.error);
  core.setOutput('skipped', report.totals.skip + report.totals['not-applicable']);
  core.setOutput('report', out.files.json);
  core.setOutput('junit', out.files.junit);
  if (out.exitCode === 3) core.setFailed(`infrastructure failed in phase "${report.infraError?.phase}": ${report.infraError?.message}`);
  else if (out.exitCode === 1) core.setFailed(`${report.totals.fail + report.totals.error} conformance check(s) failed; see the job summary`);
  process.exitCode = out.exitCode;
}

main().catch((e) => {
  core.setFailed(`unexpected failure: ${(e as Error).stack ?? e}`);
  process.exitCode = 3;
});
