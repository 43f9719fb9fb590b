// The catalogue: every check the suite knows, in the order they run.
import { bootChecks } from './boot.js';
import type { Check } from './check.js';

export const CATALOGUE: Check[] = [...bootChecks];
export const CHECK_IDS = CATALOGUE.map((c) => c.id);
