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
