// Real initramfs images for unit tests, made as initramfs-tools makes them:
// GNU cpio in newc format, then a compressor; an early uncompressed archive
// (CPU microcode) in front when asked for.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

function cpioOf(files: string[]): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'xc-initramfs-'));
  try {
    for (const f of files) {
      mkdirSync(path.join(dir, path.dirname(f)), { recursive: true });
      writeFileSync(path.join(dir, f), `${f}\n`);
    }
    return execFileSync('cpio', ['--quiet', '-o', '-H', 'newc'], { cwd: dir, input: files.join('\n') + '\n', maxBuffer: 1 << 28 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** files in a newc archive compressed by `compress` (argv reading stdin, e.g. ['zstd', '-q', '-c']; none: uncompressed). */
export function initramfsImage(files: string[], o: { compress?: string[]; early?: string[] } = {}): Buffer {
  const main = cpioOf(files);
  const packed = o.compress ? execFileSync(o.compress[0], o.compress.slice(1), { input: main, maxBuffer: 1 << 28 }) : main;
  return o.early ? Buffer.concat([cpioOf(o.early), packed]) : packed;
}
