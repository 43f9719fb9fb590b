// The catalogue: every check the suite knows, in the order they run.
import { bootChecks } from './boot.js';
import type { Check } from './check.js';
import { deviceModelChecks } from './devicemodel.js';
import { docsChecks } from './docs.js';
import { domUChecks } from './domu.js';
import { guestTypeChecks } from './guest-types.js';
import { lifecycleChecks } from './lifecycle.js';
import { dom0Checks } from './dom0.js';
import { hotplugChecks } from './hotplug.js';
import { memoryChecks } from './memory.js';
import { installs, packagingChecks } from './packaging.js';
import { powerChecks } from './power.js';
import { serviceChecks } from './services.js';
import { shutdownChecks } from './shutdown.js';
import { staticChecks } from './static.js';

export const CATALOGUE: Check[] = [
  ...staticChecks,
  installs,
  ...bootChecks,
  ...serviceChecks,
  ...dom0Checks,
  ...deviceModelChecks,
  ...hotplugChecks,
  ...packagingChecks,
  ...docsChecks,
  ...powerChecks,
  ...memoryChecks,
  ...domUChecks,
  ...lifecycleChecks,
  ...guestTypeChecks,
  ...shutdownChecks,
];
export const CHECK_IDS = CATALOGUE.map((c) => c.id);
/**
 * Group names a `checks:` filter may use, by where the checks look:
 * "static" the candidate files alone (no VM), "host-before-reboot,dom0" the dom0 half (no domU), "domU" the guest half.
 */
export const CHECK_GROUPS: Record<string, string[]> = Object.fromEntries(
  (['static', 'host-before-reboot', 'dom0', 'domU'] as const).map((w) => [w, CATALOGUE.filter((c) => c.where === w).map((c) => c.id)]),
);

/** Whether a run with this filter (null: every check) runs check c. */
export function isWanted(checks: readonly string[] | null, c: Check): boolean {
  return checks === null || checks.includes(c.id);
}

/** Whether a run with this filter starts a domU. */
export function wantsGuest(checks: readonly string[] | null): boolean {
  return CATALOGUE.some((c) => c.where === 'domU' && isWanted(checks, c));
}
