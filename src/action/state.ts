// What the main step hands the post step (core.saveState / core.getState): one name for both.
import * as core from '@actions/core';

const RUN_DIR = 'runDir';

export const saveRunDir = (dir: string): void => core.saveState(RUN_DIR, dir);
export const runDirOf = (): string => core.getState(RUN_DIR);
