/** benchctl's exit codes, the same for every command (`benchctl --help` lists them). */
export const EXIT = {
  ok: 0,
  /** Findings: invalid manifests, differences, a suite that is not there. */
  findings: 1,
  /** Usage: unknown command or option, missing argument, a path that cannot be read. */
  usage: 2,
  /** The cluster or Git failed: unreachable API server, forbidden, not a repository, unknown revision. */
  failure: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error benchctl reports as one line on stderr, exiting with its code. */
export class CliError extends Error {
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);
export const findingError = (message: string) => new CliError(message, EXIT.findings);
export const failureError = (message: string) => new CliError(message, EXIT.failure);
