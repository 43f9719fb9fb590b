// A cloud image as the base image, end to end: the test's cloud image (see
// cloud-fixture.ts) served over HTTP on 127.0.0.1, the bundled CLI given its
// URL and checksum, a fresh tool cache so the download really happens.
//
// The whole boot costs CI about six minutes on a cold machine (its own image
// build, cloud-init under TCG), which .ci/run's 40-minute budget does not
// hold: it runs with XC_E2E_CLOUD=1. The checksum test always runs, against
// a small real qcow2; the download, cache and seed have unit tests with a
// real HTTP server (cloud-image-fetch, nocloud).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Served, serveFile, testCloudImage, type TestCloudImage } from './cloud-fixture.js';
import { archiveDebs } from './debs.js';
import { processesMatching, readReport, runNode, statuses } from './run.js';

const MINUTES = 60_000;
// The checks that look before the reboot: the run stays within a few
// minutes (a cloud image's boots are slower: cloud-init runs under TCG).
const BOOT_CHECKS = ['boot.grub-xen-entry', 'boot.default-is-xen'];

const FULL = !!process.env.XC_E2E_CLOUD;

let work: string;
let image: TestCloudImage;
let served: Served;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-e2e-cloud-'));
  if (FULL) {
    const started = Date.now();
    image = await testCloudImage((l) => process.stderr.write(`cloud fixture: ${l}\n`));
    process.stderr.write(`cloud fixture: ${image.fresh ? 'made' : 'cached'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await fs.mkdir(path.join(work, 'debs'));
    await archiveDebs(['xen-system-amd64', 'xen-hypervisor-4.17-amd64'], path.join(work, 'debs'));
  } else {
    // For the checksum test: a real (empty) qcow2, whose checksum is not the one given.
    const file = path.join(work, 'small.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', file, '1G']);
    image = { file, sha256: createHash('sha256').update(await fs.readFile(file)).digest('hex'), fresh: true };
  }
  served = await serveFile(image.file, 'debian-12-genericcloud-amd64.qcow2');
}, 30 * MINUTES);

afterAll(async () => {
  await served?.close();
  await fs.rm(work, { recursive: true, force: true });
});

/** A private TMPDIR per run: whatever the run leaves in it (its xc-run-* directory) is seen, and only its own. */
async function privateTmp(name: string): Promise<string> {
  const dir = path.join(work, `tmp-${name}`);
  await fs.mkdir(dir);
  return dir;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('a cloud image as the base image', () => {
  test(
    'a checksum mismatch: exit 3, one line naming the phase and both checksums, nothing booted, nothing left',
    async () => {
      const cache = path.join(work, 'cache-mismatch');
      const out = path.join(work, 'out-mismatch');
      const wrong = '0'.repeat(64);
      const tmp = await privateTmp('mismatch');
      const r = await runNode('dist/cli.js', ['run', '--image-url', served.url, '--image-sha256', wrong, '--cache-dir', cache, '--out', out], { TMPDIR: tmp });
      expect(r.code).toBe(3);
      const failures = r.stderr.split('\n').filter((l) => /infrastructure failure/.test(l));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatch(
        new RegExp(`infrastructure failure: base image: ${served.url.replace(/[.]/g, '\\.')} has SHA-256 ${image.sha256}, not ${wrong} as image-sha256 says; the download was removed and nothing was booted`),
      );
      const report = await readReport(out);
      expect(report.infraError?.phase).toBe('base image');
      expect(report.phases.map((p) => p.phase)).not.toContain('boot the base image');
      // Nothing booted, nothing kept: no QEMU, no run directory, no download, no tool cache entry.
      expect(r.stderr).not.toMatch(/qemu:/);
      expect(processesMatching(tmp)).toEqual([]);
      expect(await fs.readdir(tmp)).toEqual([]);
      expect(await filesUnder(cache)).toEqual([]);
      expect(await fs.readFile(path.join(out, 'serial.log'), 'utf8')).toBe('');
    },
    5 * MINUTES,
  );

  (FULL ? test : test.skip)(
    'boots with the NoCloud key and a pinned per-run host key, installs the candidates, and its boot config puts Xen and dom0 on the serial console',
    async () => {
      const cache = path.join(work, 'cache');
      const out = path.join(work, 'out');
      const tmp = await privateTmp('run');
      const r = await runNode('dist/cli.js', [
        'run',
        '--image-url', served.url,
        '--image-sha256', image.sha256.toUpperCase(),
        '--cache-dir', cache,
        '--packages', `${work}/debs/*.deb`,
        '--checks', BOOT_CHECKS.join(','),
        '--out', out,
        // Bounds for a machine shared with other VM runs; the phases are the product's own.
        '--timeout-boot', '900',
        '--timeout-install', '1500',
      ], { TMPDIR: tmp });
      if (r.code !== 0) process.stderr.write(r.stderr);
      expect(r.code).toBe(0);
      const report = await readReport(out);
      expect(statuses(report)).toEqual(Object.fromEntries(BOOT_CHECKS.map((id) => [id, 'pass'])));
      expect(report.candidates).toEqual(expect.arrayContaining([expect.stringMatching(/^xen-hypervisor-4\.17-amd64 /)]));
      expect(report.candidateXenVersion).toMatch(/^4\.17\./);
      expect(report.phases.map((p) => p.phase)).toEqual(
        expect.arrayContaining(['base image', 'boot the base image', 'prepare the cloud image', 'install candidates', 'regenerate boot config']),
      );
      expect(report.phases.map((p) => p.phase)).not.toContain('reboot into Xen');
      // Downloaded once, over HTTP, into the tool cache under the checksum.
      expect(served.requests.filter((u) => u.endsWith('.qcow2')).length).toBeGreaterThanOrEqual(1);
      expect(await filesUnder(path.join(cache, 'tool-cache'))).toContain(path.join('xen-conformance-image', `0.0.0-sha256-${image.sha256}`, os.arch(), 'disk'));
      // cloud-init wrote our console settings before update-grub ran: Xen and dom0 on the serial port.
      const grub = await fs.readFile(path.join(out, 'grub.cfg'), 'utf8');
      expect(grub).toMatch(/multiboot2\s+\S*xen\S*\s.*console=com1 com1=115200,8n1 .*dom0_mem=1536M/);
      expect(grub).toMatch(/module2\s+\S*vmlinuz\S*\s.*console=hvc0/);
      // The image booted through its own GRUB and cloud-init found our seed.
      const serial = await fs.readFile(path.join(out, 'serial.log'), 'utf8');
      expect(serial).toMatch(/Cloud-init v\. \S+ finished at .* Datasource DataSourceNoCloud \[seed=\/dev\/vdb\]/);
      // Nothing left running or on disk.
      expect(r.stderr).toContain(`serial log ${tmp}/xc-run-`);
      expect(processesMatching(tmp)).toEqual([]);
      expect(await fs.readdir(tmp)).toEqual([]);
    },
    30 * MINUTES,
  );
});
