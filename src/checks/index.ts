// The catalogue: every check the suite knows, in the order they run.
import { bootChecks } from './boot.js';
import type { Check } from './check.js';
import { deviceModelChecks } from './devicemodel.js';
import { docsChecks } from './docs.js';
import { dom0Checks } from './dom0.js';
import { hotplugChecks } from './hotplug.js';
import { memoryChecks } from './memory.js';
import { packagingChecks } from './packaging.js';
import { powerChecks } from './power.js';
import { serviceChecks } from './services.js';
import { shutdownChecks } from './shutdown.js';

export const CATALOGUE: Check[] = [
  ...bootChecks,
  ...serviceChecks,
  ...dom0Checks,
  ...deviceModelChecks,
  ...hotplugChecks,
  ...packagingChecks,
  ...docsChecks,
  ...powerChecks,
  ...memoryChecks,
  ...shutdownChecks,
];
export const CHECK_IDS = CATALOGUE.map((c) => c.id);
