#!/usr/bin/env node
// Benchmark: a baseline run to report with a cold image cache, then warm.
// Prints the phase timings from each report.json, the whole run and the host
// half (the phases up to the dom0 checks) against the speed issue's
// targets, and the slowest checks; asserts nothing.
//   node scripts/bench.mjs            cold and warm (a fresh cache dir)
//   node scripts/bench.mjs --warm     warm only (the default cache)
//   extra flags after -- go to the CLI (e.g. -- --distro debian-13)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const sep = args.indexOf('--');
const extra = sep >= 0 ? args.slice(sep + 1) : [];
const warmOnly = args.includes('--warm');
const cache = warmOnly ? undefined : mkdtempSync(join(tmpdir(), 'xc-bench-cache-'));

function run(label) {
  const out = mkdtempSync(join(tmpdir(), 'xc-bench-out-'));
  const t0 = Date.now();
  const cli = ['dist/cli.js', 'run', '--out', out, ...(cache ? ['--cache-dir', cache] : []), ...extra];
  const r = spawnSync(process.execPath, cli, { stdio: ['ignore', 'ignore', 'inherit'] });
  const wall = (Date.now() - t0) / 1000;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
  rmSync(out, { recursive: true, force: true });
  console.log(`\n${label}: exit ${r.status}, ${wall.toFixed(1)} s wall, Xen ${report.xenVersion ?? '-'} on ${report.target}`);
  for (const p of report.phases) console.log(`  ${p.phase.padEnd(26)} ${p.seconds.toFixed(1).padStart(7)} s${p.ok ? '' : '  (failed)'}`);
  const slowest = [...report.checks].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);
  console.log(`  slowest checks: ${slowest.map((c) => `${c.id} ${(c.durationMs / 1000).toFixed(1)} s`).join(', ')}`);
  const t = report.totals;
  console.log(`  checks: ${t.pass} pass, ${t.fail} fail, ${t.error} error, ${t.skip} skip`);
  // The host half as a PR check filtered to host-before-reboot,dom0 would spend it warm:
  // every phase up to the dom0 checks but the image builds.
  const isImage = (p) => p.phase === 'base image' || p.phase === 'guest image';
  const sum = (ps) => ps.reduce((n, p) => n + p.seconds, 0);
  const hostHalf = report.phases.slice(0, report.phases.findIndex((p) => p.phase === 'dom0 checks') + 1).filter((p) => !isImage(p));
  const whole = report.phases.find((p) => p.phase === 'total')?.seconds ?? wall;
  console.log(`  whole run ${whole.toFixed(1)} s (${(whole - sum(report.phases.filter(isImage))).toFixed(1)} s without building images; target 420 s warm)`);
  console.log(`  host half ${sum(hostHalf).toFixed(1)} s without building images: ${hostHalf.map((p) => `${p.phase} ${p.seconds.toFixed(1)}`).join(', ')} (target 120 s warm)`);
  return wall;
}

try {
  const results = warmOnly ? [['warm', run('warm')]] : [['cold', run('cold cache')], ['warm', run('warm cache')]];
  console.log('\nsummary: ' + results.map(([k, s]) => `${k} ${s.toFixed(0)} s`).join(', '));
} finally {
  if (cache) rmSync(cache, { recursive: true, force: true });
}
