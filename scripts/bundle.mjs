// Bundles the three entry points with ncc into dist/ (committed: GitHub runs
// dist/index.js straight from the action's checkout). CI checks that dist/
// equals a fresh bundle.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const entries = [
  ['src/action/main.ts', 'index.js'],
  ['src/action/post.ts', 'post.js'],
  ['src/cli.ts', 'cli.js'],
];
rmSync('dist', { recursive: true, force: true });
for (const [src, name] of entries) {
  const out = mkdtempSync(join(tmpdir(), 'ncc-'));
  execFileSync('npx', ['ncc', 'build', src, '-o', out, '--target', 'es2022', '--no-source-map-register', '--license', 'licenses.txt', '-q'], { stdio: 'inherit' });
  for (const f of readdirSync(out)) {
    const target = f === 'index.js' ? name : f === 'licenses.txt' ? 'licenses.txt' : f;
    cpSync(join(out, f), join('dist', target), { recursive: true });
  }
  rmSync(out, { recursive: true, force: true });
}
