// One schema for the action's inputs and the CLI's flags: raw strings in, a checked RunConfig out.
// zod does the walking; the user only ever sees our one-line InputError, never zod's wording.
import { randomUUID } from 'node:crypto';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Accel, Baseline, CloudImageSource, ExpectedFailure, RunConfig, Target, Timeouts } from './config.js';
import { InputError } from './errors.js';
import { patternLines } from './packages.js';
import { makeDirs } from './dirs.js';
import { expandHome, list, nearMatches } from './input-words.js';
import { baselineDistroProblem, parseExpectedFailures, readReportFile } from './judge-inputs.js';

/** Settings as they arrive: action inputs (where '' means not given) or CLI flag values. */
export interface RawSettings {
  distro?: string;
  packages?: string;
  checks?: string;
  'out-dir'?: string;
  accel?: string;
  'timeout-image'?: string;
  'timeout-boot'?: string;
  'timeout-install'?: string;
  'timeout-reboot'?: string;
  'timeout-check'?: string;
  'timeout-shutdown'?: string;
  'cache-dir'?: string;
  target?: string;
  'ssh-host'?: string;
  'ssh-user'?: string;
  'ssh-port'?: string;
  /** The private key's text (the CLI reads it from the file given; the action takes a secret's text). */
  'ssh-key'?: string;
  /** known_hosts lines, as text (the CLI reads them from the file given). */
  'ssh-known-hosts'?: string;
  'migrate-to'?: string;
  'image-url'?: string;
  'image-sha256'?: string;
  /** Lines `check-id: reason`, or the path of a file of them. */
  'expected-failures'?: string;
  /** Path of an earlier run's report.json. */
  baseline?: string;
  /** true (default): install the host tools the runner lacks with apt-get; false: stop and say which. */
  'install-host-tools'?: string;
}

export interface SettingsContext {
  knownDistros: string[];
  knownChecks: string[];
  /** Names that stand for several checks (where they look: dom0, domU, ...). */
  checkGroups?: Record<string, string[]>;
  /** Relative paths are resolved here. */
  cwd: string;
  defaultCacheDir: string;
}

/** Everything but the packages, which need the file system (see resolvePackages). */
export interface ParsedSettings {
  config: Omit<RunConfig, 'packages'>;
  /** The `packages` lines, blank lines and comments dropped; empty means a baseline run. */
  packagePatterns: string[];
}

export const DEFAULT_DISTRO = 'debian-12';
export const DEFAULT_OUT_DIR = 'xen-conformance-report';
export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = { image: 900, boot: 300, install: 600, reboot: 300, check: 120, shutdown: 120 };
/** Every setting's name, as the action input and the CLI flag (`--out-dir`) spell it. */
export const SETTING_NAMES = [
  'distro',
  'packages',
  'checks',
  'out-dir',
  'accel',
  'timeout-image',
  'timeout-boot',
  'timeout-install',
  'timeout-reboot',
  'timeout-check',
  'timeout-shutdown',
  'cache-dir',
  'target',
  'ssh-host',
  'ssh-user',
  'ssh-port',
  'ssh-key',
  'ssh-known-hosts',
  'migrate-to',
  'image-url',
  'image-sha256',
  'expected-failures',
  'baseline',
  'install-host-tools',
] as const satisfies readonly (keyof RawSettings)[];
export const ACCELS: readonly Accel[] = ['auto', 'kvm', 'tcg'];
export const TARGETS = ['qemu', 'ssh'] as const;
/** The settings that only mean something with target ssh. */
export const SSH_SETTINGS = ['ssh-host', 'ssh-user', 'ssh-port', 'ssh-key', 'ssh-known-hosts', 'migrate-to'] as const;
export const DEFAULT_SSH_USER = 'root';
export const DEFAULT_SSH_PORT = 22;
/** Node's timers fire at once past 2^31 ms (~24.8 days), so a day is a safe, generous ceiling. */
const MAX_TIMEOUT = 86_400;

export function parseSettings(raw: RawSettings, ctx: SettingsContext): ParsedSettings {
  const result = schema(ctx).safeParse(raw);
  if (result.success) return result.data;
  throw new InputError(oneLine(result.error.issues[0]));
}

