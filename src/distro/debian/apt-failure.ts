// Why apt/dpkg could not install a candidate set, named the way a packager
// fixes it: the package and its maintainer script, the file two packages
// ship, the dependency nothing provides. The formats are dpkg's and apt's
// own messages (dpkg src/main/script.c and archives.c, apt's "unmet
// dependencies" report), as Debian 12 and 13 print them.

const SCRIPT_NAMES: Record<string, string> = {
  'pre-installation': 'preinst',
  'post-installation': 'postinst',
  'pre-removal': 'prerm',
  'post-removal': 'postrm',
};

export function aptFailureCause(output: string): string | undefined {
  const causes: string[] = [];
  // dpkg: error processing package X (--configure):
  //  installed X package post-installation script subprocess returned error exit status 1
  for (const m of output.matchAll(/(?:new|installed|old) (\S+) package (pre|post)-(installation|removal) script subprocess returned error exit status (\d+)/g)) {
    const script = SCRIPT_NAMES[`${m[2]}-${m[3]}`];
    causes.push(`the ${script} (maintainer script) of ${m[1]} exited ${m[4]}`);
  }
  //  trying to overwrite '/usr/bin/x', which is also in package y 1.0
  for (const m of output.matchAll(/dpkg: error processing archive (\S+) \(--unpack\):\n\s*trying to overwrite '([^']+)', which is also in package (\S+)/g)) {
    causes.push(`${m[1].split('/').pop()} ships ${m[2]}, which package ${m[3]} ships too (a file conflict: Replaces/Breaks or a rename is missing)`);
  }
  //  x : Depends: y but it is not installable
  for (const m of output.matchAll(/^\s*(\S+) : (Pre-Depends|Depends|Conflicts|Breaks): (.+)$/gm)) {
    causes.push(`${m[1]} ${m[2]}: ${m[3].trim()} (an unmet dependency)`);
  }
  return causes.length ? [...new Set(causes)].join('; ') : undefined;
}
