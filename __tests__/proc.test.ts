import { describe, expect, it } from '@jest/globals';
import { settlesWithin } from '../src/proc.js';

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
