// systemd with the Xen services as native units (the RPM families ship
// .service files and no SysV scripts): systemctl's word decides.
import { parseIsEnabled } from '../parsers/init-state.js';
import type { Run, UnitBootState } from './parts.js';

const ENABLED = new Set(['enabled', 'enabled-runtime', 'alias']);

export async function systemdNativeBootStates(run: Run, units: readonly string[]): Promise<Map<string, UnitBootState>> {
  const out = new Map<string, UnitBootState>();
  for (const u of units) {
    const s = parseIsEnabled(await run(['systemctl', 'is-enabled', u]));
    if (ENABLED.has(s.state)) out.set(u, { enabled: true, detail: s.state });
    else out.set(u, { enabled: false, detail: `is ${s.state === 'not-found' ? 'not installed' : s.state}` });
  }
  return out;
}
