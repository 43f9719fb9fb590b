// systemd with SysV init scripts beside it (Debian's xen-utils-common ships
// SysV scripts only): a unit is enabled by systemctl, or by its S links.
import { parseIsEnabled, parseRcLinks, RC_LINKS, type UnitState } from '../parsers/init-state.js';
import type { Run, UnitBootState } from './parts.js';

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias']);

export async function systemdSysvBootStates(run: Run, units: readonly string[]): Promise<Map<string, UnitBootState>> {
  const states = new Map<string, UnitState>();
  for (const u of units) states.set(u, parseIsEnabled(await run(['systemctl', 'is-enabled', u])));
  const links = parseRcLinks((await run(['sh', '-c', RC_LINKS, 'sh', ...units])).stdout, units);
  const out = new Map<string, UnitBootState>();
  for (const u of units) {
    const s = states.get(u)!;
    const rc = links.get(u)!;
    // A SysV script is enabled by its S links (systemctl then says "generated", or asks systemd-sysv-install).
    if (s.sysv && s.state !== 'masked' && s.state !== 'not-found') {
      if (rc.length) out.set(u, { enabled: true, detail: `SysV, S links in rc${rc.join(',')}` });
      else out.set(u, { enabled: false, detail: `is a SysV script without S links in /etc/rc[2-5].d (systemctl: ${s.state})` });
    } else if (ENABLED.has(s.state)) out.set(u, { enabled: true, detail: s.state });
    else out.set(u, { enabled: false, detail: `is ${s.state === 'not-found' ? 'not installed' : s.state}` });
  }
  return out;
}
