// The initramfs reader, on images made by the real tools (cpio, gzip, zstd,
// xz, lz4, bzip2), laid out as the kernel unpacks them.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { modulesIn } from '../src/checks/dom0.js';
import { initramfsNames } from '../src/parsers/initramfs.js';
import { initramfsImage } from './helpers/initramfs.js';

const MODULES = 'usr/lib/modules/6.1.0-56-amd64';
const FILES = [
  'init',
  'bin/busybox',
  `${MODULES}/kernel/drivers/block/xen-blkfront.ko`,
  `${MODULES}/kernel/drivers/net/xen-netfront.ko`,
  `${MODULES}/modules.dep`,
];
const MICROCODE = ['kernel/x86/microcode/GenuineIntel.bin'];

describe('initramfsNames', () => {
  const compressors: [string, string[]][] = [
    ['gzip', ['gzip', '-9', '-c']],
    ['zstd', ['zstd', '-q', '-c', '-19']],
    ['xz', ['xz', '--check=crc32', '-c']],
    ['lz4', ['lz4', '-l', '-c']],
    ['bzip2', ['bzip2', '-c']],
  ];
  test.each(compressors)('a %s-compressed archive behind an early microcode archive', async (_name, argv) => {
    const names = await initramfsNames(initramfsImage(FILES, { compress: argv, early: MICROCODE }));
    expect(names).toEqual(expect.arrayContaining([...FILES, ...MICROCODE]));
    expect(modulesIn(names)).toEqual(new Set(['xen-blkfront', 'xen-netfront']));
  });

  test('an uncompressed archive', async () => {
    expect(await initramfsNames(initramfsImage(FILES))).toEqual(expect.arrayContaining(FILES));
  });

  test('a module named only in a text file (modules.order, modules.dep) is not a module in the image', async () => {
    const names = await initramfsNames(initramfsImage(FILES.filter((f) => !f.endsWith('xen-netfront.ko')), { compress: ['gzip', '-c'] }));
    expect(modulesIn(names)).toEqual(new Set(['xen-blkfront']));
  });

  test('what is not an initramfs is an error that says so', async () => {
    await expect(initramfsNames(Buffer.from('#!/bin/sh\necho not an image\n'))).rejects.toThrow(/^not an initramfs: neither a cpio archive nor a known compression at byte 0$/);
  });

  test('a truncated image is an error, not a short listing', async () => {
    const whole = initramfsImage(FILES);
    await expect(initramfsNames(whole.subarray(0, 300))).rejects.toThrow(/cut short/);
    const gz = initramfsImage(FILES, { compress: ['gzip', '-c'] });
    await expect(initramfsNames(gz.subarray(0, gz.length - 20))).rejects.toThrow(/unexpected end of file/);
  });

  test("a compression the runner has no tool for names the tool to install", async () => {
    const image = initramfsImage(FILES, { compress: ['zstd', '-q', '-c'] });
    const empty = mkdtempSync(path.join(tmpdir(), 'xc-nopath-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      await expect(initramfsNames(image)).rejects.toThrow(/zstd-compressed and the runner cannot decompress it .*install zstd on the runner$/);
    } finally {
      process.env.PATH = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
