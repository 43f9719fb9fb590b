// Recognising what went wrong from what the machine printed, in words a
// packager can act on. Pure functions of text, so each is unit tested.

import { stripVTControlCharacters } from 'node:util';
import { lastLines } from './proc.js';

const PANIC = /Kernel panic - not syncing[^\n]*|Panic on CPU \d+:[\s\S]{0,200}|\*\*\*\* Panic[^\n]*|Hardware Dom0 crashed[^\n]*/;

/** The panic line a kernel or Xen printed on the serial console, or undefined. */
export function panicIn(serial: string): string | undefined {
  const m = PANIC.exec(serial);
  return m ? m[0].replace(/\(XEN\)/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) : undefined;
}

/** The environment's part of a failed install: the Xen host's disk is full (the VM's disk size is this tool's choice). */
export function diskFull(output: string): string | undefined {
  if (/No space left on device|ENOSPC/.test(output)) {
    return (
      "the Xen host's disk is full (No space left on device) while installing the candidates; " +
      'the packages or their maintainer scripts write more than the disk has free: shrink them, or look for a script that fills the disk'
    );
  }
  return undefined;
}

/**
 * The serial lines to show with an error: the last n, reaching back (up to
 * `reach` lines) to the first panic line when there is one, since a kernel's
 * call trace after its panic line is longer than n.
 */
export function errorTail(serial: string, n = 30, reach = 100): string[] {
  const lines = lastLines(serial, reach);
  const panic = lines.findIndex((l) => PANIC.test(l));
  const from = Math.max(0, panic >= 0 ? Math.min(panic, lines.length - n) : lines.length - n);
  return lines.slice(from);
}

/** Why a machine did not boot, in its own console's words: GRUB's error, or a panic. */
export interface BootFailure {
  kind: 'grub' | 'panic';
  words: string;
  /** The console lines that show it: GRUB's screen up to its error, or the panic and what followed. */
  lines: string[];
}

/**
 * What the serial console since a reboot says stopped the boot, or undefined
 * while nothing does. GRUB prints `error: ...` on the serial terminal when an
 * entry cannot load (a file it cannot find or read, a kernel it cannot load);
 * only its lines before Xen or Linux printed anything count.
 */
export function bootFailureIn(serialSinceReboot: string): BootFailure | undefined {
  const text = stripVTControlCharacters(serialSinceReboot).replace(/\r/g, '\n').replace(/\n{2,}/g, '\n');
  const booted = text.search(/\(XEN\)|Linux version \d/);
  const grubLines = (booted >= 0 ? text.slice(0, booted) : text).split('\n');
  const at = grubLines.findIndex((l) => /^\s*error: ./.test(l));
  if (at >= 0) return { kind: 'grub', words: `GRUB: ${grubLines[at].trim().slice(0, 200)}`, lines: grubLines.slice(Math.max(0, at - 10), at + 3) };
  const panic = panicIn(text);
  return panic ? { kind: 'panic', words: panic, lines: errorTail(text) } : undefined;
}
