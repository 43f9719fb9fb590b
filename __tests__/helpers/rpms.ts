// Real .rpm files for the tests, built by rpmbuild from a minimal spec in a
// temp dir: no sources, no network, one small file of payload.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RpmFields {
  name: string;
  version?: string;
  release?: string;
  /** noarch, or a target rpmbuild builds for (x86_64, aarch64). */
  arch?: string;
  requires?: string[];
  /** What the payload file holds: two builds that differ here differ byte for byte. */
  payload?: string;
  /** Build the source package instead (rpmbuild -bs). */
  source?: boolean;
}

/** Builds the package and moves it to `out`; returns `out`. */
export function buildRpm(out: string, f: RpmFields): string {
  const top = mkdtempSync(join(tmpdir(), 'xc-rpmbuild-'));
  try {
    const arch = f.arch ?? 'noarch';
    const spec = join(top, 'p.spec');
    writeFileSync(
      spec,
      [
        `Name: ${f.name}`,
        `Version: ${f.version ?? '1.0'}`,
        `Release: ${f.release ?? '1'}`,
        'Summary: test package',
        'License: MIT',
        ...(arch === 'noarch' ? ['BuildArch: noarch'] : []),
        ...(f.requires ?? []).map((r) => `Requires: ${r}`),
        '%description',
        'test package',
        '%install',
        `mkdir -p %{buildroot}/usr/share/${f.name}`,
        `printf '%s\\n' '${(f.payload ?? 'payload').replace(/'/g, '')}' > %{buildroot}/usr/share/${f.name}/note`,
        '%files',
        `/usr/share/${f.name}/note`,
        '',
      ].join('\n'),
    );
    const args = [
      f.source ? '-bs' : '-bb',
      '--define', `_topdir ${top}/top`,
      '--define', `_rpmdir ${top}/out`,
      '--define', `_srcrpmdir ${top}/out`,
      '--define', '_build_id_links none',
      ...(arch === 'noarch' || f.source ? [] : ['--target', arch]),
      spec,
    ];
    execFileSync('rpmbuild', args, { stdio: 'ignore', env: { ...process.env, HOME: top } });
    const built = findRpm(join(top, 'out'));
    mkdirSync(dirname(out), { recursive: true });
    renameSync(built, out);
    return out;
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

function findRpm(dir: string): string {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const found = findRpm(p);
      if (found) return found;
    } else if (e.name.endsWith('.rpm')) return p;
  }
  return '';
}
