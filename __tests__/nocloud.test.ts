// The NoCloud seed a cloud image reads: its user-data, and the real ISO
// made with xorriso, read back with blkid and xorriso.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileFor } from '../src/distro/index.js';
import { CONSOLE_FILE } from '../src/distro/debian/image-recipe.js';
import { metaData, noCloudSeed, userData } from '../src/image/nocloud.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-nocloud-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

/** user-data is "#cloud-config" and then JSON, which YAML reads as it is. */
function parseUserData(text: string): Record<string, unknown> {
  const [header, ...rest] = text.split('\n');
  expect(header).toBe('#cloud-config');
  return JSON.parse(rest.join('\n'));
}

describe('userData', () => {
  const hostKey = { private: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n', public: 'ssh-ed25519 AAAAhost xenhost\n' };

  test("gives root the run's key, the run's host key and nothing else to log in with", () => {
    const cfg = parseUserData(userData({ authorizedKey: 'ssh-ed25519 AAAArun xen-conformance-run\n', hostKey, files: [] }));
    expect(cfg).toMatchObject({
      disable_root: false,
      users: [],
      ssh_pwauth: false,
      ssh_authorized_keys: ['ssh-ed25519 AAAArun xen-conformance-run'],
      ssh_deletekeys: true,
      ssh_genkeytypes: [],
      ssh_keys: { ed25519_private: hostKey.private, ed25519_public: 'ssh-ed25519 AAAAhost xenhost' },
      locale: false,
    });
  });

  test('writes files with their modes, content untouched even when it looks like YAML', () => {
    const odd = { path: '/etc/odd', mode: 0o600, content: 'key: [value]\n- item\n"quoted" # not a comment\n' };
    const cfg = parseUserData(userData({ authorizedKey: 'k', hostKey, files: [CONSOLE_FILE, odd] }));
    expect(cfg.write_files).toEqual([
      { path: '/etc/default/grub.d/xc-console.cfg', permissions: '0644', content: CONSOLE_FILE.content },
      { path: '/etc/odd', permissions: '0600', content: odd.content },
    ]);
  });

  test('meta-data names a fresh instance', () => {
    expect(JSON.parse(metaData('xc-1'))).toEqual({ 'instance-id': 'xc-1', 'local-hostname': 'xenhost' });
  });
});

describe('noCloudSeed', () => {
  test('makes an ISO labelled cidata with user-data and meta-data, and returns the host key it holds', async () => {
    const run = await fs.mkdtemp(path.join(dir, 'run-'));
    const seed = await noCloudSeed(run, 'ssh-ed25519 AAAArun xen-conformance-run\n');
    expect(seed.file).toBe(path.join(run, 'cidata.iso'));
    expect(execFileSync('blkid', ['-o', 'value', '-s', 'LABEL', seed.file], { encoding: 'utf8' }).trim()).toBe('cidata');
    const out = path.join(dir, 'extracted');
    execFileSync('xorriso', ['-osirrox', 'on', '-indev', seed.file, '-extract', '/', out], { stdio: 'ignore' });
    expect((await fs.readdir(out)).sort()).toEqual(['meta-data', 'user-data']);
    const cfg = parseUserData(await fs.readFile(path.join(out, 'user-data'), 'utf8'));
    const keys = cfg.ssh_keys as { ed25519_private: string; ed25519_public: string };
    expect(keys.ed25519_public).toBe(seed.hostKey);
    expect(seed.hostKey).toMatch(/^ssh-ed25519 \S+ xenhost$/);
    // The private half matches the public one that will be pinned.
    const priv = path.join(dir, 'priv');
    await fs.writeFile(priv, keys.ed25519_private, { mode: 0o600 });
    expect(execFileSync('ssh-keygen', ['-y', '-f', priv], { encoding: 'utf8' }).trim().split(' ').slice(0, 2)).toEqual(seed.hostKey.split(' ').slice(0, 2));
    expect(cfg.write_files).toEqual([{ path: CONSOLE_FILE.path, permissions: '0644', content: CONSOLE_FILE.content }]);
    expect(JSON.parse(await fs.readFile(path.join(out, 'meta-data'), 'utf8'))['instance-id']).toMatch(/^xc-[0-9a-f-]{36}$/);
    // Nothing but the ISO is left of it in the run's directory.
    expect(await fs.readdir(run)).toEqual(['cidata.iso']);
    // Two runs, two host keys.
    const other = await noCloudSeed(await fs.mkdtemp(path.join(dir, 'run-')), 'k');
    expect(other.hostKey).not.toBe(seed.hostKey);
  });
});

describe('osReleaseMismatch', () => {
  const bookworm = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';
  test('accepts the release the profile is of', () => {
    expect(profileFor('debian-12').osReleaseMismatch(bookworm)).toBeUndefined();
  });
  test('names what the image is and what to pass instead', () => {
    expect(profileFor('debian-13').osReleaseMismatch(bookworm)).toBe(
      'the image is Debian GNU/Linux 12 (bookworm), not Debian 13 (trixie); pass the distro the image is of, or an image of Debian 13 (trixie)',
    );
    expect(profileFor('debian-12').osReleaseMismatch('ID=ubuntu\nVERSION_CODENAME=noble\n')).toMatch(/^the image is ubuntu noble, not Debian 12/);
  });
});
