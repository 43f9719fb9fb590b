// Fetching a cloud image for real: a node HTTP server on 127.0.0.1, small
// disks made with qemu-img, @actions/tool-cache's real download and cache.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { createReadStream, promises as fs } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { InfraError } from '../src/errors.js';
import { DISK_BYTES } from '../src/image/build.js';
import { cloudImage, sha256Of, toolVersion } from '../src/image/cloud.js';

let root: string;
let server: http.Server;
let base: string;
/** Requests the server answered, by path. */
const served: string[] = [];
const savedEnv = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP };

beforeAll(async () => {
  // tool-cache waits 10-20 s between attempts; its own test hook makes that 0 here.
  Object.assign(globalThis, { TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS: 0, TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS: 0 });
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-cloud-fetch-'));
  await fs.mkdir(path.join(root, 'www'));
  const www = (f: string) => path.join(root, 'www', f);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', www('small.qcow2'), '64M']);
  execFileSync('qemu-img', ['create', '-q', '-f', 'raw', www('small.raw'), '16M']);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', www('big.qcow2'), String(DISK_BYTES + 1024 ** 3)]);
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/etc/hostname', www('backed.qcow2')]);
  await fs.writeFile(www('disk.raw.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 1, 2, 3]));
  server = http.createServer((req, res) => {
    served.push(req.url ?? '');
    const file = www(path.basename(req.url ?? ''));
    fs.stat(file).then(
      (st) => {
        res.writeHead(200, { 'content-length': st.size });
        createReadStream(file).pipe(res);
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(root, { recursive: true, force: true });
  process.env.RUNNER_TOOL_CACHE = savedEnv.cache;
  process.env.RUNNER_TEMP = savedEnv.temp;
  if (savedEnv.cache === undefined) delete process.env.RUNNER_TOOL_CACHE;
  if (savedEnv.temp === undefined) delete process.env.RUNNER_TEMP;
});

let n = 0;
/** A fresh cache dir, and tool-cache left to default under it as in the CLI. */
async function freshCache(): Promise<string> {
  delete process.env.RUNNER_TOOL_CACHE;
  delete process.env.RUNNER_TEMP;
  const dir = path.join(root, `cache-${++n}`);
  await fs.mkdir(dir);
  return dir;
}
afterEach(() => {
  served.length = 0;
});

const opts = (cacheDir: string, log: string[] = []) => ({ cacheDir, timeoutMs: 60_000, log: (l: string) => log.push(l) });
const www = (f: string) => path.join(root, 'www', f);

/** Every file under dir, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function rejectionOf(p: Promise<unknown>): Promise<InfraError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InfraError);
  return e as InfraError;
}

describe('cloudImage', () => {
  test('downloads once, keeps the image in the tool cache under its checksum, and finds it there the next time', async () => {
    const cache = await freshCache();
    const sha256 = await sha256Of(www('small.qcow2'));
    const src = { url: `${base}/small.qcow2`, sha256 };
    const log: string[] = [];
    const first = await cloudImage(src, opts(cache, log));
    expect(served).toEqual(['/small.qcow2']);
    expect(first.format).toBe('qcow2');
    expect(first.cloud).toBe(true);
    // 64 MB is less than a run needs: the overlay is made bigger, and cloud-init grows into it.
    expect(first.overlayBytes).toBe(DISK_BYTES);
    expect(first.disk).toBe(path.join(cache, 'tool-cache', 'xen-conformance-image', toolVersion(sha256), os.arch(), 'disk'));
    expect(await sha256Of(first.disk)).toBe(sha256);
    expect(log.join('\n')).toMatch(/SHA-256 as expected/);
    // No download left beside it.
    expect(await filesUnder(path.join(cache, 'tmp'))).toEqual([]);

    const again = await cloudImage(src, opts(cache));
    expect(served).toEqual(['/small.qcow2']);
    expect(again.disk).toBe(first.disk);
  });

  test('uses the runner\'s tool cache when there is one', async () => {
    const cache = await freshCache();
    process.env.RUNNER_TOOL_CACHE = path.join(root, 'runner-tool-cache');
    process.env.RUNNER_TEMP = path.join(root, 'runner-temp');
    const img = await cloudImage({ url: `${base}/small.qcow2`, sha256: await sha256Of(www('small.qcow2')) }, opts(cache));
    expect(img.disk.startsWith(path.join(root, 'runner-tool-cache') + '/')).toBe(true);
    expect(await filesUnder(cache)).toEqual([]);
  });

  test('takes a raw image as raw', async () => {
    const img = await cloudImage({ url: `${base}/small.raw`, sha256: await sha256Of(www('small.raw')) }, opts(await freshCache()));
    expect(img.format).toBe('raw');
    expect(img.overlayBytes).toBe(DISK_BYTES);
  });

  test('an image at least as big as a run needs keeps its own size', async () => {
    const img = await cloudImage({ url: `${base}/big.qcow2`, sha256: await sha256Of(www('big.qcow2')) }, opts(await freshCache()));
    expect(img.overlayBytes).toBeUndefined();
  });

  test('a checksum mismatch names the phase and both checksums, and leaves nothing behind', async () => {
    const cache = await freshCache();
    const actual = await sha256Of(www('small.qcow2'));
    const wrong = 'f'.repeat(64);
    const e = await rejectionOf(cloudImage({ url: `${base}/small.qcow2`, sha256: wrong }, opts(cache)));
    expect(e.phase).toBe('base image');
    expect(e.message).toContain(`base image: ${base}/small.qcow2 has SHA-256 ${actual}, not ${wrong} as image-sha256 says`);
    expect(e.message).toMatch(/the download was removed and nothing was booted/);
    expect(e.message).not.toMatch(/\n/);
    // Neither the download nor a tool cache entry is left.
    expect(await filesUnder(cache)).toEqual([]);
  });

  test('an HTTP error names the URL and the status, at once (no retry of a 404)', async () => {
    const started = Date.now();
    const e = await rejectionOf(cloudImage({ url: `${base}/missing.qcow2`, sha256: 'a'.repeat(64) }, opts(await freshCache())));
    expect(e.message).toBe(`base image: cannot download ${base}/missing.qcow2: Unexpected HTTP response: 404`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a compressed download is named as such, not booted as a raw disk', async () => {
    const cache = await freshCache();
    const e = await rejectionOf(cloudImage({ url: `${base}/disk.raw.xz`, sha256: await sha256Of(www('disk.raw.xz')) }, opts(cache)));
    expect(e.message).toMatch(/disk\.raw\.xz is xz-compressed; pass the URL of the image's \.qcow2 or \.raw file/);
    expect(await filesUnder(cache)).toEqual([]);
  });

  test('a qcow2 that points at another file of the runner is refused', async () => {
    const e = await rejectionOf(cloudImage({ url: `${base}/backed.qcow2`, sha256: await sha256Of(www('backed.qcow2')) }, opts(await freshCache())));
    expect(e.message).toMatch(/refers to another file \(a backing or data file\)/);
  });

  test('a download that outlasts timeout-image fails naming it', async () => {
    const slow = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write(Buffer.alloc(1000));
      // ... and nothing more until the client goes away.
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow.qcow2`;
    try {
      const e = await rejectionOf(cloudImage({ url, sha256: 'a'.repeat(64) }, { ...opts(await freshCache()), timeoutMs: 1500 }));
      expect(e.message).toBe(`base image: downloading ${url} did not finish in 2 s (timeout-image)`);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
