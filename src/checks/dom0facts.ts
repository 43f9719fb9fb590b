// Facts about the running dom0 that several checks need (the kernel's config,
// the Xen and Linux versions), read through ctx.run and parsed by small pure
// functions.
import type { CheckContext } from './check.js';

/** Prints "release <uname -r>", "source <file>" and the config lines matching $1 (an ERE); exit 3 if there is no config. */
export const READ_KERNEL_CONFIG = [
  'r=$(uname -r)',
  'echo "release $r"',
  'if [ -r "/boot/config-$r" ]; then echo "source /boot/config-$r"; grep -E -e "$1" "/boot/config-$r"',
  'elif [ -r /proc/config.gz ]; then echo "source /proc/config.gz"; zcat /proc/config.gz | grep -E -e "$1"',
  'else echo "no kernel config: neither /boot/config-$r nor /proc/config.gz" >&2; exit 3; fi',
  'exit 0',
].join('\n');

/** The kernel config options with Xen in their name (CONFIG_XEN_*, CONFIG_XENFS, ...). */
export const XEN_OPTIONS = 'XEN';

export interface KernelConfig {
  release: string;
  /** Where it was read from (/boot/config-<release> or /proc/config.gz). */
  source?: string;
  /** Option name without CONFIG_ -> value: y, m, n (is not set), or the string/number. */
  options: Map<string, string>;
}

/** Parse config lines ("CONFIG_X=y", "# CONFIG_X is not set"). */
export function parseKernelConfig(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line.trim());
    if (set) options.set(set[1], set[2].replace(/^"(.*)"$/, '$1'));
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line.trim());
    if (unset) options.set(unset[1], 'n');
  }
  return options;
}

/** Parse READ_KERNEL_CONFIG's output. */
export function parseKernelConfigOutput(text: string): KernelConfig {
  const release = /^release (\S+)$/m.exec(text)?.[1] ?? '';
  const source = /^source (\S+)$/m.exec(text)?.[1];
  return { release, source, options: parseKernelConfig(text) };
}

/** Read the running kernel's config (only the lines matching `pattern`); undefined `source` when there is none. */
export async function readKernelConfig(ctx: CheckContext, pattern = XEN_OPTIONS): Promise<KernelConfig & { error?: string }> {
  const r = await ctx.run(['sh', '-c', READ_KERNEL_CONFIG, 'sh', pattern]);
  const parsed = parseKernelConfigOutput(r.stdout);
  if (r.code !== 0 || !parsed.source) return { ...parsed, error: r.stderr.trim() || `exit ${r.code}` };
  return parsed;
}

/** `xl info` as key -> value. */
export function parseXlInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_]+)\s*:\s?(.*)$/.exec(line);
    if (m && !(m[1] in out)) out[m[1]] = m[2].trim();
  }
  return out;
}

export type Version = [number, number];

/** "6.1.0-56-amd64" -> [6, 1]; "4.17.7" -> [4, 17]. */
export function majorMinor(v: string): Version | undefined {
  const m = /^(\d+)\.(\d+)/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function atLeast(v: Version, min: Version): boolean {
  return v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);
}

export const fmt = (v: Version) => `${v[0]}.${v[1]}`;

/** The running Xen's version from `xl info` (falling back to the candidate hypervisor package's); undefined if neither says. */
export async function runningXen(ctx: CheckContext): Promise<{ version: Version; text: string; from: string } | undefined> {
  const r = await ctx.run(['xl', 'info']);
  const info = r.code === 0 ? parseXlInfo(r.stdout) : {};
  if (info.xen_major && info.xen_minor) {
    const version: Version = [Number(info.xen_major), Number(info.xen_minor)];
    return { version, text: info.xen_version || fmt(version), from: 'xl info' };
  }
  const hv = ctx.facts.hypervisorPackage;
  const v = hv && ctx.profile.hypervisorXenVersion(hv);
  const mm = v ? majorMinor(v) : undefined;
  return mm ? { version: mm, text: fmt(mm), from: `the hypervisor package ${hv!.name}` } : undefined;
}

/** The running kernel's release (uname -r). */
export async function kernelRelease(ctx: CheckContext): Promise<string | undefined> {
  const r = await ctx.run(['uname', '-r']);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}
