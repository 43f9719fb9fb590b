// Recognising what went wrong from what the machine printed, in words a
// packager can act on. Pure functions of text, so each is unit tested.

import { lastLines } from './proc.js';

const PANIC = /Kernel panic - not syncing[^\n]*|Panic on CPU \d+:[\s\S]{0,200}|\*\*\*\* Panic[^\n]*|Hardware Dom0 crashed[^\n]*/;

/** The panic line a kernel or Xen printed on the serial console, or undefined. */
export function panicIn(serial: string): string | undefined {
  const m = PANIC.exec(serial);
  return m ? m[0].replace(/\(XEN\)/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200) : undefined;
}

/** Why the package manager failed, when the output says something we can name; undefined otherwise. */
export function installFailureCause(output: string): string | undefined {
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
