// The line each check prints as it finishes, the same in the CLI and the action's log.
import type { CheckResult } from './types.js';

export function resultLine(r: CheckResult): string {
  return `  ${r.status.toUpperCase().padEnd(6)} ${r.id}: ${r.message.split('\n')[0]}`;
}
