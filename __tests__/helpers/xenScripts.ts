// The real Debian 12 hotplug scripts in __tests__/fixtures/xen-scripts, as the
// hotplug check's DUMP_SCRIPTS prints them from a dom0.
import { readdirSync, readFileSync } from 'node:fs';

const DIR = new URL('../fixtures/xen-scripts/', import.meta.url);
export const SCRIPT_NAMES = readdirSync(DIR)
  .filter((n) => n !== 'README.md')
  .sort();
export const scriptText = (name: string) => readFileSync(new URL(name, DIR), 'utf8');

/** The dump (mode as in the package: 0755 iff there is a #! line), with files left out or not executable. */
export function scriptsDump(opts: { except?: string[]; notExecutable?: string[]; extra?: string } = {}): string {
  return (
    SCRIPT_NAMES.filter((n) => !opts.except?.includes(n))
      .map((n) => {
        const text = scriptText(n);
        const x = text.startsWith('#!') && !opts.notExecutable?.includes(n) ? 'x' : '-';
        return `@@xc-file@@ ${x} /etc/xen/scripts/${n}\n${text}\n`;
      })
      .join('') + (opts.extra ?? '')
  );
}
