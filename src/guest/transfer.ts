// Moving the guest's things between hosts: its volume (only the chunks that
// differ from the copy there), as python3 scripts dom0 runs, and the image
// gzipped on its way from the runner.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';

/** The unit a volume is compared and sent in. */
export const CHUNK_BYTES = 1 << 20;

/**
 * A volume's content for another host whose volume holds most of it already:
 * each 1 MiB chunk whose md5 differs from the one stdin lists for that chunk
 * there (one per line; past the list's end the other volume is zeros), as
 * (offset, length) and the bytes. The guest's volume there was filled from
 * the same image as here: only what the guest wrote since goes (a few MiB,
 * where the whole volume's data took about 270 s at the 3 MB/s SSH moves in
 * a dom0 under TCG). python3 is in every dom0 (pygrub is written in it).
 * $1: the volume.
 */
export const SPARSE_SEND = [
  'import hashlib, struct, sys',
  `chunk = ${CHUNK_BYTES}`,
  'zero = bytes(chunk)',
  'zero_md5 = hashlib.md5(zero).hexdigest()',
  'there = sys.stdin.read().split()',
  'out = sys.stdout.buffer',
  'with open(sys.argv[1], "rb", buffering=0) as f:',
  '    i = offset = 0',
  '    while block := f.read(chunk):',
  '        if i < len(there):',
  '            differs = (zero_md5 if block == zero else hashlib.md5(block).hexdigest()) != there[i]',
  '        else:',
  '            differs = block != zero[: len(block)]',
  '        if differs:',
  '            out.write(struct.pack(">QQ", offset, len(block)))',
  '            out.write(block)',
  '        i += 1',
  '        offset += len(block)',
  'out.flush()',
].join('\n');

/** SPARSE_SEND's stream onto $1, the volume the sender was told the digests of; says how much it wrote. */
export const SPARSE_RECEIVE = [
  'import os, struct, sys',
  'inp = sys.stdin.buffer',
  'fd = os.open(sys.argv[1], os.O_WRONLY)',
  'chunks = written = 0',
  'while head := inp.read(16):',
  '    if len(head) != 16:',
  '        sys.exit("the stream ended inside a header")',
  '    offset, length = struct.unpack(">QQ", head)',
  '    block = inp.read(length)',
  '    if len(block) != length:',
  '        sys.exit("the stream ended inside a chunk")',
  '    os.pwrite(fd, block, offset)',
  '    chunks += 1',
  '    written += length',
  'os.fsync(fd)',
  'print(f"{chunks} chunks written, {written} bytes")',
].join('\n');

/** The md5 of each CHUNK_BYTES of $1 on a host, one per line, as SPARSE_SEND takes them (chunkDigests' on the runner). */
export const CHUNK_DIGESTS = [
  'import hashlib, sys',
  `chunk = ${CHUNK_BYTES}`,
  'with open(sys.argv[1], "rb", buffering=0) as f:',
  '    while block := f.read(chunk):',
  '        print(hashlib.md5(block).hexdigest())',
].join('\n');

/** The md5 of each CHUNK_BYTES of a file on the runner, as SPARSE_SEND takes them. */
export async function chunkDigests(file: string): Promise<string[]> {
  const f = await fs.open(file, 'r');
  try {
    const digests: string[] = [];
    const buf = Buffer.alloc(CHUNK_BYTES);
    for (let at = 0; ; at += CHUNK_BYTES) {
      const { bytesRead } = await f.read(buf, 0, CHUNK_BYTES, at);
      if (!bytesRead) return digests;
      digests.push(createHash('md5').update(buf.subarray(0, bytesRead)).digest('hex'));
    }
  } finally {
    await f.close();
  }
}

/** A file gzipped as a stream; an error reading it (or its consumer going away) ends both streams. */
export function gzipped(file: string) {
  return pipeline(createReadStream(file), createGzip({ level: 1 }), () => {});
}
