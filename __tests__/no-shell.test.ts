// Nothing on the runner is ever run through a shell: every program starts from
// an argv array (spawn or execFile), never a command string. This reads the
// sources, so a `shell: true`, an exec() or an execSync() added later fails here.
import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../src');

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

describe('the runner side starts programs from argv only', () => {
  it('imports only spawn and execFile from child_process, never passes shell:, never uses @actions/exec', async () => {
    const offences: string[] = [];
    const files = await sources(SRC);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      // Comments may say "shell:" in prose; only the code counts.
      const text = (await fs.readFile(file, 'utf8')).replace(/^\s*\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      const rel = path.relative(SRC, file);
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'node:child_process'/g)) {
        const names = m[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean);
        for (const n of names) if (!['spawn', 'execFile', 'ChildProcess'].includes(n)) offences.push(`${rel}: imports ${n}`);
      }
      if (/import\s+\*\s+as\s+\w+\s+from\s+'node:child_process'|require\(['"](node:)?child_process/.test(text)) offences.push(`${rel}: imports all of child_process`);
      if (/\bshell\s*:\s*(?!false\b)[\w'"`]/.test(text)) offences.push(`${rel}: passes a shell option`);
      if (/@actions\/exec/.test(text)) offences.push(`${rel}: uses @actions/exec (it joins command lines)`);
    }
    expect(offences).toEqual([]);
  });
});
