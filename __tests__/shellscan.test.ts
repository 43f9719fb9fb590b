import { readdirSync, readFileSync } from 'node:fs';
import { scanScript, scanScriptSet, shellAssignments } from '../src/parsers/shellscan.js';

// Real hotplug scripts from Debian 12's xen-utils-common 4.17.7+13-g2445b30a44-0+deb12u1.
const DIR = new URL('./fixtures/xen-scripts/', import.meta.url);
const script = (name: string) => readFileSync(new URL(name, DIR), 'utf8');
const ALL = readdirSync(DIR)
  .filter((n) => n !== 'README.md')
  .map((name) => ({ name, text: script(name) }));

/** The programs a snippet runs (live code only), in order, without duplicates. */
function programs(text: string): string[] {
  const set = scanScriptSet([{ name: 't', text }]);
  return [...new Set(set.uses.map((u) => u.name))];
}

describe('scanScript: what is in command position', () => {
  test('simple commands, pipelines and lists', () => {
    expect(programs('a x | b -y && c; d || e &\nf')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('arguments, redirections and their targets are not commands', () => {
    expect(programs('grep -q foo /etc/x >/dev/null 2>&1\necho hi >&2\nread x < /etc/y\nexec 2>>/var/log/x.log\ncat <<<"$v"')).toEqual(['grep', 'cat']);
  });

  test('leading assignments are skipped; a bare assignment runs nothing', () => {
    expect(programs('LANG=C losetup -h\nx=1\nA=1 B=2 env')).toEqual(['losetup', 'env']);
  });

  test('command substitutions anywhere are scanned: $(...), backquotes, inside double quotes and assignments', () => {
    expect(programs('dir=$(dirname "$0")\nmtu="`ip link show | awk \'/mtu/\'`"\necho "$(stat -c %i x),"\nlocal v=$(xenstore-read "$@" || true)')).toEqual([
      'dirname',
      'ip',
      'awk',
      'stat',
      'xenstore-read',
    ]);
  });

  test('single-quoted programs (awk, sed scripts) are data', () => {
    expect(programs("awk '{ system(\"rm -rf /\") }' f\nsed -e 's/$(x)/y/' f")).toEqual(['awk', 'sed']);
  });

  test('variables in command position are left out (they cannot be resolved statically)', () => {
    expect(programs('$cmd arg\n"$dhcpd_init_file" restart\n${cmdprefix} ip route add x')).toEqual([]);
  });

  test('builtins and keywords are not programs; `which` is, and what it probes is not run', () => {
    expect(programs('if [ -x f ]; then echo y; fi\ntest -e x && : ok\nlet i=i+1\nwhich brctl >/dev/null\ncommand -v ip >/dev/null')).toEqual(['which']);
  });

  test('case patterns are not commands, the branches are', () => {
    const text = 'case "$command" in\n  add|online)\n    setup_it\n    ;;\n  -step)\tstep=$2; shift;;\n  *) log_it x ;;\nesac\nafter';
    expect(programs(text)).toEqual(['setup_it', 'log_it', 'after']);
  });

  test('for word lists are data; the body runs', () => {
    expect(programs('for f in /etc/*.hook $(ls /x); do\n  run_it "$f"\ndone')).toEqual(['ls', 'run_it']);
  });

  test('arithmetic (( )) and $(( )) and [[ ]] run nothing, but substitutions in [[ ]] do', () => {
    expect(programs('for ((i = 0; i < ${#a}; i++))\ndo [ -z "${a[$i]}" ] && break\ndone\nx=$(( 1 + 2 ))\n[[ $(uname) == Linux && $x -gt 1 ]]\n(( n++ ))')).toEqual(['uname']);
  });

  test('heredoc bodies are data', () => {
    expect(programs('cat <<EOF\nrm -rf /\n$(whoami)\nEOF\nnext_cmd\ncat <<-\'X\'\n\tfoo bar\n\tX\nlast')).toEqual(['cat', 'next_cmd', 'last']);
  });

  test('comments are skipped, # inside words is not a comment', () => {
    expect(programs('# rm -rf /\nfoo a#b ${#x} # trailing comment; bar\nbaz')).toEqual(['foo', 'baz']);
  });

  test('line continuations join lines', () => {
    expect(programs('foo a \\\n  b\nbar')).toEqual(['foo', 'bar']);
  });

  test('functions defined in the scripts are not programs; what they run is', () => {
    const text = 'myfn() {\n  logger -t x "$@"\n}\nfunction other()\n{\n  myfn hi\n}\nother';
    const scan = scanScript(text);
    expect(scan.functions.sort()).toEqual(['myfn', 'other']);
    expect(programs(text)).toEqual(['logger']);
  });

  test('a function that runs "$@" is a runner: its first argument is a command', () => {
    expect(programs('do_or_die() {\n  "$@" || exit 1\n}\ndo_or_die ip link set x up\ndo_or_die other_fn\nother_fn() { :; }')).toEqual(['ip']);
  });

  test('wrappers: env, nice, timeout, xargs, exec and command run the command they are given', () => {
    expect(programs('env -u X A=1 foo\nnice -n 5 bar\ntimeout 5 baz\nfind . | xargs -0 -n 1 qux\nexec quux "$@"\ncommand corge')).toEqual([
      'env',
      'foo',
      'nice',
      'bar',
      'timeout',
      'baz',
      'find',
      'xargs',
      'qux',
      'quux',
      'corge',
    ]);
  });

  test('array assignments and process substitution are scanned', () => {
    expect(programs('params=($(echo "$1" | tr ":" "\\n"))\nwhile read l; do :; done < <(lsblk -n)')).toEqual(['tr', 'lsblk']);
  });

  test('the shebang gives the interpreter, with env resolved to the program', () => {
    expect(scanScript('#!/bin/bash -e\nx').interpreter).toEqual({ path: '/bin/bash', args: ['-e'] });
    expect(scanScript('#! /bin/sh\nx').interpreter).toEqual({ path: '/bin/sh', args: [] });
    const set = scanScriptSet([{ name: 'p', text: '#!/usr/bin/env python3\nprint(1)\n' }]);
    expect(set.interpreters).toEqual([
      { name: '/usr/bin/env', file: 'p' },
      { name: 'python3', file: 'p' },
    ]);
    expect(scanScript('x=1\n').interpreter).toBeUndefined();
  });
});

describe('scanScript: code that never runs', () => {
  test('after an unconditional return, the rest of the function is dead (Debian disabled handle_iptable so)', () => {
    const text = 'f() {\n  return 0\n  iptables -L\n}\ng() {\n  [ -x x ] && return 0\n  live_one\n}\nf\ng';
    expect(programs(text)).toEqual(['live_one']);
  });

  test('an exit inside one branch does not kill the others or what follows', () => {
    const text = 'if a; then\n  exit 0\n  dead1\nelse\n  live1\nfi\ncase x in\n  y) exit 1; dead2 ;;\n  z) live2 ;;\nesac\nlive3';
    expect(programs(text)).toEqual(['a', 'live1', 'live2', 'live3']);
  });

  test('a function called only from dead code never runs, nor what it calls', () => {
    const text = 'helper() { iptables -w "$@"; }\nouter() {\n  return 0\n  helper -L\n}\nouter\nused() { ip link; }\nused';
    const set = scanScriptSet([{ name: 't', text }]);
    expect(set.uses.map((u) => u.name)).toEqual(['ip']);
    expect(set.reachable.has('helper')).toBe(false);
    expect(set.reachable.has('used')).toBe(true);
  });

  test('a trap handler counts as called', () => {
    expect(programs('onerr() { logger failed; }\ntrap onerr ERR')).toEqual(['logger']);
  });
});

describe('scanScriptSet on the real Debian 12 hotplug scripts', () => {
  const vars = shellAssignments(script('hotplugpath.sh'));
  const set = scanScriptSet(ALL, vars);
  const usesOf = (name: string) => set.uses.filter((u) => u.name === name).map((u) => `${u.file}:${u.line}${u.guarded ? '?' : ''}`);
  const names = new Set(set.uses.map((u) => u.name));

  test('hotplugpath.sh gives the paths the scripts use', () => {
    expect(vars).toMatchObject({ LIBEXEC_BIN: '/usr/lib/xen-4.17/bin', XEN_SCRIPT_DIR: '/etc/xen/scripts', sbindir: '/usr/sbin', bindir: '/usr/bin' });
  });

  test('finds the programs the core scripts call, with file and line', () => {
    for (const p of ['dirname', 'losetup', 'sed', 'grep', 'cut', 'readlink', 'stat', 'expr', 'awk', 'ip', 'bridge', 'flock', 'logger', 'mkdir', 'rm', 'mktemp', 'diff', 'cp', 'xenstore-read', 'xenstore-write', 'xenstore-list', 'which']) {
      expect(names).toContain(p);
    }
    // vif-route and vif-nat still call ifconfig (net-tools)
    expect(usesOf('ifconfig')).toEqual(['vif-nat:175', 'vif-route:26']);
    // locking.sh takes its lock with flock and compares inodes with stat
    expect(usesOf('flock')).toEqual(['locking.sh:47']);
    expect(usesOf('stat')).toContain('locking.sh:55');
  });

  test('a fixed path through hotplugpath.sh counts: ${LIBEXEC_BIN}/init-xenstore-domain', () => {
    expect(usesOf('/usr/lib/xen-4.17/bin/init-xenstore-domain')).toEqual(['launch-xenstore:103']);
    expect(usesOf('/bin/mkdir')).toEqual(['launch-xenstore:53']);
  });

  test('the functions the scripts define are not programs (fatal, log, claim_lock, do_or_die, ifup defined as a fallback)', () => {
    for (const f of ['fatal', 'log', 'claim_lock', 'release_lock', 'do_or_die', 'xenstore_read', 'ifup', 'ifdown', 'handle_iptable', 'add_to_bridge']) {
      expect(set.functions).toContain(f);
      expect(names).not.toContain(f);
    }
    expect([...set.runners].sort()).toEqual(['do_or_die', 'do_without_error']);
  });

  test('what runs through do_or_die / do_without_error is found (losetup in block, ifdown is a function)', () => {
    expect(usesOf('losetup')).toContain('block:356');
    expect(names).not.toContain('ifdown');
  });

  test("iptables is not needed by the core: Debian's handle_iptable returns first, so iptables_w never runs", () => {
    expect(set.reachable.has('handle_iptable')).toBe(true);
    expect(set.reachable.has('iptables_w')).toBe(false);
    expect(set.reachable.has('frob_iptable')).toBe(false);
    expect(usesOf('iptables').filter((u) => u.startsWith('vif-common.sh'))).toEqual([]);
  });

  test('commands the script checks for first are marked guarded (brctl after `which brctl`, iscsiadm after `command -v`)', () => {
    expect(usesOf('brctl')).toEqual(['vif-bridge:36?', 'xen-network-common.sh:133?', 'xen-network-common.sh:154?']);
    expect(usesOf('iscsiadm').every((u) => u.endsWith('?'))).toBe(true);
    expect(usesOf('ovs-vsctl').every((u) => u.endsWith('?'))).toBe(true);
    // ip is checked for in vif-openvswitch only: used unguarded elsewhere
    expect(usesOf('ip')).toContain('vif-bridge:73');
    expect(usesOf('ip')).toContain('vif-openvswitch:85?');
  });

  test('heredoc text (external-device-migrate usage) is not scanned', () => {
    expect(names).not.toContain('Pass');
    expect(usesOf('cat')).toContain('external-device-migrate:31');
  });

  test('the scripts source their libraries from the same directory', () => {
    expect(set.sources.get('vif-bridge')).toEqual(['vif-common.sh']);
    expect(set.sources.get('vif-common.sh')).toEqual(['xen-hotplug-common.sh', 'xen-network-common.sh']);
    expect(set.sources.get('xen-hotplug-common.sh')).toEqual(['hotplugpath.sh', 'logging.sh', 'xen-script-common.sh', 'locking.sh']);
    expect(set.sources.get('block')).toEqual(['block-common.sh']);
    expect(set.sources.get('launch-xenstore')).toEqual(['hotplugpath.sh']);
  });

  test('interpreters come from the #! lines', () => {
    expect(new Set(set.interpreters.map((i) => i.name))).toEqual(new Set(['/bin/bash']));
    expect(set.interpreters.map((i) => i.file)).toContain('vif-bridge');
  });

  test('no word that is only data shows up as a program', () => {
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9_./+-]+$/);
    for (const junk of ['add', 'online', 'remove', 'then', 'EOF', '-step', 'MISSING', 'ok', 'xenbr0']) expect(names).not.toContain(junk);
  });
});

describe('shellAssignments', () => {
  test('reads NAME="value" lines without expansions', () => {
    expect(shellAssignments('a="/x"\nb=/y\nc=\'z\'\nd="$a/q"\n# e=1\nf=$(pwd)\n')).toEqual({ a: '/x', b: '/y', c: 'z' });
  });
});
