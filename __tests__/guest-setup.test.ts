// The shell that sets the guest up in dom0, run for real by sh against fake
// ip, systemctl and systemd-run on PATH that print what a machine would and
// record what they were asked: on a user's machine the guest's network must
// never take a subnet that is already in use. The whole setup and its cleanup
// run on a real dom0 in the e2e tests (the VM, and the same VM over SSH).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GUEST } from '../src/guest/config.js';
import { NETWORK_SCRIPT } from '../src/guest/dom0-scripts.js';
import { run } from '../src/proc.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xc-guest-setup-'));
  // Each fake logs its argv; `ip route` prints $ROUTES, and no bridge exists yet.
  for (const name of ['ip', 'systemctl', 'systemd-run']) {
    const route = name === 'ip' ? 'case "$*" in *" route show "*) printf "%s" "$ROUTES";; "link show "*) exit 1;; esac\n' : '';
    await fs.writeFile(path.join(dir, name), `#!/bin/sh\necho "${name} $*" >> "$CALLS"\n${route}`, { mode: 0o755 });
  }
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

async function network(routes: string) {
  const calls = path.join(dir, 'calls');
  await fs.writeFile(calls, '');
  const env = { ...process.env, PATH: `${dir}:${process.env.PATH}`, CALLS: calls, ROUTES: routes };
  const r = await run(['sh', '-c', NETWORK_SCRIPT, 'sh'], { phase: 'test', timeoutMs: 10_000, env, allowFailure: true });
  return { ...r, calls: (await fs.readFile(calls, 'utf8')).trim().split('\n') };
}

describe("the guest's network in dom0", () => {
  test('a machine whose only route to the guest is its default gets the private bridge and a DHCP server bound to it alone', async () => {
    const r = await network('default via 192.168.1.1 dev eth0 proto dhcp src 192.168.1.20 metric 100\n');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(r.calls).toContain(`ip link add ${GUEST.bridge} type bridge`);
    expect(r.calls).toContain(`ip addr replace ${GUEST.dom0Ip}/24 dev ${GUEST.bridge}`);
    const dnsmasq = r.calls.find((c) => c.startsWith('systemd-run'));
    expect(dnsmasq).toContain(`--bind-interfaces --interface=${GUEST.bridge} --except-interface=lo`);
    expect(GUEST.bridge).not.toBe('xenbr0');
  });

  test("a run's own bridge from an earlier run is no clash", async () => {
    const r = await network(`10.99.0.0/24 dev ${GUEST.bridge} proto kernel scope link src ${GUEST.dom0Ip}\n`);
    expect(r.code).toBe(0);
  });

  test('a subnet the machine already routes elsewhere is refused, saying which route, before anything is made', async () => {
    const taken = '10.99.0.0/16 dev eth1 proto kernel scope link src 10.99.7.1';
    const r = await network(`${taken}\n`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`${GUEST.ip} is already routed on this machine (${taken}); the guest's network needs ${GUEST.dom0Ip}/24 free`);
    expect(r.calls.filter((c) => !c.startsWith('ip -o -4 route show'))).toEqual([]);
  });
});

describe("the guest's SSH", () => {
  test("ssh's own failure (255, nothing printed) is tried again, up to three times in all; a command's own answer is not", async () => {
    const { Guest, SSH_ATTEMPTS } = await import('../src/guest/guest.js');
    const { fakeHost } = await import('./helpers/fakeHost.js');
    const key = new Guest(fakeHost()).sshArgv(['uname', '-r']).join(' ');
    const answers: Record<string, { code?: number; stdout?: string }> = { [key]: { code: 255 } };
    const host = fakeHost(answers);
    setTimeout(() => (answers[key] = { stdout: '6.1.0-57-amd64\n' }), 1_000);
    expect(await new Guest(host).run(['uname', '-r'], { phase: 'p', timeoutMs: 5_000, allowFailure: true })).toMatchObject({ code: 0, stdout: '6.1.0-57-amd64\n' });
    expect(host.calls).toEqual([key, key]);
    const down = fakeHost({ [key]: { code: 255 } });
    expect((await new Guest(down).run(['uname', '-r'], { phase: 'p', timeoutMs: 5_000, allowFailure: true })).code).toBe(255);
    expect(down.calls).toHaveLength(SSH_ATTEMPTS);
    const said = fakeHost({ [key]: { code: 255, stdout: 'partial' } });
    await new Guest(said).run(['uname', '-r'], { phase: 'p', timeoutMs: 5_000, allowFailure: true });
    expect(said.calls).toHaveLength(1);
  }, 20_000);
});
