// The static tier on real packages: Debian's own Xen .debs from the archive
// pass it, and copies repacked with the mistakes a packager makes fail the
// check concerned, naming it. Run through the real suite on a host that answers
// nothing, so a static check that reached for the host would show.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunFacts } from '../src/checks/check.js';
import { staticChecks } from '../src/checks/static.js';
import { profileFor } from '../src/distro/index.js';
import type { UnpackedPackage } from '../src/distro/parts.js';
import { runChecks } from '../src/suite.js';
import { archiveDebs, dropFile, editControl, repack } from './e2e/debs.js';
import { fakeHost, suiteOptions } from './helpers/fakeHost.js';

const XEN_PACKAGES = ['xen-system-amd64', 'xen-hypervisor-4.17-amd64', 'xen-hypervisor-common', 'xen-utils-4.17', 'xen-utils-common', 'xenstore-utils'];
const profile = profileFor('debian-12');

let work: string;
let debs: Record<string, string>;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-static-'));
  await fs.mkdir(path.join(work, 'archive'));
  debs = await archiveDebs(XEN_PACKAGES, path.join(work, 'archive'));
}, 120_000);
afterAll(() => fs.rm(work, { recursive: true, force: true }));

async function unpacked(set: string, broken: Record<string, (root: string) => Promise<void>> = {}): Promise<UnpackedPackage[]> {
  const dir = path.join(work, set);
  await fs.mkdir(dir);
  const out: UnpackedPackage[] = [];
  for (const name of XEN_PACKAGES) {
    const file = broken[name] ? await repack(debs[name], dir, broken[name]) : debs[name];
    out.push(await profile.packages.unpack!(file, path.join(dir, `${name}.unpacked`)));
  }
  return out;
}

async function judge(facts: RunFacts) {
  const host = fakeHost();
  const results = await runChecks(staticChecks, suiteOptions(host, { facts }));
  expect(host.calls).toEqual([]);
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

describe('static checks on real Debian 12 packages', () => {
  test("the archive's own packages pass every static check, from their files and fields", async () => {
    const r = await judge({ candidateFiles: await unpacked('archive-set') });
    expect(Object.fromEntries(Object.entries(r).map(([id, c]) => [id, c.status]))).toEqual(Object.fromEntries(staticChecks.map((c) => [c.id, 'pass'])));
    expect(r['static.meta-package'].message).toMatch(/^in the candidate files: xen-system-amd64 pulls in the hypervisor: xen-system-amd64 → xen-hypervisor-4\.17-amd64/);
    expect(r['static.device-model'].message).toBe('xen-utils-4.17 Recommends qemu-system-xen (a default install brings Recommends)');
    expect(r['static.services-enabled'].message).toMatch(/xen \(xen-utils-common postinst\), xendomains \(xen-utils-common postinst\)/);
    expect(r['static.boot-config-updated'].message).toBe('xen-hypervisor-4.17-amd64: the post-install script regenerates the boot config');
    expect(r['static.boot-drop-ins-parse'].message).toBe('/etc/default/grub.d/xen.cfg parses');
  }, 60_000);

  test('each packaging mistake fails the static check concerned, naming it', async () => {
    const r = await judge({
      candidateFiles: await unpacked('broken-set', {
        'xen-utils-common': async (root) => {
          await dropFile(root, '/usr/share/man/man1/xl.1.gz');
          const postinst = path.join(root, 'DEBIAN/postinst');
          await fs.writeFile(postinst, (await fs.readFile(postinst, 'utf8')).replace('update-rc.d xendomains defaults >/dev/null || exit 1', ':'));
        },
        'xen-utils-4.17': async (root) => {
          await dropFile(root, '/usr/lib/xen-4.17/bin/xenpm');
          await editControl(root, 'Recommends', (v) => v.split(', ').filter((d) => !d.startsWith('qemu-system-xen')).join(', '));
        },
        'xen-system-amd64': (root) => editControl(root, 'Depends', (v) => v.split(', ').filter((d) => !d.startsWith('xen-utils')).join(', ')),
        'xenstore-utils': (root) => editControl(root, 'Depends', (v) => `${v}, xen-utils-4.17`),
        'xen-hypervisor-4.17-amd64': async (root) => {
          const postinst = path.join(root, 'DEBIAN/postinst');
          await fs.writeFile(postinst, (await fs.readFile(postinst, 'utf8')).replace(/update-grub \|\| :/, ':'));
        },
        'xen-hypervisor-common': async (root) => {
          const cfg = path.join(root, 'etc/default/grub.d/xen.cfg');
          await fs.appendFile(cfg, '\nif [ "$XEN_OVERRIDE_GRUB_DEFAULT" = 1 ]; then\n');
        },
      }),
    });
    expect(Object.fromEntries(Object.entries(r).map(([id, c]) => [id, c.status]))).toEqual(Object.fromEntries(staticChecks.map((c) => [c.id, 'fail'])));
    expect(r['static.meta-package'].message).toMatch(/lacks the tools \(xen-utils-4\.17 is installed, but not through xen-system-amd64's Depends\)/);
    expect(r['static.xenstore-utils-separate'].message).toMatch(/xenstore-utils .* pulls in the full toolstack: xenstore-utils → xen-utils-4\.17/);
    expect(r['static.man-pages'].message).toBe('the candidates bring the tools (xen-utils-4.17) but no candidate ships xl(1)');
    expect(r['static.device-model'].message).toMatch(/^xen-utils-4\.17 neither Depends on nor Recommends qemu-system-xen/);
    expect(r['static.services-enabled'].message).toBe('xen-utils-common ships xendomains but none of its maintainer scripts enables it');
    expect(r['static.boot-config-updated'].message).toMatch(/^xen-hypervisor-4\.17-amd64: its post-install script does not regenerate the boot config/);
    expect(r['static.boot-drop-ins-parse'].message).toMatch(/^does not parse: \/etc\/default\/grub\.d\/xen\.cfg \(xen-hypervisor-common\): /);
    expect(r['static.xenpm'].message).toBe('xen-utils-4.17 (the tools) does not ship xenpm');
    for (const c of Object.values(r)) expect(c.remedy).toBeTruthy();
  }, 60_000);

  test('a baseline without candidate files, a partial set, and a family with no static reader: not applicable, each saying why', async () => {
    const none = await judge({ candidateFiles: [] });
    for (const c of Object.values(none)) expect([c.status, c.message]).toEqual(['not-applicable', expect.stringMatching(/^no candidate package files/)]);
    const hypervisorOnly = (await unpacked('hv-only')).filter((p) => p.name.startsWith('xen-hypervisor-'));
    const partial = await judge({ candidateFiles: hypervisorOnly });
    expect(partial['static.boot-config-updated'].status).toBe('pass');
    expect(partial['static.meta-package']).toMatchObject({ status: 'not-applicable', message: expect.stringMatching(/xen-system-amd64 is not among the candidates/) });
    expect(partial['static.man-pages']).toMatchObject({ status: 'not-applicable', message: 'no candidate is or provides xen-utils (the tools)' });
    const noReader = await judge({});
    for (const c of Object.values(noReader)) expect(c.status).toBe('not-applicable');
  }, 60_000);
});
