import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createGzip } from 'node:zlib';
import { run, settlesWithin } from '../src/proc.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('settlesWithin', () => {
  it('is true when the promise settles first (resolved or rejected), and leaves no timer behind', async () => {
    const before = timers();
    expect(await settlesWithin(Promise.resolve(1), 600_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 600_000)).toBe(true);
    // A ten-minute timer left running would keep the action's process alive after its run.
    expect(timers()).toBe(before);
  });

  it('is false when the bound runs out first', async () => {
    expect(await settlesWithin(new Promise(() => {}), 20)).toBe(false);
  });
});

describe('run', () => {
  const opts = { phase: 'test', timeoutMs: 10_000 };
  it('streams a file as stdin, gzipped on the way (how the guest image reaches a host over SSH)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-proc-'));
    try {
      const file = path.join(dir, 'image');
      // Larger than a pipe's buffer many times over, mostly zeros as an image is.
      const data = Buffer.alloc(8 * 1024 ** 2);
      data.write('the guest image', 4 * 1024 ** 2);
      await fs.writeFile(file, data);
      const r = await run(['sh', '-c', 'gzip -dc | sha256sum'], { ...opts, input: createReadStream(file).pipe(createGzip({ level: 1 })) });
      expect(r.stdout.split(' ')[0]).toBe(createHash('sha256').update(data).digest('hex'));
      // A file that cannot be read ends the command (its stdin would be short) and says why.
      const gone = await run(['sh', '-c', 'cat > /dev/null; sleep 30'], { ...opts, input: createReadStream(path.join(dir, 'missing')), allowFailure: true });
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/^reading the input failed: ENOENT/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps stdout as bytes when asked (binary): every byte value, unchanged', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await run(['cat'], { ...opts, input: all, binary: true });
    expect(r.bytes?.equals(all)).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('decodes text once, whole: a multi-byte character split across writes stays one character', async () => {
    // The euro sign's three bytes, written in two pieces with a pause between (two chunks on the pipe).
    const r = await run(['sh', '-c', "printf '\\342\\202'; sleep 0.2; printf '\\254\\n'"], opts);
    expect(r.stdout).toBe('€\n');
    expect(r.bytes).toBeUndefined();
  });
});
