// Moving the guest between two dom0s that need not reach each other: every
// byte goes through the runner (relay), and each move is noted as one piece of
// evidence. The volume, this run's key, a save file, and xl migrate's stream.
// What a move means for the guest (did it continue?) is the checks' to judge.
import * as path from 'node:path';
import type { Host } from '../host/host.js';
import { type RelayEnd, relay } from '../host/relay.js';
import type { RunResult } from '../proc.js';
import { GUEST, lvPath } from './config.js';
import { DESTROY_GUEST } from './dom0-scripts.js';
import { CHUNK_DIGESTS, SPARSE_RECEIVE, SPARSE_SEND } from './transfer.js';

/** A dom0 a guest moves from or to: its host, its name in messages, and run and guest (recorded by the caller). */
export interface Dom0 {
  host: Host;
  name: string;
  run(argv: readonly string[]): Promise<RunResult>;
  guest(argv: readonly string[]): Promise<RunResult>;
}

/** What a move runs under: its phase and bound, and where what went through the runner is noted. */
export interface Move {
  phase: string;
  timeoutMs: number;
  note(what: string, output: string): void;
}

/**
 * From one dom0 to another through the runner (with `both`, a conversation),
 * recorded as one piece of evidence (what each end wrote to stderr, and the
 * receiver's stdout when it is not the stream back); ok when both ends succeeded.
 */
export async function through(m: Move, what: string, from: RelayEnd, to: RelayEnd, both = false): Promise<{ ok: boolean; sent: string; received: string }> {
  const t = Date.now();
  const { sent, received } = await relay(from, to, { phase: m.phase, timeoutMs: m.timeoutMs, both });
  const said = [sent.stderr.trim() && `sending: ${sent.stderr.trim()}`, received.stdout.trim(), received.stderr.trim() && `receiving: ${received.stderr.trim()}`].filter(Boolean).join('\n');
  m.note(`${what}, through the runner: ${from.argv.join(' ')} | ${to.argv.join(' ')}`, `exit ${sent.code} | exit ${received.code} in ${((Date.now() - t) / 1000).toFixed(1)} s${said ? `\n${said}` : ''}`);
  return { ok: sent.code === 0 && received.code === 0, sent: sent.stderr, received: received.stderr };
}

/** The guest's volume from one dom0 to the other: only the chunks whose md5 differs from the digests of the volume there. */
export async function sendVolume(m: Move, from: Dom0, to: Dom0, digests: string[]): Promise<boolean> {
  const lv = lvPath(GUEST.lv);
  const { ok } = await through(
    m,
    `the guest's volume, the chunks that differ from the volume on ${to.name}`,
    { host: from.host, argv: ['python3', '-c', SPARSE_SEND, lv], input: digests.join('\n') },
    { host: to.host, argv: ['python3', '-c', SPARSE_RECEIVE, lv] },
  );
  return ok;
}

/** This run's key to the guest, so that the dom0 there can reach the guest as this one does. */
export async function sendKey(m: Move, from: Dom0, to: Dom0): Promise<boolean> {
  const dir = path.posix.dirname(GUEST.key);
  const { ok } = await through(
    m,
    "this run's key to the guest",
    { host: from.host, argv: ['tar', '-C', dir, '-cf', '-', path.posix.basename(GUEST.key), path.posix.basename(GUEST.knownHosts)] },
    { host: to.host, argv: ['sh', '-c', 'install -d -m 700 "$1" && tar -C "$1" -xf -', 'sh', dir] },
  );
  return ok;
}

/** The save file, gzipped on the way: the guest's memory, most of it never touched since Xen handed it over zeroed, shrinks to little. */
export async function sendSaveFile(m: Move, from: Dom0, to: Dom0): Promise<boolean> {
  const file = GUEST.saveFile;
  return (await through(m, 'the save file, gzipped', { host: from.host, argv: ['gzip', '-1', '-c', file] }, { host: to.host, argv: ['sh', '-c', 'gzip -dc > "$1"', 'sh', file] })).ok;
}

/**
 * xl migrate with its stream on this command's own stdin and stdout, for the
 * runner to relay to xl migrate-receive on the other host: with -s "" xl runs
 * the host argument as the command that carries the stream (xl(1)). Fds 3 and
 * 4 keep the SSH session's stdin and stdout; xl's messages go to stderr.
 */
export const MIGRATE_SEND = ['sh', '-c', 'exec 3<&0 4>&1 1>&2; exec xl migrate -s "" "$1" "$2"', 'sh', GUEST.name, 'cat <&3 4>&- & exec cat >&4 3<&-'];
/** Arrives paused (-p): its volume is brought up to date before it runs there. */
export const MIGRATE_RECEIVE = ['xl', 'migrate-receive', '-p'];

/**
 * xl migrate from one dom0 to the other, the stream relayed. On failure the
 * guest stays where it was and the other's half is destroyed; what each end
 * said is returned for the caller to judge.
 */
export async function migrateStream(m: Move, from: Dom0, to: Dom0): Promise<{ ok: boolean; sent: string; received: string }> {
  const r = await through(m, `xl migrate from ${from.name} to ${to.name}`, { host: from.host, argv: MIGRATE_SEND }, { host: to.host, argv: MIGRATE_RECEIVE }, true);
  if (!r.ok) await to.run(['sh', '-c', DESTROY_GUEST]);
  return r;
}

/**
 * The guest arrived paused on `to`: its volume there gets the chunks it wrote
 * on `from` until it was suspended (no storage is shared), then it runs.
 */
export async function arrive(m: Move, from: Dom0, to: Dom0): Promise<boolean> {
  const digests = await to.run(['python3', '-c', CHUNK_DIGESTS, lvPath(GUEST.lv)]);
  if (digests.code !== 0 || !(await sendVolume(m, from, to, digests.stdout.trim().split('\n')))) return false;
  return (await to.run(['xl', 'unpause', GUEST.name])).code === 0;
}