function schema(ctx: SettingsContext) {
  // An action input left out is '', so blank means "use the default" everywhere.
  const text = z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.trim() : undefined));
  // `fail` records our one-line message as the field's issue; the field's value is then never used.
  type Check<T> = (v: string | undefined, fail: (message: string) => never) => T;
  const field = <T>(check: Check<T>) =>
    text.transform((v, zctx) =>
      check(v, (message) => {
        zctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }),
    );
  const timeout = (phase: keyof Timeouts) => field((v, fail) => parseTimeout(`timeout-${phase}`, v, DEFAULT_TIMEOUTS[phase], fail));
  const dir = (fallback: string) => field((v) => path.resolve(ctx.cwd, expandHome(v ?? fallback)));

  return z
    .strictObject({
      distro: field((v, fail) => {
        const d = v ?? DEFAULT_DISTRO;
        if (!ctx.knownDistros.includes(d)) return fail(`distro: "${d}" is not a known distro; pass one of ${list(ctx.knownDistros)}`);
        return d;
      }),
      packages: z
        .string()
        .optional()
        .transform((v) => patternLines(v ? [v] : [])),
      checks: field((v, fail) => parseChecks(v, ctx.knownChecks, ctx.checkGroups ?? {}, fail)),
      'out-dir': dir(DEFAULT_OUT_DIR),
      accel: field((v, fail): Accel => {
        const a = (v ?? 'auto').toLowerCase();
        if (!(ACCELS as string[]).includes(a)) return fail(`accel: "${v}" is not one of ${ACCELS.join(', ')}; pass one of them, or leave it empty for auto`);
        return a as Accel;
      }),
      'timeout-image': timeout('image'),
      'timeout-boot': timeout('boot'),
      'timeout-install': timeout('install'),
      'timeout-reboot': timeout('reboot'),
      'timeout-check': timeout('check'),
      'timeout-shutdown': timeout('shutdown'),
      'cache-dir': dir(ctx.defaultCacheDir),
      target: field((v, fail) => {
        const t = (v ?? 'qemu').toLowerCase();
        if (!(TARGETS as readonly string[]).includes(t)) return fail(`target: ${JSON.stringify(v)} is not one of ${TARGETS.join(', ')}; use qemu (a VM on the runner) or ssh (your own Xen machine)`);
        return t as (typeof TARGETS)[number];
      }),
      'ssh-host': field((v, fail) => (v === undefined ? v : parseHostName('ssh-host', v, fail))),
      'ssh-user': field((v, fail) => {
        // Not a flag to ssh, not a second destination: a plain login name.
        if (v !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(v)) return fail(`ssh-user: ${JSON.stringify(v)} is not a login name; e.g. ${DEFAULT_SSH_USER}`);
        return v;
      }),
      'ssh-port': field((v, fail) => (v === undefined ? v : parsePort('ssh-port', v, fail))),
      // The key's text is a secret: no message ever quotes it.
      'ssh-key': z
        .string()
        .optional()
        .transform((v) => (v?.trim() ? textFile(v) : undefined)),
      'ssh-known-hosts': z
        .string()
        .optional()
        .transform((v) => (v?.trim() ? textFile(v) : undefined)),
      'migrate-to': field((v, fail) => (v === undefined ? v : parseHostPort('migrate-to', v, fail))),
      'image-url': field((v, fail) => (v === undefined ? undefined : parseImageUrl(v, fail))),
      'image-sha256': field((v, fail) => (v === undefined ? undefined : parseSha256(v, fail))),
      'expected-failures': field((v, fail) => (v === undefined ? [] : parseExpectedFailures(v, ctx, fail))),
      baseline: field((v, fail) => (v === undefined ? undefined : readReportFile('baseline', path.resolve(ctx.cwd, expandHome(v)), fail))),
      'install-host-tools': field((v, fail) => {
        const b = (v ?? 'true').toLowerCase();
        if (b !== 'true' && b !== 'false') return fail(`install-host-tools: "${v}" is not true or false; leave it out to let the run install what the runner lacks`);
        return b === 'true';
      }),
    })
    .superRefine((s, zctx) => {
      // One without the other is a mistake, never a request for something.
      const message = imagePairProblem(s['image-url'], s['image-sha256']) ?? baselineDistroProblem(s.baseline, s.distro);
      if (message) zctx.addIssue({ code: 'custom', message });
    })
    .transform((s, zctx): ParsedSettings => {
      const target = targetOf(s, (message) => {
        zctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      });
      return {
        config: {
          distro: s.distro,
          checks: s.checks,
          outDir: s['out-dir'],
          accel: s.accel,
          timeouts: {
            image: s['timeout-image'],
            boot: s['timeout-boot'],
            install: s['timeout-install'],
            reboot: s['timeout-reboot'],
            check: s['timeout-check'],
            shutdown: s['timeout-shutdown'],
          },
          cacheDir: s['cache-dir'],
          target,
          image: cloudImage(s['image-url'], s['image-sha256']),
          expectedFailures: s['expected-failures'],
          installHostTools: s['install-host-tools'],
          ...(s.baseline ? { baseline: s.baseline } : {}),
        },
        packagePatterns: s.packages,
      };
    });
}

