// Small helpers for the words of one-line input errors: near matches of a
// typo, a list, and `~` as no shell expands it in an action input.
import { homedir } from 'node:os';

/** Known ids a typo could have come from: close in edit distance, or one containing the other. */
export function nearMatches(word: string, known: string[]): string[] {
  const w = word.toLowerCase();
  return known.filter((k) => {
    const c = k.toLowerCase();
    return c.includes(w) || w.includes(c) || editDistance(w, c) <= Math.max(1, Math.floor(c.length / 4));
  });
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** No shell expands `~` in an action input, so do it here as other actions do. */
export function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p;
}

export function list(xs: readonly string[]): string {
  return xs.length > 0 ? xs.join(', ') : '(none)';
}
