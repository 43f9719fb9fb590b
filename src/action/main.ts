// The action: read inputs -> runConformance() -> judge -> publish. Nothing else.
import * as core from '@actions/core';
import { InputError } from '../errors.js';
import { cancelRun, runConformance } from '../pipeline.js';
import { prepare } from '../prepare.js';
import { toAnnotations } from '../report/annotations.js';
import { judgeAndWrite } from '../report/finish.js';
import { resultLine } from '../report/progress.js';
import { runUrlFromEnv, toMarkdown } from '../report/summary.js';
import { type RawSettings, SETTING_NAMES } from '../settings.js';
import { phaseGrouper } from './log.js';
import { outputsOf } from './outputs.js';
import { saveRunDir } from './state.js';

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
      // Nothing ran: no count reads as "0 failed".
      core.setOutput('conclusion', 'infrastructure-failure');
      core.setFailed(e.message);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  // GitHub cancels a job with SIGINT, then SIGTERM: stop the VM, keep the partial report.
  process.on('SIGINT', () => cancelRun('SIGINT'));
  process.on('SIGTERM', () => cancelRun('SIGTERM'));
  const log = phaseGrouper(core);
  const out = await runConformance(prepared, {
    log: (line) => log.line(line),
    onResult: (r) => core.info(resultLine(r)),
    onRunDir: saveRunDir,
  });
  log.end();
  const runUrl = runUrlFromEnv(process.env);
  const { config } = prepared;
  const done = await judgeAndWrite(out.report, { expectedFailures: config.expectedFailures ?? [], baseline: config.baseline }, config.outDir, runUrl);
  const { report } = done;
  await core.summary.addRaw(toMarkdown(report, { runUrl })).write();
  for (const a of toAnnotations(report)) {
    const props = { title: a.title };
    if (a.level === 'error') core.error(a.message, props);
    else if (a.level === 'warning') core.warning(a.message, props);
    else core.notice(a.message, props);
  }
  for (const [k, v] of Object.entries(outputsOf(report))) core.setOutput(k, v);
  core.setOutput('report', done.files.json);
  core.setOutput('junit', done.files.junit);
  const failing = report.verdict?.failing ?? [];
  // A cancel reads the same ("infrastructure failed in phase ...: cancelled (SIGINT) during ..."); the conclusion output tells them apart.
  if (report.infraError) core.setFailed(`infrastructure failed in phase "${report.infraError.phase}": ${report.infraError.message}`);
  else if (done.exitCode === 1) core.setFailed(`${failing.length} conformance check(s) fail the job${config.baseline ? ' (regressions against the baseline)' : ''}: ${failing.join(', ')}; see the job summary`);
  process.exitCode = done.exitCode;
}

main().catch((e) => {
  core.setOutput('conclusion', 'infrastructure-failure');
  core.setFailed(`unexpected failure: ${(e as Error).stack ?? e}`);
  process.exitCode = 3;
});
