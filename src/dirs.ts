// mkdir -p for paths a user gives (the out dir, the cache dir). Node's own
// recursive mkdir loops forever where a parent exists but refuses children
// (a pseudo-filesystem such as /proc answers ENOENT): this one answers.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export async function makeDirs(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  if (parent !== dir && !(await fs.stat(parent).catch(() => undefined))) await makeDirs(parent);
  try {
    await fs.mkdir(dir);
  } catch (err) {
    // Something already there is fine if it is a directory (a file stays the caller's EEXIST).
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !(await fs.stat(dir)).isDirectory()) throw err;
  }
}
