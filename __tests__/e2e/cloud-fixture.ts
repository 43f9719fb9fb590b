// A cloud image for the tests, made here as a distro makes one: a plain
// Debian 12 install with cloud-init and no key of ours, GRUB on the disk,
// the kernel's console on the serial port, sshd with the image's own host
// keys. Built with the product's own builder (and its apt cache of Xen
// packages, so the run installs at the speed the other tests do), then
// compressed into a qcow2 as distros publish them. Kept in the image cache,
// keyed by its recipe: a second run only serves it.
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { profileFor } from '../../src/distro/index.js';
import type { DebianProfile } from '../../src/distro/debian/profile.js';
import { chooseAccel } from '../../src/host/accel.js';
import { baseImage, hostRecipe, type Recipe } from '../../src/image/build.js';
import { sha256Of } from '../../src/image/cloud.js';
import { CONSOLE_FILE, customizeScript } from '../../src/distro/debian/image-recipe.js';
import { defaultCacheDir } from '../../src/prepare.js';

/** Ours, which a cloud image does not have: the seed service and our console settings (cloud-init writes those). */
const NOT_IN_A_CLOUD_IMAGE = ['/usr/local/sbin/xc-seed', '/etc/systemd/system/xc-seed.service', CONSOLE_FILE.path];

export function cloudRecipe(): { profile: DebianProfile; recipe: Recipe } {
  const profile = profileFor('debian-12') as DebianProfile;
  const ours = hostRecipe(profile);
  return {
    profile,
    recipe: {
      name: 'test-cloud-debian-12',
      packages: [...ours.packages, 'cloud-init', 'cloud-guest-utils'],
      files: [
        ...ours.files.filter((f) => !NOT_IN_A_CLOUD_IMAGE.includes(f.path)),
        {
          // As Debian's cloud images: the kernel speaks on the serial port; nothing for Xen.
          path: '/etc/default/grub.d/10-cloud.cfg',
          mode: 0o644,
          content: 'GRUB_TIMEOUT=0\nGRUB_CMDLINE_LINUX_DEFAULT="console=tty0 console=ttyS0,115200 earlyprintk=ttyS0,115200 consoleblank=0"\n',
        },
      ],
      customize: customizeScript(profile.metaPackage, ['systemd-networkd', 'xc-install-bootloader.service']),
    },
  };
}

export interface TestCloudImage {
  file: string;
  sha256: string;
  /** True when this call built or converted it. */
  fresh: boolean;
}

/** The test's cloud image as a compressed qcow2 and its checksum, made once per recipe (and image age). */
export async function testCloudImage(log: (line: string) => void = () => undefined): Promise<TestCloudImage> {
  const { profile, recipe } = cloudRecipe();
  const accel = await chooseAccel('auto');
  const raw = await baseImage(profile, { cacheDir: defaultCacheDir(), timeoutMs: 20 * 60_000, accelArgs: accel.qemuArgs, log, privilege: { kind: 'root' } }, recipe);
  const dir = path.dirname(raw.disk);
  const file = path.join(dir, 'cloud.qcow2');
  const sumFile = `${file}.sha256`;
  const made = await fs.stat(sumFile).catch(() => undefined);
  if (made && made.mtimeMs >= (await fs.stat(raw.disk)).mtimeMs) {
    return { file, sha256: (await fs.readFile(sumFile, 'utf8')).trim(), fresh: raw.fresh };
  }
  const tmp = `${file}.tmp-${process.pid}`;
  execFileSync('qemu-img', ['convert', '-c', '-O', 'qcow2', raw.disk, tmp]);
  const sha256 = await sha256Of(tmp);
  await fs.rename(tmp, file);
  await fs.writeFile(sumFile, sha256 + '\n');
  return { file, sha256, fresh: true };
}

export interface Served {
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serve one file over HTTP on 127.0.0.1, as a distro's image server would. */
export async function serveFile(file: string, name: string): Promise<Served> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url !== `/${name}`) {
      res.writeHead(404).end();
      return;
    }
    fs.stat(file).then((st) => {
      res.writeHead(200, { 'content-length': st.size, 'content-type': 'application/octet-stream' });
      createReadStream(file).pipe(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