type SshFields = {
  target: (typeof TARGETS)[number];
  accel: Accel;
  'ssh-host'?: string;
  'ssh-user'?: string;
  'ssh-port'?: number;
  'ssh-key'?: string;
  'ssh-known-hosts'?: string;
  'migrate-to'?: { host: string; port?: number };
  'image-url'?: string;
};

/** The rules between settings: what target ssh needs, and ssh settings only with it. */
function targetOf(s: SshFields, fail: (m: string) => never): Target {
  if (s.target === 'qemu') {
    const stray = SSH_SETTINGS.find((n) => s[n] !== undefined);
    if (stray) return fail(`${stray}: only used with target ssh; set target: ssh, or leave ${stray} out to run on the embedded QEMU VM`);
    return { kind: 'qemu' };
  }
  if (s.accel !== 'auto') return fail(`accel: "${s.accel}" only applies to target qemu; leave it out with target ssh`);
  if (s['image-url']) return fail('image-url: only used with target qemu (the image boots in the VM); leave it out with target ssh');
  const host = s['ssh-host'];
  if (!host) return fail('ssh-host: required with target ssh; pass the host name or address of your Xen machine');
  const port = s['ssh-port'] ?? DEFAULT_SSH_PORT;
  if (!s['ssh-known-hosts']) {
    return fail(
      `ssh-known-hosts: required with target ssh (a host key is never accepted unseen); pass the host's known_hosts line, e.g. what ssh-keyscan -p ${port} ${host} prints, checked against the machine's own key`,
    );
  }
  if (!s['ssh-key']) return fail('ssh-key: required with target ssh; pass a private key (without passphrase) that the host accepts for the ssh-user');
  const m = s['migrate-to'];
  if (m && m.host === host && (m.port ?? port) === port) {
    return fail(`migrate-to: ${host}:${port} is ssh-host itself; pass a second Xen machine, or leave migrate-to out (the migration checks then stay on the one host)`);
  }
  return {
    kind: 'ssh',
    host,
    user: s['ssh-user'] ?? DEFAULT_SSH_USER,
    port,
    key: s['ssh-key'],
    knownHosts: s['ssh-known-hosts'],
    ...(m ? { migrateTo: { host: m.host, port: m.port ?? port } } : {}),
  };
}

/**
 * A host name or address as ssh's destination: nothing ssh could read as an
 * option (a leading "-"), no user part, no spaces, quotes or shell syntax.
 */
function parseHostName(name: string, v: string, fail: (m: string) => never): string {
  if (!/^[A-Za-z0-9_.:%-]+$/.test(v) || v.startsWith('-')) {
    return fail(`${name}: ${JSON.stringify(v)} is not a host name or address; pass e.g. xen1.example.org or 192.0.2.10 (the user goes in ssh-user)`);
  }
  return v;
}

function parsePort(name: string, v: string, fail: (m: string) => never): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= 65535)) return fail(`${name}: ${JSON.stringify(v)} is not a port number (1-65535); e.g. ${DEFAULT_SSH_PORT}`);
  return n;
}

/** `host`, `host:port` or `[address]:port`; a bare IPv6 address is a host. */
function parseHostPort(name: string, v: string, fail: (m: string) => never): { host: string; port?: number } {
  const m = /^\[([^\]]+)\]:(.*)$/.exec(v) ?? /^([^:]+):(.*)$/.exec(v);
  if (!m) return { host: parseHostName(name, v, fail) };
  return { host: parseHostName(name, m[1], fail), port: parsePort(name, m[2], fail) };
}

