import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHUNK_DIGESTS, SPARSE_RECEIVE, SPARSE_SEND, chunkDigests } from '../src/guest/transfer.js';
import type { ExecOptions, Host } from '../src/host/host.js';
import { relay } from '../src/host/relay.js';
import { MIGRATE_RECEIVE, MIGRATE_SEND } from '../src/guest/migrate.js';
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

  it("both ways (xl migrate's stream through MIGRATE_SEND's own stdio into MIGRATE_RECEIVE): a banner back, 5 MB ahead, an answer back, and both end", async () => {
    // Stand-ins for the two xl commands that talk as they do: the sender runs its "ssh command" as xl does
    // (sh -c, the stream on the child's stdin and stdout, the parent's other fds left open), waits for
    // the receiver's banner, sends, and waits for its answer.
    const bin = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-xl-'));
    try {
      await fs.writeFile(
        path.join(bin, 'xl'),
        [
          '#!/usr/bin/env python3',
          'import subprocess, sys',
          'if sys.argv[1] == "migrate":',
          '    assert sys.argv[2:4] == ["-s", ""], sys.argv',
          '    child = subprocess.Popen(["sh", "-c", sys.argv[5]], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=False)',
          '    print("sender:", child.stdout.readline().decode().strip(), file=sys.stderr)',
          '    child.stdin.write(b"x" * 5000000 + b"\\nend\\n")',
          '    child.stdin.flush()',
          '    answer = child.stdout.readline().decode().strip()',
          '    print("sender:", answer, file=sys.stderr)',
          '    child.stdin.close()',
          '    child.wait()',
          '    sys.exit(0 if answer == "received 5000001 bytes" else 1)',
          'assert sys.argv[1:] == ["migrate-receive", "-p"], sys.argv',
          'print("ready", flush=True)',
          'n = 0',
          'for line in sys.stdin.buffer:',
          '    if line == b"end\\n":',
          '        break',
          '    n += len(line)',
          'print(f"received {n} bytes", flush=True)',
          'print("receiver: done", file=sys.stderr)',
        ].join('\n'),
        { mode: 0o755 },
      );
      const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
      const withXl = { run: (argv: readonly string[], o: ExecOptions) => run(argv, { ...o, env }) } as unknown as Host;
      const started = Date.now();
      const { sent, received } = await relay({ host: withXl, argv: MIGRATE_SEND }, { host: withXl, argv: MIGRATE_RECEIVE }, { ...opts, both: true });
      expect(sent).toMatchObject({ code: 0, stderr: 'sender: ready\nsender: received 5000001 bytes\n' });
      expect(received).toMatchObject({ code: 0, stderr: 'receiver: done\n' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await fs.rm(bin, { recursive: true, force: true });
    }
  });

  it('stops the sender when the receiver gives up, well before its timeout', async () => {
    const started = Date.now();
    const { sent, received } = await relay({ host: local, argv: ['yes'] }, { host: local, argv: ['sh', '-c', 'head -c 10 >/dev/null; exit 4'] }, opts);
    expect(received.code).toBe(4);
    expect(sent.code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a volume sent as the chunks that differ from the other side (SPARSE_SEND into SPARSE_RECEIVE, real python3)', () => {
  const MiB = 1024 ** 2;
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-sparse-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('onto a zeroed volume (no digests): byte for byte, the zero chunks left out of the stream; a cut stream is an error', async () => {
    // 8 MiB and a ragged tail: data in chunk 0, a few bytes in chunk 5, the tail's last byte; the rest zeros.
    const data = Buffer.alloc(8 * MiB + 4097);
    data.fill(7, 0, MiB);
    data.write('xen', 5 * MiB + 100);
    data[data.length - 1] = 1;
    const [src, dst] = [path.join(dir, 'src'), path.join(dir, 'dst')];
    await fs.writeFile(src, data);
    await fs.writeFile(dst, Buffer.alloc(data.length));
    const stream = await run(['python3', '-c', SPARSE_SEND, src], { ...opts, binary: true, input: '' });
    // Three chunks of data and their headers: not the zeros.
    expect(stream.bytes!.length).toBe(2 * MiB + 4097 + 3 * 16);
    const { sent, received } = await relay({ host: local, argv: ['python3', '-c', SPARSE_SEND, src], input: '' }, { host: local, argv: ['python3', '-c', SPARSE_RECEIVE, dst] }, opts);
    expect([sent.code, received.code]).toEqual([0, 0]);
    expect((await fs.readFile(dst)).equals(data)).toBe(true);
    const cut = await run(['python3', '-c', SPARSE_RECEIVE, dst], { ...opts, input: stream.bytes!.subarray(0, MiB), allowFailure: true });
    expect(cut.code).toBe(1);
    expect(cut.stderr.trim()).toBe('the stream ended inside a chunk');
  });

  it("onto a volume filled from the same image (its chunks' digests on stdin): only the changed chunks go, one turned to zeros among them", async () => {
    // The image: data in every chunk but the zeros of chunk 3 and 4, as a guest's free space.
    const image = Buffer.alloc(8 * MiB);
    for (let i = 0; i < 8; i++) if (i !== 3 && i !== 4) image.fill(i + 1, i * MiB, (i + 1) * MiB);
    const [img, here, there] = [path.join(dir, 'image'), path.join(dir, 'here'), path.join(dir, 'there')];
    await fs.writeFile(img, image);
    await fs.writeFile(there, image);
    // What the guest did since it booted: a byte in chunk 1, data into the zeros of chunk 4, chunk 6 discarded to zeros.
    const now = Buffer.from(image);
    now[MiB + 17] ^= 0xff;
    now.write('log', 4 * MiB + 9);
    now.fill(0, 6 * MiB, 7 * MiB);
    await fs.writeFile(here, now);
    const digests = await chunkDigests(img);
    expect(digests).toHaveLength(8);
    // The same digests hashed on a host (live migration hashes the receiving volume there), a ragged tail too.
    expect((await run(['python3', '-c', CHUNK_DIGESTS, img], opts)).stdout).toBe(`${digests.join('\n')}\n`);
    await fs.writeFile(path.join(dir, 'ragged'), image.subarray(0, 2 * MiB + 5));
    expect((await run(['python3', '-c', CHUNK_DIGESTS, path.join(dir, 'ragged')], opts)).stdout.trim().split('\n')).toEqual(await chunkDigests(path.join(dir, 'ragged')));
    const stream = await run(['python3', '-c', SPARSE_SEND, here], { ...opts, binary: true, input: digests.join('\n') });
    expect(stream.code).toBe(0);
    expect(stream.bytes!.length).toBe(3 * (MiB + 16));
    const { sent, received } = await relay({ host: local, argv: ['python3', '-c', SPARSE_SEND, here], input: digests.join('\n') }, { host: local, argv: ['python3', '-c', SPARSE_RECEIVE, there] }, opts);
    expect([sent.code, received.code]).toEqual([0, 0]);
    expect(received.stdout.trim()).toBe(`3 chunks written, ${3 * MiB} bytes`);
    expect((await fs.readFile(there)).equals(now)).toBe(true);
  });
});
