// Reads a generated grub.cfg the way GRUB does for the two questions the boot
// checks ask: which entries boot Xen, and which entry boots by default; and a
// half-written one, for the /etc/grub.d script that stopped grub-mkconfig.

export interface GrubSubmenu {
  title: string;
  id?: string;
  /** Index among its siblings. */
  index: number;
}

export interface GrubEntry {
  title: string;
  id?: string;
  /** Titles of the submenus it sits in, outermost first. */
  path: string[];
  /** The submenus it sits in, outermost first: what a `>`-path default walks through. */
  submenus: GrubSubmenu[];
  /** Index among its siblings, as GRUB counts for a numeric default. */
  index: number;
  body: string[];
}

export interface GrubConfig {
  entries: GrubEntry[];
  /** The value of `set default=...`, if any (last one wins, as in GRUB). */
  defaultValue?: string;
}

const OPEN = /^\s*(menuentry|submenu)\s+(?:'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+))(.*)\{\s*$/;

export function parseGrubCfg(text: string): GrubConfig {
  const entries: GrubEntry[] = [];
  const stack: { kind: string; title: string; id?: string; index: number; children: number; entry?: GrubEntry }[] = [
    { kind: 'root', title: '', index: 0, children: 0 },
  ];
  let defaultValue: string | undefined;
  for (const line of text.split('\n')) {
    const m = OPEN.exec(line);
    const top = stack[stack.length - 1];
    if (m) {
      const title = m[2] ?? (m[3] ?? m[4]).replace(/\\(.)/g, '$1');
      // grub-mkconfig writes `$menuentry_id_option 'id'`, which GRUB expands to `--id 'id'`.
      const id = /(?:--id|\$menuentry_id_option)\s+'?([^'\s]+)'?/.exec(m[5])?.[1];
      const index = top.children++;
      if (m[1] === 'menuentry') {
        const submenus = stack.slice(1).map((s) => ({ title: s.title, id: s.id, index: s.index }));
        const entry: GrubEntry = { title, id, path: submenus.map((s) => s.title), submenus, index, body: [] };
        entries.push(entry);
        stack.push({ kind: 'menuentry', title, id, index, children: 0, entry });
      } else {
        stack.push({ kind: 'submenu', title, id, index, children: 0 });
      }
      continue;
    }
    if (/^\s*\}\s*$/.test(line) && stack.length > 1) {
      stack.pop();
      continue;
    }
    if (top.entry) top.entry.body.push(line.trim());
    else if (stack.length === 1) {
      const d = /^\s*set\s+default=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(line);
      if (d) defaultValue = d[1] ?? d[2] ?? d[3];
    }
  }
  return { entries, defaultValue };
}

/** A Xen entry: multiboot2 (or multiboot) loads Xen, and modules carry the dom0 kernel and its initrd. */
export function isXenEntry(e: GrubEntry): boolean {
  const loader = e.body.find((l) => /^multiboot2?\s+\S*xen\S*/.test(l));
  const modules = e.body.filter((l) => /^module2?\s/.test(l));
  // initramfs-tools names the image initrd.img-<release>; dracut (Fedora, CentOS) initramfs-<release>.img.
  return !!loader && modules.some((l) => /vmlinuz/.test(l)) && modules.some((l) => /initrd|initramfs/.test(l));
}

/** The files a Xen entry has GRUB load: the hypervisor (multiboot2) and its modules (the dom0 kernel, the initrd). */
export function xenEntryFiles(e: GrubEntry): { hypervisor?: string; modules: string[] } {
  const path = (l: string) => l.split(/\s+/).slice(1).find((w) => !w.startsWith('--'));
  const loader = e.body.find((l) => /^multiboot2?\s/.test(l));
  return {
    hypervisor: loader ? path(loader) : undefined,
    modules: e.body.filter((l) => /^module2?\s/.test(l)).map(path).filter((p): p is string => !!p),
  };
}

/**
 * The entry GRUB boots with no key pressed. `default` may be an index, a
 * title, an id, or a `>`-separated path of those through submenus;
 * `${saved_entry}` is read from grubenv.
 */
export function defaultEntry(cfg: GrubConfig, grubenv = ''): GrubEntry | undefined {
  let value = cfg.defaultValue ?? '0';
  if (value === '${saved_entry}') {
    value = /^saved_entry=(.*)$/m.exec(grubenv)?.[1] ?? '0';
  }
  const parts = value.split('>');
  // Walk the tree level by level: as GRUB does, take the first entry or submenu
  // whose index (for a number), title or id matches the part, and go into it.
  let inside = cfg.entries;
  for (let depth = 0; depth < parts.length; depth++) {
    const part = parts[depth];
    const item = (e: GrubEntry): GrubSubmenu => (e.path.length === depth ? e : e.submenus[depth]);
    const matches = (x: GrubSubmenu) => (/^\d+$/.test(part) ? x.index === Number(part) : x.title === part || x.id === part);
    const first = inside.filter((e) => matches(item(e))).sort((a, b) => item(a).index - item(b).index)[0];
    const last = depth === parts.length - 1;
    if (!first) return undefined;
    if (first.path.length === depth) return last ? first : undefined;
    if (last) return undefined; // names a submenu, not an entry
    const chosen = item(first).index;
    inside = inside.filter((e) => e.path.length > depth && e.submenus[depth].index === chosen);
  }
  return undefined;
}

/**
 * Which /etc/grub.d script ended a failed grub-mkconfig: it writes
 * "### BEGIN <script> ###" into <grub.cfg>.new before running each script and
 * "### END <script> ###" after, stops at the first failure (set -e), and
 * leaves that file behind. Undefined when every script it began also ended.
 */
export function failedGrubScript(partialCfg: string): string | undefined {
  const begun = [...partialCfg.matchAll(/^### BEGIN (\S+) ###$/gm)].pop()?.[1];
  return begun && !partialCfg.includes(`### END ${begun} ###`) ? begun : undefined;
}

/** How many lines one text has that the other lacks (as multisets: order aside), e.g. a boot config before and after its regeneration. */
export function lineChanges(before: string, after: string): { added: number; removed: number } {
  const count = new Map<string, number>();
  for (const l of before.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
  let added = 0;
  for (const l of after.split('\n')) {
    const n = count.get(l) ?? 0;
    if (n > 0) count.set(l, n - 1);
    else added++;
  }
  const removed = [...count.values()].reduce((a, b) => a + b, 0);
  return { added, removed };
}
