// Reads a generated grub.cfg the way GRUB does for the two questions the boot
// checks ask: which entries boot Xen, and which entry boots by default.

export interface GrubEntry {
  title: string;
  id?: string;
  /** Titles of the submenus it sits in, outermost first. */
  path: string[];
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
  const stack: { kind: string; title: string; children: number; entry?: GrubEntry }[] = [{ kind: 'root', title: '', children: 0 }];
  let defaultValue: string | undefined;
  for (const line of text.split('\n')) {
    const m = OPEN.exec(line);
    const top = stack[stack.length - 1];
    if (m) {
      const title = m[2] ?? (m[3] ?? m[4]).replace(/\\(.)/g, '$1');
      const id = /--id\s+'?([^'\s]+)'?/.exec(m[5])?.[1];
      const index = top.children++;
      if (m[1] === 'menuentry') {
        const entry: GrubEntry = { title, id, path: stack.slice(1).map((s) => s.title), index, body: [] };
        entries.push(entry);
        stack.push({ kind: 'menuentry', title, children: 0, entry });
      } else {
        stack.push({ kind: 'submenu', title, children: 0 });
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
  return !!loader && modules.some((l) => /vmlinuz/.test(l)) && modules.some((l) => /initrd/.test(l));
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
  // Walk the tree level by level, matching each part by index, title or id.
  let candidates = cfg.entries;
  for (let depth = 0; depth < parts.length; depth++) {
    const part = parts[depth];
    const atLevel = candidates.filter((e) => e.path.length >= depth);
    const match = (e: GrubEntry) => {
      const isLeafLevel = e.path.length === depth;
      const title = isLeafLevel ? e.title : e.path[depth];
      const index = isLeafLevel ? e.index : undefined;
      return title === part || (isLeafLevel && e.id === part) || (/^\d+$/.test(part) && index === Number(part));
    };
    candidates = atLevel.filter(match);
    if (depth === parts.length - 1) return candidates.find((e) => e.path.length === depth);
  }
  return undefined;
}
