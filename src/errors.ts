// Two kinds of failure that are not a check's verdict, each with its exit code.

/** Bad input: one line that says what is wrong and how to fix it. Exit 2, nothing started. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** The infrastructure failed (no boot, no SSH, QEMU died): exit 3, naming the phase. */
export class InfraError extends Error {
  readonly exitCode = 3;
  constructor(
    readonly phase: string,
    message: string,
    readonly serialTail: string[] = [],
  ) {
    super(`${phase}: ${message}`);
    this.name = 'InfraError';
  }
}

/**
 * The candidates stopped the run (they do not install; the machine cannot
 * boot what they generated): not the environment's failure but the named
 * check's, which fails with this evidence; nothing after it can be judged.
 * Exit 1, like any failed check.
 */
export class CandidateFault extends Error {
  constructor(
    readonly phase: string,
    readonly checkId: string,
    /** What happened, in the words of the tool or the machine that said it (the evidence is in the run's facts). */
    readonly finding: string,
  ) {
    super(`${phase}: ${finding}`);
    this.name = 'CandidateFault';
  }
}

/** A host that did not come back from its reboot, and its console says why (GRUB's error, a panic). */
export class BootFault extends InfraError {
  constructor(
    phase: string,
    readonly failure: import('./diagnose.js').BootFailure,
    serialTail: string[],
    /** The console from the reboot on. */
    readonly serial: string,
  ) {
    super(phase, `the machine did not boot: ${failure.words}`, serialTail);
    this.name = 'BootFault';
  }
}
