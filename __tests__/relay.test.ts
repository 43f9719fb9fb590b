import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPARSE_RECEIVE, SPARSE_SEND } from '../src/guest/guest.js';
import type { ExecOptions, Host } from '../src/host/host.js';
import { relay } from '../src/host/relay.js';
import { run } from '../src/proc.js';

/** Two "hosts" that are this machine: real processes, real pipes, as an SshHost's ssh would be. */
const local = { run: (argv: readonly string[], o: ExecOptions) => run(argv, o) } as unknown as Host;
const opts = { phase: 'relay test', timeoutMs: 20_000 };

describe('relay (one host to another through the runner)', () => {
  it('carries a stream many times a pipe buffer, byte for byte, and returns both ends', async () => {
    const { sent, received } = await relay(
      { host: local, argv: ['sh', '-c', 'head -c 33554432 /dev/zero | tr "\\0" x; printf end'] },
      { host: local, argv: ['sh', '-c', 'sha256sum; echo done >&2'] },
      opts,
    );
    const expected = createHash('sha256').update(Buffer.concat([Buffer.alloc(32 * 1024 ** 2, 'x'), Buffer.from('end')])).digest('hex');
    expect(sent.code).toBe(0);
    expect(received).toMatchObject({ code: 0, stderr: 'done\n' });
    expect(received.stdout.split(' ')[0]).toBe(expected);
  });

  it('stops the sender when the receiver gives up, well before its timeout', async () => {
    const started = Date.now();
    const { sent, received } = await relay({ host: local, argv: ['yes'] }, { host: local, argv: ['sh', '-c', 'head -c 10 >/dev/null; exit 4'] }, opts);
    expect(received.code).toBe(4);
    expect(sent.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a volume sent as its chunks that are not zeros (SPARSE_SEND into SPARSE_RECEIVE, real python3)', () => {
  it('arrives byte for byte on a zeroed volume, the zero chunks left out of the stream; a cut stream is an error', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-sparse-'));
    try {
      const MiB = 1024 ** 2;
      // 8 MiB and a ragged tail: data in chunk 0, a few bytes in chunk 5, the tail's last byte; the rest zeros.
      const data = Buffer.alloc(8 * MiB + 4097);
      data.fill(7, 0, MiB);
      data.write('xen', 5 * MiB + 100);
      data[data.length - 1] = 1;
      const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
      await fs.writeFile(src, data);
      await fs.writeFile(dst, Buffer.alloc(data.length));
      const stream = await run(['python3', '-c', SPARSE_SEND, src], { ...opts, binary: true });
      // Three chunks of data and their headers: not the zeros.
      expect(stream.bytes!.length).toBe(2 * MiB + 4097 + 3 * 16);
      const { sent, received } = await relay({ host: local, argv: ['python3', '-c', SPARSE_SEND, src] }, { host: local, argv: ['python3', '-c', SPARSE_RECEIVE, dst] }, opts);
      expect([sent.code, received.code]).toEqual([0, 0]);
      expect((await fs.readFile(dst)).equals(data)).toBe(true);
      const cut = await run(['python3', '-c', SPARSE_RECEIVE, dst], { ...opts, input: stream.bytes!.subarray(0, MiB), allowFailure: true });
      expect(cut.code).toBe(1);
      expect(cut.stderr.trim()).toBe('the stream ended inside a chunk');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
