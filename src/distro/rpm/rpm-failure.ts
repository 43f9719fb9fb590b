// Why dnf or zypper could not install a candidate set, from rpm's and
// libsolv's own messages (rpm lib/psm.c "scriptlet failed", lib/rpmps.c
// "conflicts with file from package", libsolv's "nothing provides"). Written
// from their sources and documentation; not yet seen in a run here.

export function rpmFailureCause(output: string): string | undefined {
  const causes: string[] = [];
  // error: %post(xen-4.19.1-1.fc41.x86_64) scriptlet failed, exit status 1
  for (const m of output.matchAll(/error: %(\w+)\((\S+)\) scriptlet failed, exit status (\d+)/g)) {
    causes.push(`the %${m[1]} scriptlet of ${m[2]} exited ${m[3]}`);
  }
  // file /usr/bin/x from install of a-1.0 conflicts with file from package b-2.0
  for (const m of output.matchAll(/file (\S+) from install of (\S+) conflicts with file from package (\S+)/g)) {
    causes.push(`${m[2]} ships ${m[1]}, which package ${m[3]} ships too (a file conflict)`);
  }
  // nothing provides libfoo.so.1()(64bit) needed by xen-libs-4.19.1-1.fc41.x86_64
  for (const m of output.matchAll(/nothing provides '?([^'\n]+?)'? needed by (?:the to be installed )?(\S+)/g)) {
    causes.push(`${m[2]} requires ${m[1]}, which nothing provides (an unmet dependency)`);
  }
  return causes.length ? [...new Set(causes)].join('; ') : undefined;
}
