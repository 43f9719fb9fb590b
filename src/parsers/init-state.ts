// What systemd and the SysV runlevel directories say about a unit at boot. Pure.

import { lastLine } from '../proc.js';

/** The S links in the SysV runlevel directories for each name given. */
export const RC_LINKS = 'for n in "$@"; do for f in /etc/rc[S2345].d/S[0-9][0-9]"$n"; do [ -e "$f" ] && echo "$f"; done; done; exit 0';

/** rc link paths -> name -> runlevels with an S link. */
export function parseRcLinks(text: string, names: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const line of text.split('\n')) {
    const m = /^\/etc\/rc([S0-6])\.d\/S\d\d(.+)$/.exec(line.trim());
    if (m && out.has(m[2])) out.get(m[2])!.push(m[1]);
  }
  return out;
}

export interface UnitState {
  /** systemctl's word: enabled, disabled, generated, static, masked, not-found, ... */
  state: string;
  /** The unit is a SysV script systemd wraps (a generated unit, or systemctl redirected to systemd-sysv-install). */
  sysv: boolean;
}

/** Read `systemctl is-enabled NAME`. */
export function parseIsEnabled(r: { code: number; stdout: string; stderr: string }): UnitState {
  const sysv = /not a native service|systemd-sysv-install/.test(r.stderr);
  const word = lastLine(r.stdout).trim().split(/\s+/)[0] ?? '';
  if (word) return { state: word, sysv: sysv || word === 'generated' };
  if (r.code === 127) return { state: 'no-systemctl', sysv: true };
  if (/No such file|not found|does not exist/i.test(r.stderr)) return { state: 'not-found', sysv };
  return { state: `unknown (exit ${r.code})`, sysv };
}
