// Lists an initramfs on the runner: its bytes come over SSH and are read here,
// not in dom0. Under emulation dom0's own lister (lsinitramfs) took 10 s alone
// and 30 s beside the other checks: most of the dom0 checks' time. An image is
// what the kernel unpacks: cpio (newc) archives, uncompressed (early microcode)
// or compressed, one after another, with zero padding between them.
import { gunzipSync } from 'node:zlib';
import { lastLine, run } from '../proc.js';

/** Compressed streams by their magic bytes, and the runner's tool that decompresses each (gzip: node's zlib). */
const COMPRESSED: { name: string; magic: number[]; argv?: string[] }[] = [
  { name: 'gzip', magic: [0x1f, 0x8b] },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], argv: ['zstd', '-dcq'] },
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], argv: ['xz', '-dc'] },
  { name: 'lz4', magic: [0x02, 0x21, 0x4c, 0x18], argv: ['lz4', '-dc'] },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], argv: ['bzip2', '-dc'] },
  { name: 'lzma', magic: [0x5d, 0x00, 0x00], argv: ['xz', '--format=lzma', '-dc'] },
];

const NEWC = ['070701', '070702'];
const HEADER = 110;

const align4 = (n: number) => (n + 3) & ~3;

/** The paths of one or more concatenated cpio archives in `data` (uncompressed); where they end. */
function cpioNames(data: Buffer, start: number, names: string[]): number {
  let off = start;
  for (;;) {
    if (off + HEADER > data.length) throw new Error(`the cpio archive is cut short at byte ${off}`);
    if (!NEWC.includes(data.toString('latin1', off, off + 6))) throw new Error(`no cpio header at byte ${off}`);
    const field = (i: number) => parseInt(data.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const size = field(6);
    const nameSize = field(11);
    if (Number.isNaN(size) || Number.isNaN(nameSize) || nameSize < 1) throw new Error(`a malformed cpio header at byte ${off}`);
    const name = data.toString('utf8', off + HEADER, off + HEADER + nameSize - 1);
    off = align4(align4(off + HEADER + nameSize) + size);
    if (off > data.length) throw new Error(`the cpio archive is cut short in ${name}`);
    if (name === 'TRAILER!!!') return off;
    names.push(name.replace(/^\.\//, ''));
  }
}

async function decompress(kind: (typeof COMPRESSED)[number], data: Buffer): Promise<Buffer> {
  if (!kind.argv) return gunzipSync(data);
  const r = await run(kind.argv, { phase: 'read the initramfs', timeoutMs: 120_000, input: data, allowFailure: true, binary: true }).catch((e: Error) => {
    throw new Error(`the initramfs is ${kind.name}-compressed and the runner cannot decompress it (${e.message}); install ${kind.argv![0]} on the runner`);
  });
  if (r.code !== 0) throw new Error(`${kind.argv.join(' ')} could not decompress the initramfs: ${lastLine(r.stderr)}`);
  return r.bytes!;
}

/** Every path in an initramfs image (early uncompressed archives and the compressed main one). */
export async function initramfsNames(image: Buffer): Promise<string[]> {
  const names: string[] = [];
  let data = image;
  let off = 0;
  for (;;) {
    while (off < data.length && data[off] === 0) off++;
    if (off >= data.length) return names;
    if (NEWC.includes(data.toString('latin1', off, off + 6))) {
      off = cpioNames(data, off, names);
      continue;
    }
    const kind = COMPRESSED.find((k) => k.magic.every((b, i) => data[off + i] === b));
    if (!kind) throw new Error(`not an initramfs: neither a cpio archive nor a known compression at byte ${off}`);
    // The compressed archive runs to the end of the image; what it holds is read as one more image.
    data = await decompress(kind, data.subarray(off));
    off = 0;
  }
}
