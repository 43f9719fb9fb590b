import { describe, expect, it } from '@jest/globals';
import { run, settlesWithin } from '../src/proc.js';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('settlesWithin', () => {
  it('is true when the promise settles first (resolved or rejected), and leaves no timer behind', async () => {
    const before = timers();
    expect(await settlesWithin(Promise.resolve(1), 600_000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 600_000)).toBe(true);
    // A ten-minute timer left running would keep the action's process alive after its run.
    expect(timers()).toBe(before);
  });

  it('is false when the bound runs out first', async () => {
    expect(await settlesWithin(new Promise(() => {}), 20)).toBe(false);
  });
});

describe('run', () => {
  const opts = { phase: 'test', timeoutMs: 10_000 };
  it('keeps stdout as bytes when asked (binary): every byte value, unchanged', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await run(['cat'], { ...opts, input: all, binary: true });
    expect(r.bytes?.equals(all)).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('decodes text once, whole: a multi-byte character split across writes stays one character', async () => {
    // The euro sign's three bytes, written in two pieces with a pause between (two chunks on the pipe).
    const r = await run(['sh', '-c', "printf '\\342\\202'; sleep 0.2; printf '\\254\\n'"], opts);
    expect(r.stdout).toBe('€\n');
    expect(r.bytes).toBeUndefined();
  });
});
