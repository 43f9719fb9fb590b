// A base image the distro publishes for clouds, instead of one built here:
// fetched by URL with @actions/tool-cache and kept there under its checksum
// (a self-hosted runner downloads it once), checked against the SHA-256 the
// user gave before anything boots, and reached through cloud-init's NoCloud
// seed (nocloud.ts).
import * as tc from '@actions/tool-cache';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CloudImageSource } from '../config.js';
import { InfraError } from '../errors.js';
import { sha256Of } from '../digest.js';
import { run, withTimeout } from '../proc.js';
import { DISK_BYTES } from './build.js';
import type { HostImage } from './image.js';
import { noCloudSeed } from './nocloud.js';

const PHASE = 'base image';
const TOOL = 'xen-conformance-image';
const FILE = 'disk';

export interface CloudImageOptions {
  cacheDir: string;
  timeoutMs: number;
  log: (line: string) => void;
}

/** tool-cache's place for a checksum: a semver version, as its find() requires. */
export function toolVersion(sha256: string): string {
  return `0.0.0-sha256-${sha256}`;
}

/**
 * Outside a runner (the CLI) tool-cache has no directories of its own: keep
 * its files next to the base images.
 */
export function ensureToolCacheDirs(cacheDir: string): void {
  process.env.RUNNER_TOOL_CACHE ||= path.join(cacheDir, 'tool-cache');
  process.env.RUNNER_TEMP ||= path.join(cacheDir, 'tmp');
}

export async function cloudImage(src: CloudImageSource, opts: CloudImageOptions): Promise<HostImage> {
  ensureToolCacheDirs(opts.cacheDir);
  const version = toolVersion(src.sha256);
  let dir = tc.find(TOOL, version);
  let disk: Disk;
  if (dir) {
    opts.log(`base image: ${src.url} cached in ${dir}`);
    disk = await inspect(path.join(dir, FILE), src.url);
  } else {
    const file = await download(src, opts);
    try {
      disk = await inspect(file, src.url);
      dir = await tc.cacheFile(file, FILE, TOOL, version);
    } finally {
      await fs.rm(file, { force: true });
    }
    opts.log(`base image: kept in ${dir}`);
    disk = { ...disk, file: path.join(dir, FILE) };
  }
  return {
    disk: disk.file,
    format: disk.format,
    overlayBytes: disk.virtualBytes < DISK_BYTES ? DISK_BYTES : undefined,
    cloud: true,
    seed: noCloudSeed,
  };
}

/** Download to a private file and prove it is the image asked for; a mismatch leaves nothing behind. */
async function download(src: CloudImageSource, opts: CloudImageOptions): Promise<string> {
  const dest = path.join(process.env.RUNNER_TEMP!, `xc-image-${randomUUID()}`);
  const started = Date.now();
  opts.log(`base image: downloading ${src.url}`);
  const fetching = fetchTo(src.url, dest);
  try {
    await withTimeout(fetching, opts.timeoutMs, () => {
      // tool-cache cannot be stopped: when the abandoned download ends, remove what it wrote.
      void fetching.then(() => fs.rm(dest, { force: true }), () => undefined);
      return new InfraError(PHASE, `downloading ${src.url} did not finish in ${Math.round(opts.timeoutMs / 1000)} s (timeout-image)`);
    });
    const { size } = await fs.stat(dest);
    const actual = await sha256Of(dest);
    if (actual !== src.sha256) {
      throw new InfraError(
        PHASE,
        `${src.url} has SHA-256 ${actual}, not ${src.sha256} as image-sha256 says; the download was removed and nothing was booted. ` +
          'Pass the checksum published with this image (a URL such as .../latest/ serves a new image, with a new checksum, from time to time)',
      );
    }
    opts.log(`base image: ${(size / 1024 ** 2).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s, SHA-256 as expected`);
    return dest;
  } catch (e) {
    await fs.rm(dest, { force: true });
    throw e;
  }
}

/** tool-cache's download (three attempts on a server error), its failure in our words. */
function fetchTo(url: string, dest: string): Promise<string> {
  return tc.downloadTool(url, dest).catch((e: Error) => {
    throw new InfraError(PHASE, `cannot download ${url}: ${e.message}`);
  });
}

export { sha256Of };

interface Disk {
  file: string;
  format: 'raw' | 'qcow2';
  virtualBytes: number;
}

/** Compressed files that qemu-img would take for a raw disk. */
const ARCHIVES: [string, number[]][] = [
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['gzip', [0x1f, 0x8b]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** A disk QEMU can boot as it is: qcow2 or raw, standing alone. */
async function inspect(file: string, url: string): Promise<Disk> {
  const fh = await fs.open(file, 'r');
  const head = Buffer.alloc(8);
  await fh.read(head, 0, 8, 0);
  await fh.close();
  const archive = ARCHIVES.find(([, magic]) => magic.every((b, i) => head[i] === b));
  if (archive) {
    throw new InfraError(PHASE, `${url} is ${archive[0]}-compressed; pass the URL of the image's .qcow2 or .raw file`);
  }
  const r = await run(['qemu-img', 'info', '--output=json', file], { phase: PHASE, timeoutMs: 60_000 });
  const info = JSON.parse(r.stdout) as { format: string; 'virtual-size': number; 'backing-filename'?: string; 'format-specific'?: { data?: { 'data-file'?: string } } };
  if (info.format !== 'qcow2' && info.format !== 'raw') {
    throw new InfraError(PHASE, `${url} is a ${info.format} image; pass the URL of a qcow2 or raw image`);
  }
  // Such a file would make QEMU read another file of the runner's into the VM.
  if (info['backing-filename'] || info['format-specific']?.data?.['data-file']) {
    throw new InfraError(PHASE, `${url} refers to another file (a backing or data file); pass a standalone qcow2 or raw image`);
  }
  return { file, format: info.format, virtualBytes: info['virtual-size'] };
}