/** Pasted keys lose their last newline or gain CRs; OpenSSH reads neither ("error in libcrypto"). */
function textFile(v: string): string {
  return v.replace(/\r\n?/g, '\n').trim() + '\n';
}

function parseTimeout(name: string, v: string | undefined, fallback: number, fail: (m: string) => never): number {
  if (v === undefined) return fallback;
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n > 0)) return fail(`${name}: "${v}" is not a positive whole number of seconds; e.g. ${fallback}`);
  if (n > MAX_TIMEOUT) return fail(`${name}: "${v}" is more than a day (${MAX_TIMEOUT} seconds); e.g. ${fallback}`);
  return n;
}

/** A cloud image is fetched with @actions/tool-cache, which speaks http(s) only. */
function parseImageUrl(v: string, fail: (m: string) => never): string {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return fail(`image-url: "${v}" is not a URL; pass the http(s) address of a qcow2 or raw cloud image`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(`image-url: "${v}" is not an http(s) URL; pass the http(s) address of a qcow2 or raw cloud image`);
  }
  return url.href;
}

function parseSha256(v: string, fail: (m: string) => never): string {
  const hex = v.replace(/^sha256:/i, '');
  if (!/^[0-9a-f]{64}$/i.test(hex)) {
    return fail(`image-sha256: "${v}" is not a SHA-256 checksum (64 hex digits); pass the checksum published with the image (sha256sum prints it)`);
  }
  return hex.toLowerCase();
}

function imagePairProblem(url: string | undefined, sha256: string | undefined): string | undefined {
  if (url !== undefined && sha256 === undefined) return 'image-url is given without image-sha256; pass the image\'s SHA-256 too (nothing is booted unchecked)';
  if (url === undefined && sha256 !== undefined) return 'image-sha256 is given without image-url; pass the cloud image\'s URL too, or neither';
  return undefined;
}

function cloudImage(url: string | undefined, sha256: string | undefined): CloudImageSource | undefined {
  return url !== undefined && sha256 !== undefined ? { url, sha256 } : undefined;
}

/** Comma- or newline-separated ids or group names, in the order given, each once; none means all checks. */
function parseChecks(v: string | undefined, known: string[], groups: Record<string, string[]>, fail: (m: string) => never): string[] | null {
  const words = [...new Set((v ?? '').split(/[,\n]/).map((s) => s.trim()).filter(Boolean))];
  if (words.length === 0) return null;
  const ids = [...new Set(words.flatMap((w) => (Object.hasOwn(groups, w) ? groups[w] : [w])))];
  const unknown = ids.find((id) => !known.includes(id));
  if (unknown !== undefined) {
    const near = nearMatches(unknown, known);
    const hint = near.length > 0 ? `did you mean ${list(near)}?` : `known checks: ${list(known)}`;
    return fail(`checks: "${unknown}" is not a known check; ${hint}`);
  }
  return ids;
}

/** Map an issue zod raised itself (not one of ours) to the same one-line style. */
function oneLine(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'unrecognized_keys') {
    return `${issue.keys[0]} is not a known setting; known settings: ${SETTING_NAMES.join(', ')}`;
  }
  const name = issue.path.join('.') || 'settings';
  return `${name}: expected a text value; pass it as a string, e.g. ${name}: "..."`;
}

/** Create the report directory if needed and prove a file can be written there, before any boot. */
export async function checkOutDirWritable(dir: string): Promise<void> {
  const fail = (why: string) => new InputError(`out-dir: ${dir} ${why}; choose a directory you can write`);
  try {
    await makeDirs(dir);
    // A real write, not access(): it also catches read-only mounts, ACLs and full disks.
    const probe = path.join(dir, `.xen-conformance-probe-${randomUUID()}`);
    await writeFile(probe, '', { flag: 'wx' });
    await rm(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST' && (await stat(dir).catch(() => null))?.isFile()) throw fail('is a file, not a directory');
    throw fail(`cannot be written (${code})`);
  }
}

/** A `fail` for the helpers above outside the schema: the message becomes the one-line InputError. */
export function throwInput(message: string): never {
  throw new InputError(message);
}
